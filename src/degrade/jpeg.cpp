#include "degrade/jpeg.h"

#include <fmt/format.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/errors.h"

namespace restora {
namespace {

void check_jpeg_input(const cv::Mat& image_u8, int quality) {
  if (image_u8.empty() || (image_u8.type() != CV_8UC1 && image_u8.type() != CV_8UC3)) {
    throw InvalidArgument(fmt::format(
        "jpeg: expected a non-empty CV_8UC1 or CV_8UC3 image, got {}x{} with {} channel(s) of "
        "depth {}",
        image_u8.cols, image_u8.rows, image_u8.channels(), image_u8.depth()));
  }
  if (quality < 1 || quality > 100) {
    throw InvalidArgument(fmt::format("jpeg: quality must be in 1..100, got {}", quality));
  }
}

}  // namespace

std::vector<uchar> jpeg_encode(const cv::Mat& image_u8, int quality) {
  check_jpeg_input(image_u8, quality);
  // A fresh Mat for the BGR copy: converting into a header that shares the
  // caller's pixels would swap them in place.
  cv::Mat bgr_or_gray;
  if (image_u8.channels() == 3) {
    cv::cvtColor(image_u8, bgr_or_gray, cv::COLOR_RGB2BGR);
  } else {
    bgr_or_gray = image_u8;
  }
  std::vector<uchar> bytes;
  if (!cv::imencode(".jpg", bgr_or_gray, bytes, {cv::IMWRITE_JPEG_QUALITY, quality})) {
    throw FormatError(fmt::format("jpeg: libjpeg failed to encode a {}x{} image at quality {}",
                                  image_u8.cols, image_u8.rows, quality));
  }
  return bytes;
}

cv::Mat jpeg_roundtrip(const cv::Mat& image_u8, int quality) {
  const std::vector<uchar> bytes = jpeg_encode(image_u8, quality);
  const bool gray = image_u8.channels() == 1;
  cv::Mat decoded = cv::imdecode(bytes, gray ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
  if (decoded.empty() || decoded.size() != image_u8.size()) {
    throw FormatError(fmt::format("jpeg: cannot decode the {}-byte JPEG just encoded from {}x{}",
                                  bytes.size(), image_u8.cols, image_u8.rows));
  }
  if (!gray) cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
  return decoded;
}

int sample_quality(int lo, int hi, Rng& rng) {
  if (lo < 1 || hi > 100 || lo > hi) {
    throw InvalidArgument(
        fmt::format("sample_quality: range [{}, {}] is not inside 1..100", lo, hi));
  }
  return rng.uniform_int(lo, hi);
}

}  // namespace restora

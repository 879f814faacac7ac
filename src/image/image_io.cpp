#include "restora/image_io.h"

#include <fmt/format.h>
#include <restora/errors.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <optional>
#include <string>
#include <system_error>

#include "fileio/file_io.h"
#include "image/container.h"

namespace restora {
namespace {

namespace fs = std::filesystem;
using container::Bytes;
using container::Format;

std::string read_message(const fs::path& path, const std::string& problem) {
  return fmt::format("cannot read image '{}': {}", path.string(), problem);
}

std::string write_message(const fs::path& path, const std::string& problem) {
  return fmt::format("cannot write image '{}': {}", path.string(), problem);
}

// Whole file, refusing what no decoder should see: empty or over 2 GiB (cv::imdecode's limit).
Bytes read_file(const fs::path& path) {
  Bytes bytes = fileio::read_file_bytes(path);
  if (bytes.empty()) throw FormatError(read_message(path, "file is empty (0 bytes)"));
  if (bytes.size() > std::size_t(INT_MAX))
    throw FormatError(read_message(path, "file is larger than 2 GiB"));
  return bytes;
}

// The display orientation of EXIF values 2..8, as OpenCV applies them.
cv::Mat apply_orientation(const cv::Mat& stored, int orientation) {
  cv::Mat shown;
  switch (orientation) {
    case 2:
      cv::flip(stored, shown, 1);
      break;
    case 3:
      cv::rotate(stored, shown, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(stored, shown, 0);
      break;
    case 5:
      cv::transpose(stored, shown);
      break;
    case 6:
      cv::rotate(stored, shown, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7:
      cv::transpose(stored, shown);
      cv::flip(shown, shown, -1);
      break;
    case 8:
      cv::rotate(stored, shown, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      shown = stored;
  }
  return shown;
}

// decoded: OpenCV's BGR(A) or gray output -> RGB float Image.
Image to_image(const cv::Mat& decoded, bool gray, const fs::path& path) {
  Image image;
  double scale = 1.0;
  switch (decoded.depth()) {
    case CV_8U:
      image.bit_depth = 8;
      scale = 1.0 / 255.0;
      break;
    case CV_16U:
      image.bit_depth = 16;
      scale = 1.0 / 65535.0;
      break;
    case CV_32F:
    case CV_64F:
      image.bit_depth = 32;
      break;
    default:
      throw FormatError(read_message(path, "unsupported sample type (not 8/16-bit or float)"));
  }
  cv::Mat samples;
  decoded.convertTo(samples, CV_32F, scale);
  std::vector<cv::Mat> planes;
  cv::split(samples, planes);
  switch (planes.size()) {
    case 1:
      image.pixels = planes[0];
      break;
    case 2:
      image.pixels = planes[0];
      image.alpha = planes[1];
      break;
    case 3:
    case 4:
      if (gray) {
        image.pixels = planes[0];
      } else {
        cv::merge(std::vector<cv::Mat>{planes[2], planes[1], planes[0]}, image.pixels);
      }
      if (planes.size() == 4) image.alpha = planes[3];
      break;
    default:
      throw FormatError(
          read_message(path, fmt::format("unsupported channel count {}", planes.size())));
  }
  return image;
}

template <typename Sample>
cv::Mat quantize(const cv::Mat& float01, double max_value, int depth) {
  if (float01.depth() != CV_32F) {
    throw InvalidArgument(
        fmt::format("quantize: expected CV_32F samples, got type {}", float01.type()));
  }
  cv::Mat quantized(float01.size(), CV_MAKETYPE(depth, float01.channels()));
  const int row_length = float01.cols * float01.channels();
  for (int row = 0; row < float01.rows; ++row) {
    const float* in = float01.ptr<float>(row);
    Sample* out = quantized.ptr<Sample>(row);
    for (int index = 0; index < row_length; ++index) {
      const double value = std::isnan(in[index]) ? 0.0 : std::clamp(double(in[index]), 0.0, 1.0);
      out[index] = Sample(std::floor(value * max_value + 0.5));
    }
  }
  return quantized;
}

std::optional<Format> format_from_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (extension == ".png") return Format::png;
  if (extension == ".jpg" || extension == ".jpeg") return Format::jpeg;
  if (extension == ".bmp") return Format::bmp;
  if (extension == ".tif" || extension == ".tiff") return Format::tiff;
  if (extension == ".webp") return Format::webp;
  return std::nullopt;
}

const char* encoder_extension(Format format) {
  switch (format) {
    case Format::png:
      return ".png";
    case Format::jpeg:
      return ".jpg";
    case Format::bmp:
      return ".bmp";
    case Format::tiff:
      return ".tiff";
    case Format::webp:
      return ".webp";
  }
  return "";
}

void check_writable_image(const Image& image, const fs::path& path) {
  if (image.pixels.empty()) throw InvalidArgument(write_message(path, "image is empty"));
  if (image.pixels.type() != CV_32FC1 && image.pixels.type() != CV_32FC3) {
    throw InvalidArgument(write_message(path, "pixels must be CV_32FC1 or CV_32FC3"));
  }
  if (image.has_alpha() &&
      (image.alpha.type() != CV_32FC1 || image.alpha.size() != image.pixels.size())) {
    throw InvalidArgument(write_message(path, "alpha must be CV_32FC1 of the pixels' size"));
  }
}

// The depth actually written: see WriteOptions in image_io.h.
int resolve_bit_depth(const Image& image, Format format, const WriteOptions& options,
                      const fs::path& path) {
  const int requested = options.bit_depth;
  if (requested != 0 && requested != 8 && requested != 16 && requested != 32) {
    throw InvalidArgument(
        write_message(path, fmt::format("bit depth {} is not 8, 16 or 32", requested)));
  }
  const bool stores_16 = format == Format::png || format == Format::tiff;
  const bool stores_32 = format == Format::tiff;
  if (requested == 16 && !stores_16) {
    throw InvalidArgument(
        write_message(path, fmt::format("{} cannot store 16-bit samples (use .png or .tif)",
                                        container::format_name(format))));
  }
  if (requested == 32 && !stores_32) {
    throw InvalidArgument(
        write_message(path, fmt::format("{} cannot store 32-bit float samples (use .tif)",
                                        container::format_name(format))));
  }
  if (requested != 0) return requested;
  switch (image.bit_depth) {
    case 8:
      return 8;
    case 16:
      return stores_16 ? 16 : 8;
    case 32:
      return stores_32 ? 32 : stores_16 ? 16 : 8;
    default:
      throw InvalidArgument(write_message(
          path, fmt::format("image bit_depth {} is not 8, 16 or 32", image.bit_depth)));
  }
}

Bytes encode(const Image& image, Format format, int bit_depth, int jpeg_quality,
             const fs::path& path) {
  const bool keep_alpha = image.has_alpha() && (format == Format::png || format == Format::tiff ||
                                                format == Format::webp);
  const bool gray_alpha_png = keep_alpha && image.channels() == 1 && format == Format::png;

  // Gather planes in OpenCV's order (BGR, then alpha).
  std::vector<cv::Mat> planes;
  if (image.channels() == 1) {
    planes.assign(keep_alpha && !gray_alpha_png ? 3 : 1, image.pixels);
  } else {
    cv::split(image.pixels, planes);
    std::swap(planes[0], planes[2]);
  }
  if (keep_alpha) planes.push_back(image.alpha);
  cv::Mat samples;
  cv::merge(planes, samples);
  if (bit_depth == 8) samples = quantize_u8(samples);
  if (bit_depth == 16) samples = quantize<std::uint16_t>(samples, 65535.0, CV_16U);

  Bytes bytes;
  if (gray_alpha_png) {
    bytes = container::encode_png_gray_alpha(samples);
  } else {
    std::vector<int> parameters;
    if (format == Format::jpeg) parameters = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
    // Naming any compression keeps OpenCV from storing 3-channel float TIFF
    // as lossy LogLuv, its default, which also drops negative values.
    if (format == Format::tiff) parameters = {cv::IMWRITE_TIFF_COMPRESSION, 5 /* LZW */};
    try {
      if (!cv::imencode(encoder_extension(format), samples, bytes, parameters)) bytes.clear();
    } catch (const cv::Exception& error) {
      throw FileError(write_message(
          path, fmt::format("{} encoder failed: {}", container::format_name(format), error.err)));
    }
  }
  if (bytes.empty()) {
    throw FileError(
        write_message(path, fmt::format("{} encoder failed", container::format_name(format))));
  }
  return bytes;
}


}  // namespace

Image read_image(const fs::path& path) {
  const Bytes bytes = read_file(path);
  const std::optional<Format> format = container::sniff_format(bytes);
  if (!format) {
    throw FormatError(
        read_message(path, "unknown image format (expected PNG, JPEG, BMP, TIFF or WebP)"));
  }
  const container::Facts facts = container::inspect(bytes, *format);
  if (!facts.incomplete.empty()) throw FormatError(read_message(path, facts.incomplete));
  if (facts.tiff_samples_per_pixel == 2) {
    throw FormatError(
        read_message(path, "gray+alpha TIFF is not supported (save it as PNG or RGBA TIFF)"));
  }

  cv::Mat decoded;
  try {
    // IMREAD_UNCHANGED keeps alpha and 16 bits but skips EXIF orientation.
    decoded =
        cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<unsigned char*>(bytes.data())),
                     cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    decoded.release();
  }
  if (decoded.empty()) {
    throw FormatError(read_message(
        path, fmt::format("corrupt or unsupported {} data", container::format_name(*format))));
  }
  return to_image(apply_orientation(decoded, facts.orientation), facts.png_gray, path);
}

void write_image(const Image& image, const fs::path& path, const WriteOptions& options) {
  const std::optional<Format> format = format_from_extension(path);
  if (!format) {
    throw InvalidArgument(write_message(
        path, fmt::format(
                  "unknown extension '{}' (expected .png, .jpg, .jpeg, .bmp, .tif, .tiff or .webp)",
                  path.extension().string())));
  }
  check_writable_image(image, path);
  const int bit_depth = resolve_bit_depth(image, *format, options, path);
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    throw InvalidArgument(
        write_message(path, fmt::format("JPEG quality {} is not in 1..100", options.jpeg_quality)));
  }
  fileio::write_file_atomically(path, encode(image, *format, bit_depth, options.jpeg_quality, path));
}

bool is_image_path(const fs::path& path) { return format_from_extension(path).has_value(); }

bool is_tiff_path(const fs::path& path) {
  return format_from_extension(path) == Format::tiff;
}

std::vector<fs::path> list_images(const fs::path& folder) {
  return fileio::list_files(folder, [](const fs::path& path) { return is_image_path(path); },
                            "images");
}

cv::Mat quantize_u8(const cv::Mat& float01) {
  return quantize<unsigned char>(float01, 255.0, CV_8U);
}

cv::Mat to_float01(const cv::Mat& u8_or_u16) {
  cv::Mat floats;
  switch (u8_or_u16.depth()) {
    case CV_8U:
      u8_or_u16.convertTo(floats, CV_32F, 1.0 / 255.0);
      break;
    case CV_16U:
      u8_or_u16.convertTo(floats, CV_32F, 1.0 / 65535.0);
      break;
    default:
      throw InvalidArgument(fmt::format("to_float01: expected CV_8U or CV_16U samples, got type {}",
                                        u8_or_u16.type()));
  }
  return floats;
}

Image image_from_u8(const cv::Mat& rgb_or_gray_u8) {
  if (rgb_or_gray_u8.type() != CV_8UC1 && rgb_or_gray_u8.type() != CV_8UC3) {
    throw InvalidArgument(fmt::format("image_from_u8: expected CV_8UC1 or CV_8UC3, got type {}",
                                      rgb_or_gray_u8.type()));
  }
  Image image;
  image.pixels = to_float01(rgb_or_gray_u8);
  image.bit_depth = 8;
  return image;
}

}  // namespace restora

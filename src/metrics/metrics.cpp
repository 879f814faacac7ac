#include "metrics/metrics.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <opencv2/imgproc.hpp>
#include <string>
#include <vector>

#include "restora/errors.h"

namespace restora::metrics {
namespace {

constexpr double kPeak = 255.0;

std::string describe(const cv::Mat& image) {
  return fmt::format("{}x{}x{}", image.cols, image.rows, image.channels());
}

void check_u8(const cv::Mat& image, const char* what) {
  if (image.empty() || (image.type() != CV_8UC1 && image.type() != CV_8UC3)) {
    throw InvalidArgument(
        fmt::format("{}: expected a non-empty CV_8UC1 or CV_8UC3 image, got {} of depth {}", what,
                    describe(image), image.depth()));
  }
}

void check_pair(const cv::Mat& a, const cv::Mat& b, const char* metric) {
  if (a.empty() || b.empty() || a.depth() != CV_64F || b.depth() != CV_64F) {
    throw InvalidArgument(
        fmt::format("{}: expected non-empty CV_64F images from prepare(), got {} of depth {} and "
                    "{} of depth {}",
                    metric, describe(a), a.depth(), describe(b), b.depth()));
  }
  if (a.size() != b.size() || a.channels() != b.channels()) {
    throw InvalidArgument(
        fmt::format("{}: images differ in size: {} vs {}", metric, describe(a), describe(b)));
  }
}

double psnr_from_mse(double mean_squared_error) {
  if (mean_squared_error == 0.0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(kPeak * kPeak / mean_squared_error);
}

// Means over the valid region of one channel's SSIM map and of its contrast-structure factor
// (the map without the luminance term, which MS-SSIM uses at the finer scales).
struct SsimTerms {
  double ssim = 0.0, contrast_structure = 0.0;
};

SsimTerms ssim_channel(const cv::Mat& a, const cv::Mat& b) {
  constexpr int kWindow = 11;
  constexpr int kMargin = kWindow / 2;
  const double c1 = (0.01 * kPeak) * (0.01 * kPeak);
  const double c2 = (0.03 * kPeak) * (0.03 * kPeak);
  const cv::Mat kernel = cv::getGaussianKernel(kWindow, 1.5, CV_64F);
  // Only outputs whose whole window lies inside the image are kept, so the
  // border mode never matters.
  const cv::Rect valid(kMargin, kMargin, a.cols - 2 * kMargin, a.rows - 2 * kMargin);
  auto filter = [&](const cv::Mat& image) {
    cv::Mat filtered;
    cv::sepFilter2D(image, filtered, CV_64F, kernel, kernel, cv::Point(-1, -1), 0.0,
                    cv::BORDER_REFLECT);
    return cv::Mat(filtered, valid);
  };
  const cv::Mat mean_a = filter(a);
  const cv::Mat mean_b = filter(b);
  const cv::Mat mean_aa = filter(a.mul(a));
  const cv::Mat mean_bb = filter(b.mul(b));
  const cv::Mat mean_ab = filter(a.mul(b));
  SsimTerms sum;
  for (int row = 0; row < valid.height; ++row) {
    for (int col = 0; col < valid.width; ++col) {
      const double mu_a = mean_a.at<double>(row, col);
      const double mu_b = mean_b.at<double>(row, col);
      const double variance_a = mean_aa.at<double>(row, col) - mu_a * mu_a;
      const double variance_b = mean_bb.at<double>(row, col) - mu_b * mu_b;
      const double covariance = mean_ab.at<double>(row, col) - mu_a * mu_b;
      const double contrast_structure = (2.0 * covariance + c2) / (variance_a + variance_b + c2);
      sum.contrast_structure += contrast_structure;
      sum.ssim += (2.0 * mu_a * mu_b + c1) / (mu_a * mu_a + mu_b * mu_b + c1) * contrast_structure;
    }
  }
  const double count = double(valid.width) * valid.height;
  return {sum.ssim / count, sum.contrast_structure / count};
}

// Yim & Bovik's blocking effect factor of one channel, B = 8. Differences
// between neighbours across block boundaries (pixel 8k-1 against 8k, both
// ways) against those inside blocks, scaled by log2(B) / log2(min(H, W)).
// The pair counts follow the paper's formulas N_V (N_H / B - 1), with
// integer division for sides that are not multiples of 8, exactly as the
// reference implementation (quantization-guided-ac, FBCNN, SwinIR) does.
double blocking_effect_factor(const cv::Mat& image) {
  constexpr int kBlock = 8;
  const int rows = image.rows;
  const int cols = image.cols;
  double boundary_sum = 0.0;
  double inner_sum = 0.0;
  for (int row = 0; row < rows; ++row) {
    const double* pixels = image.ptr<double>(row);
    for (int col = 0; col + 1 < cols; ++col) {
      const double difference = pixels[col] - pixels[col + 1];
      (col % kBlock == kBlock - 1 ? boundary_sum : inner_sum) += difference * difference;
    }
  }
  for (int row = 0; row + 1 < rows; ++row) {
    const double* upper = image.ptr<double>(row);
    const double* lower = image.ptr<double>(row + 1);
    double& sum = row % kBlock == kBlock - 1 ? boundary_sum : inner_sum;
    for (int col = 0; col < cols; ++col) {
      const double difference = upper[col] - lower[col];
      sum += difference * difference;
    }
  }
  const double boundary_horizontal = double(rows) * (cols / kBlock - 1);
  const double boundary_vertical = double(cols) * (rows / kBlock - 1);
  const double boundary_count = boundary_horizontal + boundary_vertical;
  const double inner_count = double(rows) * (cols - 1) - boundary_horizontal +
                             double(cols) * (rows - 1) - boundary_vertical;
  const double boundary_mean = boundary_sum / boundary_count;
  const double inner_mean = inner_sum / inner_count;
  if (boundary_mean <= inner_mean) return 0.0;
  const double scaler = std::log2(double(kBlock)) / std::log2(double(std::min(rows, cols)));
  return scaler * (boundary_mean - inner_mean);
}

std::vector<cv::Mat> split_channels(const cv::Mat& image) {
  std::vector<cv::Mat> channels;
  cv::split(image, channels);
  return channels;
}

}  // namespace

cv::Mat rgb_to_y(const cv::Mat& rgb_u8) {
  check_u8(rgb_u8, "rgb_to_y");
  cv::Mat y(rgb_u8.size(), CV_64FC1);
  if (rgb_u8.channels() == 1) {
    rgb_u8.convertTo(y, CV_64F);
    return y;
  }
  for (int row = 0; row < rgb_u8.rows; ++row) {
    const uchar* rgb = rgb_u8.ptr<uchar>(row);
    double* target = y.ptr<double>(row);
    for (int col = 0; col < rgb_u8.cols; ++col) {
      const double red = rgb[3 * col] / 255.0;
      const double green = rgb[3 * col + 1] / 255.0;
      const double blue = rgb[3 * col + 2] / 255.0;
      target[col] = 65.481 * red + 128.553 * green + 24.966 * blue + 16.0;
    }
  }
  return y;
}

cv::Mat prepare(const cv::Mat& image_u8, Space space, int crop_border) {
  check_u8(image_u8, "prepare");
  if (crop_border < 0 || 2 * crop_border >= image_u8.rows || 2 * crop_border >= image_u8.cols) {
    throw InvalidArgument(fmt::format("prepare: cannot crop {} pixels per side from a {} image",
                                      crop_border, describe(image_u8)));
  }
  cv::Mat converted;
  if (space == Space::y) {
    converted = rgb_to_y(image_u8);
  } else {
    image_u8.convertTo(converted, CV_64F);
  }
  const cv::Rect inside(crop_border, crop_border, image_u8.cols - 2 * crop_border,
                        image_u8.rows - 2 * crop_border);
  return converted(inside).clone();
}

double mse(const cv::Mat& a, const cv::Mat& b) {
  check_pair(a, b, "mse");
  return cv::norm(a, b, cv::NORM_L2SQR) / double(a.total() * a.channels());
}

double mae(const cv::Mat& a, const cv::Mat& b) {
  check_pair(a, b, "mae");
  return cv::norm(a, b, cv::NORM_L1) / double(a.total() * a.channels());
}

double psnr(const cv::Mat& a, const cv::Mat& b) {
  check_pair(a, b, "psnr");
  return psnr_from_mse(mse(a, b));
}

double shifted_psnr(const cv::Mat& restored, const cv::Mat& reference, int max_shift) {
  check_pair(restored, reference, "shifted_psnr");
  if (max_shift < 0 || reference.cols <= 2 * max_shift || reference.rows <= 2 * max_shift)
    throw InvalidArgument(fmt::format("shifted_psnr: images of {} are too small for shifts of ±{} pixels",
                                      describe(reference), max_shift));
  const cv::Size inner(reference.cols - 2 * max_shift, reference.rows - 2 * max_shift);
  const cv::Mat target = reference(cv::Rect(cv::Point(max_shift, max_shift), inner));
  double best = std::numeric_limits<double>::infinity();
  for (int dy = -max_shift; dy <= max_shift; ++dy)
    for (int dx = -max_shift; dx <= max_shift; ++dx)
      best = std::min(best, mse(restored(cv::Rect(cv::Point(max_shift + dx, max_shift + dy), inner)), target));
  return psnr_from_mse(best);
}

MaskCounts& MaskCounts::operator+=(const MaskCounts& other) {
  true_positive += other.true_positive;
  false_positive += other.false_positive;
  false_negative += other.false_negative;
  return *this;
}

namespace {
double ratio_or_one(double part, double whole) { return whole > 0 ? part / whole : 1.0; }
}  // namespace

double MaskCounts::precision() const { return ratio_or_one(true_positive, true_positive + false_positive); }
double MaskCounts::recall() const { return ratio_or_one(true_positive, true_positive + false_negative); }
double MaskCounts::iou() const {
  return ratio_or_one(true_positive, true_positive + false_positive + false_negative);
}

MaskCounts count_mask(const cv::Mat& found, const cv::Mat& truth) {
  if (found.type() != CV_8UC1 || truth.type() != CV_8UC1 || found.size() != truth.size())
    throw InvalidArgument(fmt::format("count_mask: expected two CV_8UC1 masks of one size, got {} and {}",
                                      describe(found), describe(truth)));
  const cv::Mat f = found != 0, t = truth != 0;
  MaskCounts counts;
  counts.true_positive = cv::countNonZero(f & t);
  counts.false_positive = cv::countNonZero(f & ~t);
  counts.false_negative = cv::countNonZero(~f & t);
  return counts;
}

double ssim(const cv::Mat& a, const cv::Mat& b) {
  check_pair(a, b, "ssim");
  if (a.rows < 11 || a.cols < 11) {
    throw InvalidArgument(
        fmt::format("ssim: images of {} are smaller than the 11x11 window", describe(a)));
  }
  const std::vector<cv::Mat> channels_a = split_channels(a);
  const std::vector<cv::Mat> channels_b = split_channels(b);
  double sum = 0.0;
  for (size_t channel = 0; channel < channels_a.size(); ++channel) {
    sum += ssim_channel(channels_a[channel], channels_b[channel]).ssim;
  }
  return sum / double(channels_a.size());
}

double ms_ssim(const cv::Mat& a, const cv::Mat& b) {
  check_pair(a, b, "ms_ssim");
  constexpr double weights[] = {0.0448, 0.2856, 0.3001, 0.2363, 0.1333};
  constexpr int scales = 5;
  if (a.rows < 11 << (scales - 1) || a.cols < 11 << (scales - 1))
    throw InvalidArgument(fmt::format("ms_ssim: images of {} are smaller than 176x176 (5 scales "
                                      "of an 11x11 window)", describe(a)));
  const std::vector<cv::Mat> channels_a = split_channels(a);
  const std::vector<cv::Mat> channels_b = split_channels(b);
  double sum = 0.0;
  for (size_t channel = 0; channel < channels_a.size(); ++channel) {
    cv::Mat x = channels_a[channel], y = channels_b[channel];
    double product = 1.0;
    for (int scale = 0; scale < scales; ++scale) {
      const auto terms = ssim_channel(x, y);
      const double factor = scale + 1 < scales ? terms.contrast_structure : terms.ssim;
      product *= std::pow(std::max(factor, 0.0), weights[scale]);
      // 2×2 average pooling (odd last rows/columns dropped), as Wang's reference code does.
      cv::resize(x(cv::Rect(0, 0, x.cols / 2 * 2, x.rows / 2 * 2)), x, {}, 0.5, 0.5, cv::INTER_AREA);
      cv::resize(y(cv::Rect(0, 0, y.cols / 2 * 2, y.rows / 2 * 2)), y, {}, 0.5, 0.5, cv::INTER_AREA);
    }
    sum += product;
  }
  return sum / double(channels_a.size());
}

double psnr_b(const cv::Mat& test, const cv::Mat& reference) {
  check_pair(test, reference, "psnr_b");
  if (test.rows < 16 || test.cols < 16) {
    throw InvalidArgument(fmt::format(
        "psnr_b: images of {} are smaller than 16x16 (two 8x8 blocks per side)", describe(test)));
  }
  const std::vector<cv::Mat> channels_test = split_channels(test);
  const std::vector<cv::Mat> channels_reference = split_channels(reference);
  double sum = 0.0;
  for (size_t channel = 0; channel < channels_test.size(); ++channel) {
    const double channel_mse =
        cv::norm(channels_test[channel], channels_reference[channel], cv::NORM_L2SQR) /
        double(test.total());
    sum += psnr_from_mse(channel_mse + blocking_effect_factor(channels_test[channel]));
  }
  return sum / double(channels_test.size());
}

Scores measure(const cv::Mat& restored_u8, const cv::Mat& ground_truth_u8, Space space,
               int crop_border, bool with_psnr_b) {
  check_u8(restored_u8, "measure");
  check_u8(ground_truth_u8, "measure");
  if (restored_u8.size() != ground_truth_u8.size() ||
      restored_u8.channels() != ground_truth_u8.channels()) {
    throw InvalidArgument(fmt::format("measure: restored {} and ground truth {} differ in size",
                                      describe(restored_u8), describe(ground_truth_u8)));
  }
  const cv::Mat restored = prepare(restored_u8, space, crop_border);
  const cv::Mat ground_truth = prepare(ground_truth_u8, space, crop_border);
  Scores scores;
  scores.mse = mse(restored, ground_truth);
  scores.mae = mae(restored, ground_truth);
  scores.psnr = psnr_from_mse(scores.mse);
  scores.ssim = ssim(restored, ground_truth);
  scores.psnr_b =
      with_psnr_b ? psnr_b(restored, ground_truth) : std::numeric_limits<double>::quiet_NaN();
  return scores;
}

double flicker(const cv::Mat& previous_u8, const cv::Mat& current_u8, const cv::Mat& previous_gt_u8,
               const cv::Mat& current_gt_u8, int crop_border) {
  for (const cv::Mat* image : {&current_u8, &previous_gt_u8, &current_gt_u8})
    if (image->size() != previous_u8.size() || image->type() != previous_u8.type())
      throw InvalidArgument("flicker needs four frames of one size and type");
  const cv::Mat change = prepare(current_u8, Space::y, crop_border) - prepare(previous_u8, Space::y, crop_border);
  const cv::Mat truth = prepare(current_gt_u8, Space::y, crop_border) - prepare(previous_gt_u8, Space::y, crop_border);
  return cv::mean(cv::abs(change - truth))[0];
}

}  // namespace restora::metrics

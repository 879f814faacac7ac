#include "degrade/noise.h"

#include <fmt/format.h>

#include <cmath>

#include "restora/errors.h"

namespace restora {

cv::Mat add_gaussian_noise(const cv::Mat& clean, double sigma, Rng& rng) {
  if (clean.empty() || (clean.type() != CV_32FC1 && clean.type() != CV_32FC3)) {
    throw InvalidArgument(fmt::format(
        "add_gaussian_noise: expected a non-empty CV_32FC1 or CV_32FC3 image, got {}x{} with {} "
        "channel(s) of depth {}",
        clean.cols, clean.rows, clean.channels(), clean.depth()));
  }
  if (!std::isfinite(sigma) || sigma < 0.0) {
    throw InvalidArgument(fmt::format("add_gaussian_noise: sigma must be >= 0, got {}", sigma));
  }
  const double scaled_sigma = sigma / 255.0;
  cv::Mat noisy(clean.size(), clean.type());
  const int values_per_row = clean.cols * clean.channels();
  for (int row = 0; row < clean.rows; ++row) {
    const float* source = clean.ptr<float>(row);
    float* target = noisy.ptr<float>(row);
    for (int index = 0; index < values_per_row; ++index) {
      target[index] = static_cast<float>(source[index] + scaled_sigma * rng.normal());
    }
  }
  return noisy;
}

double sample_sigma(double lo, double hi, Rng& rng) {
  if (!(lo >= 0.0) || !std::isfinite(hi) || lo > hi) {
    throw InvalidArgument(fmt::format("sample_sigma: range [{}, {}) is invalid", lo, hi));
  }
  return rng.uniform(lo, hi);
}

}  // namespace restora

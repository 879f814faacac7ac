#include "degrade/kernels.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "degrade/random.h"
#include "restora/errors.h"

namespace restora {
namespace {

constexpr double pi = 3.14159265358979323846;

void check_size(int size) {
  if (size < 1 || size % 2 == 0)
    throw InvalidArgument(fmt::format("kernel size {} must be odd and positive", size));
}

cv::Mat normalised(cv::Mat kernel) {
  const double sum = cv::sum(kernel)[0];
  if (!(sum > 0)) throw InvalidArgument("kernel sums to zero");
  kernel.convertTo(kernel, CV_32F, 1.0 / sum);
  return kernel;
}

}  // namespace

cv::Mat gaussian_kernel(int size, double sigma_major, double sigma_minor, double angle_degrees,
                        KernelShape shape, double beta) {
  check_size(size);
  if (sigma_minor == 0) sigma_minor = sigma_major;
  if (!(sigma_major > 0 && sigma_minor > 0 && beta > 0))
    throw InvalidArgument("kernel: sigmas and beta must be positive");
  const double angle = angle_degrees * pi / 180.0;
  const double c = std::cos(angle), s = std::sin(angle);
  // Σ⁻¹ = R diag(1/σ₁², 1/σ₂²) Rᵀ
  const double a1 = 1.0 / (sigma_major * sigma_major), a2 = 1.0 / (sigma_minor * sigma_minor);
  const double ixx = c * c * a1 + s * s * a2, iyy = s * s * a1 + c * c * a2,
               ixy = c * s * (a1 - a2);
  const int radius = size / 2;
  cv::Mat kernel(size, size, CV_64FC1);
  for (int y = -radius; y <= radius; ++y)
    for (int x = -radius; x <= radius; ++x) {
      const double d2 = ixx * x * x + 2 * ixy * x * y + iyy * y * y;
      double value = 0;
      switch (shape) {
        case KernelShape::gaussian: value = std::exp(-0.5 * d2); break;
        case KernelShape::generalized: value = std::exp(-0.5 * std::pow(d2, beta)); break;
        case KernelShape::plateau: value = 1.0 / (1.0 + std::pow(d2, beta)); break;
      }
      kernel.at<double>(y + radius, x + radius) = value;
    }
  return normalised(kernel);
}

cv::Mat sinc_kernel(int size, double cutoff) {
  check_size(size);
  if (!(cutoff > 0 && cutoff <= pi))
    throw InvalidArgument(fmt::format("sinc cutoff {} must be in (0, π]", cutoff));
  const int radius = size / 2;
  cv::Mat kernel(size, size, CV_64FC1);
  for (int y = -radius; y <= radius; ++y)
    for (int x = -radius; x <= radius; ++x) {
      const double r = std::hypot(x, y);
      kernel.at<double>(y + radius, x + radius) =
          r == 0 ? cutoff * cutoff / (4 * pi) : cutoff * std::cyl_bessel_j(1.0, cutoff * r) / (2 * pi * r);
    }
  return normalised(kernel);
}

cv::Mat motion_kernel(int size, double length, std::uint64_t seed) {
  check_size(size);
  if (!(length >= 1 && length <= size - 1))
    throw InvalidArgument(fmt::format("motion length {} must be in [1, {}]", length, size - 1));
  Rng rng(seed);
  // A walk with inertia: the velocity turns a little each step, is pulled back towards the start
  // (hand tremor returns) and now and then jerks (an abrupt shake).
  constexpr int steps = 256;
  std::vector<double> xs{0.0}, ys{0.0};
  const double heading = rng.uniform(0, 2 * pi);
  double vx = std::cos(heading), vy = std::sin(heading);
  const double anxiety = rng.uniform(0.05, 0.4), centripetal = rng.uniform(0.0, 0.1);
  const double jerk = rng.uniform(0.0, 0.05);
  for (int step = 1; step < steps; ++step) {
    vx += anxiety * rng.normal() - centripetal * xs.back() / steps * 8;
    vy += anxiety * rng.normal() - centripetal * ys.back() / steps * 8;
    if (rng.uniform() < jerk) {
      vx = -vx + rng.normal();
      vy = -vy + rng.normal();
    }
    const double speed = std::max(1e-9, std::hypot(vx, vy));
    vx /= speed;
    vy /= speed;
    xs.push_back(xs.back() + vx);
    ys.push_back(ys.back() + vy);
  }
  // Scale the path to `length` pixels of travel, then fit it inside the kernel.
  double travelled = 0;
  for (size_t i = 1; i < xs.size(); ++i) travelled += std::hypot(xs[i] - xs[i - 1], ys[i] - ys[i - 1]);
  const auto [min_x, max_x] = std::minmax_element(xs.begin(), xs.end());
  const auto [min_y, max_y] = std::minmax_element(ys.begin(), ys.end());
  const double extent = std::max(*max_x - *min_x, *max_y - *min_y);
  double factor = length / travelled;
  if (extent * factor > size - 2) factor = (size - 2) / extent;
  const double cx = (*max_x + *min_x) / 2, cy = (*max_y + *min_y) / 2;
  cv::Mat kernel = cv::Mat::zeros(size, size, CV_64FC1);
  const double centre = size / 2;
  for (size_t i = 0; i < xs.size(); ++i) {
    const double x = centre + (xs[i] - cx) * factor, y = centre + (ys[i] - cy) * factor;
    const int x0 = static_cast<int>(std::floor(x)), y0 = static_cast<int>(std::floor(y));
    const double fx = x - x0, fy = y - y0;
    for (int dy = 0; dy <= 1; ++dy)
      for (int dx = 0; dx <= 1; ++dx) {
        const int xi = std::clamp(x0 + dx, 0, size - 1), yi = std::clamp(y0 + dy, 0, size - 1);
        kernel.at<double>(yi, xi) += (dx ? fx : 1 - fx) * (dy ? fy : 1 - fy);
      }
  }
  return normalised(kernel);
}

cv::Mat random_blur_kernel(KernelFamily family, int size, std::uint64_t seed) {
  if (size < 9 || size % 2 == 0)
    throw InvalidArgument(fmt::format("random blur kernel: size {} must be odd and >= 9", size));
  Rng rng(seed);
  if (family == KernelFamily::motion)
    return motion_kernel(size, rng.uniform(5.0, size - 4.0), Rng::mix(seed, 1));
  const double major = rng.uniform(0.5, 4.0);
  const bool isotropic = rng.uniform() < 0.4;
  const double minor = isotropic ? 0.0 : rng.uniform(0.3, major);
  const double angle = rng.uniform(-90.0, 90.0);
  return gaussian_kernel(size, major, minor, angle, KernelShape::gaussian, 1.0);
}

int automatic_kernel_size(double sigma, int largest) {
  const int size = 2 * static_cast<int>(std::ceil(3 * sigma)) + 1;
  return std::clamp(size, 3, largest % 2 ? largest : largest - 1);
}

namespace {

void check_convolution(const char* what, const cv::Mat& image, const cv::Mat& kernel) {
  if (image.depth() != CV_32F) throw InvalidArgument(fmt::format("{}: the image must be CV_32F", what));
  if (kernel.type() != CV_32FC1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0)
    throw InvalidArgument(fmt::format("{}: the kernel must be CV_32FC1 with odd sides", what));
}

}  // namespace

cv::Mat convolve(const cv::Mat& image, const cv::Mat& kernel) {
  check_convolution("convolve", image, kernel);
  cv::Mat flipped, output;
  cv::flip(kernel, flipped, -1);
  // Reflection needs the image to be larger than the kernel's radius; pad explicitly otherwise.
  const int ry = kernel.rows / 2, rx = kernel.cols / 2;
  if (image.rows > ry && image.cols > rx) {
    cv::filter2D(image, output, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_REFLECT_101);
    return output;
  }
  cv::Mat padded;
  cv::copyMakeBorder(image, padded, ry, ry, rx, rx, cv::BORDER_REPLICATE);
  cv::filter2D(padded, output, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_REPLICATE);
  return output(cv::Rect(rx, ry, image.cols, image.rows)).clone();
}

cv::Mat convolve_circular(const cv::Mat& image, const cv::Mat& kernel) {
  check_convolution("convolve_circular", image, kernel);
  if (kernel.rows > image.rows || kernel.cols > image.cols)
    throw InvalidArgument(fmt::format("convolve_circular: a {}x{} kernel is larger than the {}x{} image",
                                      kernel.cols, kernel.rows, image.cols, image.rows));
  const int ry = kernel.rows / 2, rx = kernel.cols / 2;
  cv::Mat flipped, padded, output;
  cv::flip(kernel, flipped, -1);
  cv::copyMakeBorder(image, padded, ry, ry, rx, rx, cv::BORDER_WRAP);
  cv::filter2D(padded, output, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_CONSTANT);
  return output(cv::Rect(rx, ry, image.cols, image.rows)).clone();
}

cv::Mat compose_kernels(const cv::Mat& first, const cv::Mat& second) {
  cv::Mat canvas = cv::Mat::zeros(first.rows + second.rows - 1, first.cols + second.cols - 1, CV_32FC1);
  first.copyTo(canvas(cv::Rect(second.cols / 2, second.rows / 2, first.cols, first.rows)));
  cv::Mat flipped, output;
  cv::flip(second, flipped, -1);
  cv::filter2D(canvas, output, CV_32F, flipped, cv::Point(-1, -1), 0, cv::BORDER_CONSTANT);
  return output;
}

}  // namespace restora

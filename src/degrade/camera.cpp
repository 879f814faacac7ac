#include "degrade/camera.h"

#include <fmt/format.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "restora/errors.h"

namespace restora {
namespace {

cv::Mat clipped01(const cv::Mat& image) {
  if (image.depth() != CV_32F || (image.channels() != 1 && image.channels() != 3))
    throw InvalidArgument("camera noise: the image must be CV_32F with 1 or 3 channels");
  cv::Mat out;
  cv::min(cv::max(image, 0.0), 1.0, out);
  return out;
}

// x^p for x >= 0, −|x|^p below: noise may push linear values under zero.
cv::Mat signed_power(const cv::Mat& values, double power) {
  cv::Mat out = values.clone();
  const int count = static_cast<int>(out.total() * out.channels());
  float* data = out.ptr<float>();
  for (int i = 0; i < count; ++i)
    data[i] = static_cast<float>(std::copysign(std::pow(std::abs(data[i]), power), data[i]));
  return out;
}

// Bayer RGGB: which colour the sensor records at (y, x).
int bayer_channel(int y, int x) { return (y % 2 == 0) ? (x % 2 == 0 ? 0 : 1) : (x % 2 == 0 ? 1 : 2); }

// One noise value per pixel for the colour its site records; each colour's sparse samples
// interpolated bilinearly to every pixel, as a bilinear demosaicer does.
cv::Mat mosaic_noise(const cv::Mat& deviation, Rng& rng) {
  std::vector<cv::Mat> sparse(3);
  for (auto& plane : sparse) plane = cv::Mat::zeros(deviation.size(), CV_32FC1);
  for (int y = 0; y < deviation.rows; ++y) {
    const float* sd = deviation.ptr<float>(y);
    for (int x = 0; x < deviation.cols; ++x) {
      const int c = bayer_channel(y, x);
      sparse[static_cast<size_t>(c)].at<float>(y, x) = static_cast<float>(sd[3 * x + c] * rng.normal());
    }
  }
  const cv::Mat red_blue = (cv::Mat_<float>(3, 3) << 1, 2, 1, 2, 4, 2, 1, 2, 1) / 4.0f;
  const cv::Mat green = (cv::Mat_<float>(3, 3) << 0, 1, 0, 1, 4, 1, 0, 1, 0) / 4.0f;
  std::vector<cv::Mat> planes(3);
  for (size_t c = 0; c < 3; ++c)
    cv::filter2D(sparse[c], planes[c], CV_32F, c == 1 ? green : red_blue, cv::Point(-1, -1), 0,
                 cv::BORDER_REFLECT_101);
  cv::Mat noise;
  cv::merge(planes, noise);
  return noise;
}

}  // namespace

int poisson(double lambda, Rng& rng) {
  if (!(lambda >= 0) || !std::isfinite(lambda))
    throw InvalidArgument(fmt::format("poisson: mean {} must be finite and >= 0", lambda));
  if (lambda < 10) {
    const double limit = std::exp(-lambda);
    int count = 0;
    double product = rng.uniform();
    while (product > limit) {
      ++count;
      product *= rng.uniform();
    }
    return count;
  }
  const double slam = std::sqrt(lambda), loglam = std::log(lambda);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
  for (;;) {
    const double u = rng.uniform() - 0.5, v = rng.uniform();
    const double us = 0.5 - std::abs(u);
    const double k = std::floor((2 * a / us + b) * u + lambda + 0.43);
    if (us >= 0.07 && v <= vr) return static_cast<int>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(invalpha) - std::log(a / (us * us) + b) <=
        -lambda + k * loglam - std::lgamma(k + 1))
      return static_cast<int>(k);
  }
}

cv::Mat shot_noise(const cv::Mat& image, double photons, Rng& rng) {
  const cv::Mat clean = clipped01(image);
  cv::Mat noise(clean.size(), clean.type());
  const int count = static_cast<int>(clean.total() * clean.channels());
  const float* x = clean.ptr<float>();
  float* n = noise.ptr<float>();
  for (int i = 0; i < count; ++i)
    n[i] = static_cast<float>(poisson(x[i] * photons, rng) / photons - x[i]);
  return noise;
}

cv::Mat add_camera_noise(const cv::Mat& image, const CameraNoiseModel& model, Rng& rng) {
  if (!(model.shot >= 0 && model.read >= 0 && model.gamma >= 1 && model.correlation >= 0))
    throw InvalidArgument("camera noise: shot, read and correlation must be >= 0, gamma >= 1");
  const cv::Mat linear = signed_power(clipped01(image), model.gamma);
  cv::Mat variance = linear * model.shot;
  variance += cv::Scalar::all(model.read * model.read);
  cv::Mat deviation;
  cv::sqrt(variance, deviation);
  cv::Mat noise;
  if (model.gray || image.channels() == 1) {
    cv::Mat plane_deviation = deviation;
    if (image.channels() == 3) cv::transform(deviation, plane_deviation, cv::Matx13f(0.299f, 0.587f, 0.114f));
    cv::Mat plane(plane_deviation.size(), CV_32FC1);
    for (int y = 0; y < plane.rows; ++y)
      for (int x = 0; x < plane.cols; ++x)
        plane.at<float>(y, x) = static_cast<float>(plane_deviation.at<float>(y, x) * rng.normal());
    if (image.channels() == 3) {
      cv::Mat planes[] = {plane, plane, plane};
      cv::merge(planes, 3, noise);
    } else {
      noise = plane;
    }
  } else if (model.mosaic) {
    noise = mosaic_noise(deviation, rng);
  } else {
    noise.create(deviation.size(), deviation.type());
    const int count = static_cast<int>(deviation.total() * 3);
    const float* sd = deviation.ptr<float>();
    float* n = noise.ptr<float>();
    for (int i = 0; i < count; ++i) n[i] = static_cast<float>(sd[i] * rng.normal());
  }
  if (model.correlation > 0) {
    const int size = 2 * static_cast<int>(std::ceil(3 * model.correlation)) + 1;
    const cv::Mat taps = cv::getGaussianKernel(size, model.correlation, CV_64F);
    cv::GaussianBlur(noise, noise, cv::Size(size, size), model.correlation, model.correlation,
                     cv::BORDER_REFLECT_101);
    noise /= taps.dot(taps);  // blurring white noise scales its deviation by sqrt(Σk²) = Σg²
  }
  return signed_power(linear + noise, 1.0 / model.gamma);
}

}  // namespace restora

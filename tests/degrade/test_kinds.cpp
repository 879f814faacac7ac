// The kinds beyond the protocols': expected statistics (noise variances from their models,
// kernels reproduced), determinism by seed, sizes and the maps carried through resizes.
#include <gtest/gtest.h>

#include <cmath>

#include "degrade/bd_expected.h"
#include "degrade/camera.h"
#include "degrade/degradation.h"
#include "degrade/kernels.h"
#include "restora/errors.h"

namespace restora {
namespace {

cv::Mat Apply(const std::string& id, const std::map<std::string, double>& values,
              const cv::Mat& gt_u8, uint64_t seed) {
  Rng rng(seed);
  auto state = start_degrading(gt_u8);
  const auto& kind = find_degradation(id);
  kind.apply(state, kind.make(values), rng);
  return state.image;
}

double StdDev(const cv::Mat& values) {
  cv::Scalar mean, deviation;
  cv::meanStdDev(values.reshape(1), mean, deviation);
  return deviation[0];
}

// Correlation of horizontally neighbouring values of a one-channel image.
double NeighbourCorrelation(const cv::Mat& plane) {
  const cv::Mat a = plane(cv::Rect(0, 0, plane.cols - 1, plane.rows)).clone();
  const cv::Mat b = plane(cv::Rect(1, 0, plane.cols - 1, plane.rows)).clone();
  const double ma = cv::mean(a)[0], mb = cv::mean(b)[0];
  const cv::Mat da = a - ma, db = b - mb;
  return da.dot(db) / std::sqrt(da.dot(da) * db.dot(db));
}

// The standard deviation of tone(linear + s·z), z ~ N(0, 1), tone(v) = sign(v)|v|^(1/gamma), by
// quadrature over z.
double ToneCurveStdDev(double linear, double s, double gamma) {
  double weight = 0, mean = 0, squares = 0;
  for (double z = -8; z <= 8; z += 1e-3) {
    const double density = std::exp(-z * z / 2);
    const double v = linear + s * z;
    const double toned = std::copysign(std::pow(std::abs(v), 1 / gamma), v);
    weight += density;
    mean += density * toned;
    squares += density * toned * toned;
  }
  mean /= weight;
  return std::sqrt(squares / weight - mean * mean);
}

TEST(Poisson, MeanAndVarianceAreLambda) {
  for (const double lambda : {0.5, 3.0, 40.0, 200.0}) {
    Rng rng(11);
    double sum = 0, squares = 0;
    const int n = 40000;
    for (int i = 0; i < n; ++i) {
      const double k = poisson(lambda, rng);
      sum += k;
      squares += k * k;
    }
    const double mean = sum / n, variance = squares / n - mean * mean;
    EXPECT_NEAR(mean, lambda, 4 * std::sqrt(lambda / n)) << lambda;
    EXPECT_NEAR(variance / lambda, 1.0, 0.05) << lambda;
  }
  Rng rng(1);
  EXPECT_EQ(poisson(0.0, rng), 0);
  EXPECT_THROW(poisson(-1.0, rng), InvalidArgument);
}

TEST(NoiseKinds, PoissonNoiseFollowsTheSignal) {
  const cv::Mat dark(96, 96, CV_8UC3, cv::Scalar::all(51)), bright(96, 96, CV_8UC3, cv::Scalar::all(204));
  // Var[Poisson(255 x)/255] = x / 255.
  for (const auto& [image, x] : {std::pair{dark, 0.2}, std::pair{bright, 0.8}}) {
    const cv::Mat noisy = Apply("poisson_noise", {{"scale", 1}}, image, 3);
    EXPECT_NEAR(StdDev(noisy), std::sqrt(x / 255), 0.03 * std::sqrt(x / 255)) << x;
    EXPECT_NEAR(cv::mean(noisy)[0], x, 0.002);
  }
  const cv::Mat stronger = Apply("poisson_noise", {{"scale", 2}}, bright, 3);
  EXPECT_NEAR(StdDev(stronger), 2 * std::sqrt(0.8 / 255), 0.06 * std::sqrt(0.8 / 255));
  // gray: the same noise in every channel
  std::vector<cv::Mat> planes;
  cv::split(Apply("poisson_noise", {{"gray", 1}}, bright, 3), planes);
  EXPECT_EQ(cv::norm(planes[0], planes[2], cv::NORM_INF), 0.0);
}

TEST(NoiseKinds, CameraNoiseFollowsItsModel) {
  const double shot = 0.004, read = 0.003, gamma = 2.2;
  for (const int level : {60, 180}) {
    const double x = level / 255.0, linear = std::pow(x, gamma);
    const double expected = ToneCurveStdDev(linear, std::sqrt(shot * linear + read * read), gamma);
    const cv::Mat flat(128, 128, CV_8UC3, cv::Scalar::all(level));
    const cv::Mat white = Apply("camera_noise",
                                {{"shot", shot}, {"read", read}, {"gamma", gamma}, {"mosaic", 0}},
                                flat, 5);
    EXPECT_NEAR(StdDev(white), expected, 0.06 * expected) << level;
    std::vector<cv::Mat> planes;
    cv::split(white, planes);
    EXPECT_LT(std::abs(NeighbourCorrelation(planes[1])), 0.05);
    // On the mosaic, demosaicing spreads each sample over its neighbours.
    cv::split(Apply("camera_noise", {{"shot", shot}, {"read", read}, {"gamma", gamma}, {"mosaic", 1}},
                    flat, 5),
              planes);
    EXPECT_GT(NeighbourCorrelation(planes[0]), 0.3);
  }
  const cv::Mat flat(32, 32, CV_8UC3, cv::Scalar::all(90));
  EXPECT_EQ(cv::norm(Apply("camera_noise", {}, flat, 9), Apply("camera_noise", {}, flat, 9),
                     cv::NORM_INF),
            0.0);
  EXPECT_GT(cv::norm(Apply("camera_noise", {}, flat, 9), Apply("camera_noise", {}, flat, 10),
                     cv::NORM_INF),
            0.0);
  EXPECT_EQ(Apply("camera_noise", {}, cv::Mat(8, 8, CV_8UC1, cv::Scalar(90)), 1).type(), CV_32FC1);
}

TEST(NoiseKinds, CorrelatedCameraNoiseKeepsItsDeviation) {
  const cv::Mat flat(160, 160, CV_8UC3, cv::Scalar::all(128));
  const std::map<std::string, double> white{{"shot", 0}, {"read", 0.01}, {"gamma", 1}, {"mosaic", 0}};
  auto blotchy = white;
  blotchy["correlation"] = 1.5;
  std::vector<cv::Mat> a, b;
  cv::split(Apply("camera_noise", white, flat, 3), a);
  cv::split(Apply("camera_noise", blotchy, flat, 3), b);
  // gamma 1: linear light is the image, so the noise is N(0, 0.01²) before and after the blur.
  EXPECT_NEAR(StdDev(a[0]), 0.01, 0.0005);
  EXPECT_NEAR(StdDev(b[0]), 0.01, 0.001);
  EXPECT_LT(std::abs(NeighbourCorrelation(a[0])), 0.05);
  EXPECT_GT(NeighbourCorrelation(b[0]), 0.7);  // exp(-1/(4·1.5²)) ≈ 0.89 for a Gaussian blur
}

TEST(NoiseKinds, GaussianGrayNoiseIsSharedByTheChannels) {
  const cv::Mat flat(40, 40, CV_8UC3, cv::Scalar::all(128));
  std::vector<cv::Mat> planes;
  cv::split(Apply("gaussian_noise", {{"sigma", 10}, {"gray", 1}}, flat, 2), planes);
  EXPECT_EQ(cv::norm(planes[0], planes[1], cv::NORM_INF), 0.0);
  EXPECT_NEAR(StdDev(planes[0]), 10 / 255.0, 0.1 * 10 / 255.0);
}

TEST(BlurKinds, ApplyTheirKernels) {
  cv::Mat delta = cv::Mat::zeros(41, 41, CV_8UC1);
  delta.at<uchar>(20, 20) = 255;
  const cv::Mat blurred = Apply("blur", {{"sigma", 2}, {"sigma_minor", 1}, {"angle", 45}}, delta, 1);
  const cv::Mat kernel = gaussian_kernel(13, 2, 1, 45, KernelShape::gaussian, 1);  // ±3σ: 13
  EXPECT_LT(cv::norm(blurred(cv::Rect(14, 14, 13, 13)), kernel, cv::NORM_INF), 1e-6);
  const cv::Mat shaken = Apply("motion_blur", {{"length", 8}, {"size", 15}, {"seed", 4}}, delta, 1);
  EXPECT_LT(cv::norm(shaken(cv::Rect(13, 13, 15, 15)), motion_kernel(15, 8, 4), cv::NORM_INF), 1e-6);
  const cv::Mat rung = Apply("sinc", {{"cutoff", 1.5}, {"size", 11}}, delta, 1);
  EXPECT_LT(cv::norm(rung(cv::Rect(15, 15, 11, 11)), sinc_kernel(11, 1.5), cv::NORM_INF), 1e-6);
  EXPECT_FALSE(find_degradation("blur").quantized());
}

TEST(BlurKinds, RecordTheirKernelComposedUntilAResize) {
  const cv::Mat gt(40, 40, CV_8UC3, cv::Scalar::all(90));
  Rng rng(1);
  auto state = start_degrading(gt);
  const auto& training = find_degradation("kernel_blur");
  const auto setting = training.make({{"family", 1}, {"seed", 12}, {"size", 15}});
  training.apply(state, setting, rng);
  const cv::Mat kernel = random_blur_kernel(KernelFamily::motion, 15, 12);
  EXPECT_EQ(cv::norm(state.kernel, kernel, cv::NORM_INF), 0.0);
  const auto& blur = find_degradation("blur");
  blur.apply(state, blur.make({{"sigma", 1.0}}), rng);
  EXPECT_EQ(state.kernel.size(), cv::Size(21, 21));  // 15 + 7 - 1
  find_degradation("resize").apply(state, find_degradation("resize").make({{"scale", 0.5}}), rng);
  EXPECT_TRUE(state.kernel.empty());
}

TEST(BlurKinds, TrainingKernelsWrapAroundByDefault) {
  cv::Mat gt(24, 24, CV_8UC1);
  cv::randu(gt, 0, 256);
  const cv::Mat kernel = random_blur_kernel(KernelFamily::gaussian, 11, 3);
  cv::Mat clean;
  gt.convertTo(clean, CV_32F, 1 / 255.0);
  const cv::Mat wrapped = Apply("kernel_blur", {{"seed", 3}, {"size", 11}}, gt, 1);
  EXPECT_LT(cv::norm(wrapped, convolve_circular(clean, kernel), cv::NORM_INF), 1e-6);
  const cv::Mat reflected = Apply("kernel_blur", {{"seed", 3}, {"size", 11}, {"boundary", 1}}, gt, 1);
  EXPECT_LT(cv::norm(reflected, convolve(clean, kernel), cv::NORM_INF), 1e-6);
  EXPECT_THROW(find_degradation("kernel_blur").make({{"size", 12}}), InvalidArgument);
}

// Video SR's BD degradation against BasicSR's duf_downsample (make_bd_expected.py).
TEST(ResizeKinds, BdIsBasicSRsDufDownsample) {
  const auto check = [](int scale, int rows, int cols, const double* expected) {
    SCOPED_TRACE(scale);
    cv::Mat gt(rows, cols, CV_8UC1);
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < cols; ++j) gt.at<uint8_t>(i, j) = static_cast<uint8_t>((i * 7 + j * 13 + i * j * 3) % 256);
    Rng rng(1);
    auto state = start_degrading(gt);
    const auto& bd = find_degradation("bd");
    bd.apply(state, bd.make({{"scale", static_cast<double>(scale)}}), rng);
    ASSERT_EQ(state.image.size(), cv::Size(cols / scale, rows / scale));
    double worst = 0;
    for (int y = 0; y < rows / scale; ++y)
      for (int x = 0; x < cols / scale; ++x)
        worst = std::max(worst, std::abs(state.image.at<float>(y, x) - expected[y * (cols / scale) + x]));
    EXPECT_LT(worst, 1e-5);  // float32 sums; a gray level is 3.9e-3
    EXPECT_EQ(bd.scale(bd.make({{"scale", static_cast<double>(scale)}})), scale);
  };
  check(4, 24, 32, bd_x4_expected);
  check(3, 18, 21, bd_x3_expected);
  check(2, 16, 14, bd_x2_expected);
}

TEST(ResizeKinds, SizesAndMapsFollow) {
  const cv::Mat gt(40, 60, CV_8UC3, cv::Scalar::all(100));
  Rng rng(1);
  auto state = start_degrading(gt);
  find_degradation("gaussian_noise").apply(state, find_degradation("gaussian_noise").with_value(5), rng);
  state.maps.push_back({"mask", cv::Mat(40, 60, CV_32FC1, cv::Scalar(1.0f)), 0.0f});
  const auto& resize = find_degradation("resize");
  resize.apply(state, resize.make({{"scale", 0.5}, {"interp", 1}}), rng);
  EXPECT_EQ(state.image.size(), cv::Size(30, 20));
  EXPECT_TRUE(state.maps[0].pixels.empty());  // constant maps stay constant
  EXPECT_EQ(state.maps[1].pixels.size(), cv::Size(30, 20));
  const auto& resize_to = find_degradation("resize_to");
  resize_to.apply(state, resize_to.make({{"scale", 4}}), rng);
  EXPECT_EQ(state.image.size(), cv::Size(15, 10));  // the ground truth's size / 4
  EXPECT_EQ(resize_to.scale(resize_to.make({{"scale", 4}})), 4);
  EXPECT_TRUE(resize_to.scale_is_absolute());
  EXPECT_EQ(resize.scale(resize.make({})), 0);
  // Area interpolation keeps a constant image constant.
  const cv::Mat flat = Apply("resize", {{"scale", 0.3}, {"interp", 0}}, gt, 1);
  EXPECT_LT(cv::norm(flat - cv::Scalar::all(100 / 255.0), cv::NORM_INF), 1e-5);
}

}  // namespace
}  // namespace restora

#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>

#include "degrade/noise.h"
#include "restora/errors.h"

namespace restora {
namespace {

cv::Mat Ramp(int rows, int cols, int type) {
  cv::Mat image(rows, cols, type);
  float* values = image.ptr<float>(0);
  for (size_t i = 0; i < image.total() * image.channels(); ++i) values[i] = (i % 101) / 100.0f;
  return image;
}

TEST(GaussianNoise, IsCleanPlusScaledNormalsInRowMajorOrder) {
  const cv::Mat clean = Ramp(5, 4, CV_32FC3);
  Rng rng(17);
  const cv::Mat noisy = add_gaussian_noise(clean, 25.0, rng);
  ASSERT_EQ(noisy.type(), CV_32FC3);
  ASSERT_EQ(noisy.size(), clean.size());
  Rng replay(17);
  const float* source = clean.ptr<float>(0);
  const float* result = noisy.ptr<float>(0);
  for (int i = 0; i < 5 * 4 * 3; ++i) {
    EXPECT_EQ(result[i], static_cast<float>(source[i] + 25.0 / 255.0 * replay.normal()));
  }
  EXPECT_EQ(rng.save_state(), replay.save_state());  // one draw per value, no more
}

TEST(GaussianNoise, IsDeterministicForASeed) {
  const cv::Mat clean = Ramp(8, 8, CV_32FC1);
  Rng first(3), second(3), other(4);
  const cv::Mat a = add_gaussian_noise(clean, 15.0, first);
  const cv::Mat b = add_gaussian_noise(clean, 15.0, second);
  const cv::Mat c = add_gaussian_noise(clean, 15.0, other);
  EXPECT_EQ(cv::norm(a, b, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a, c, cv::NORM_INF), 0.0);
}

TEST(GaussianNoise, HasTheRequestedStandardDeviation) {
  const cv::Mat clean(256, 256, CV_32FC3, cv::Scalar::all(0.5));
  Rng rng(2024);
  const cv::Mat noise = add_gaussian_noise(clean, 25.0, rng) - clean;
  cv::Scalar mean, deviation;
  cv::meanStdDev(noise.reshape(1), mean, deviation);
  EXPECT_NEAR(mean[0], 0.0, 0.002);  // ~5 standard errors of the mean
  EXPECT_NEAR(deviation[0], 25.0 / 255.0, 0.01 * 25.0 / 255.0);
}

TEST(GaussianNoise, IsNotClipped) {
  const cv::Mat black(32, 32, CV_32FC1, cv::Scalar(0.0));
  Rng rng(1);
  double lowest = 0.0;
  cv::minMaxLoc(add_gaussian_noise(black, 50.0, rng), &lowest);
  EXPECT_LT(lowest, -0.1);
}

TEST(GaussianNoise, SigmaZeroIsIdentity) {
  const cv::Mat clean = Ramp(6, 7, CV_32FC3);
  Rng rng(5);
  EXPECT_EQ(cv::norm(add_gaussian_noise(clean, 0.0, rng), clean, cv::NORM_INF), 0.0);
}

TEST(GaussianNoise, RejectsInvalidInput) {
  Rng rng(1);
  EXPECT_THROW(add_gaussian_noise(cv::Mat(4, 4, CV_8UC3), 10.0, rng), InvalidArgument);
  EXPECT_THROW(add_gaussian_noise(cv::Mat(), 10.0, rng), InvalidArgument);
  EXPECT_THROW(add_gaussian_noise(Ramp(4, 4, CV_32FC1), -1.0, rng), InvalidArgument);
  EXPECT_THROW(add_gaussian_noise(Ramp(4, 4, CV_32FC1), NAN, rng), InvalidArgument);
}

TEST(SampleSigma, IsUniformInsideTheRange) {
  Rng rng(8);
  double sum = 0.0;
  for (int i = 0; i < 10000; ++i) {
    const double sigma = sample_sigma(5.0, 55.0, rng);
    ASSERT_GE(sigma, 5.0);
    ASSERT_LT(sigma, 55.0);
    sum += sigma;
  }
  EXPECT_NEAR(sum / 10000, 30.0, 0.6);
  EXPECT_THROW(sample_sigma(-1.0, 5.0, rng), InvalidArgument);
  EXPECT_THROW(sample_sigma(10.0, 5.0, rng), InvalidArgument);
}

}  // namespace
}  // namespace restora

// The synthetic video generator: seeded, shaped, its camera matrices what the frames show, its
// motion within the caps (measured by ECC image alignment), objects and exposure.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "degrade/sequence.h"
#include "restora/errors.h"

namespace restora {
namespace {

// A textured still: smooth random structure at several scales.
cv::Mat textured_still(int rows, int cols, int channels, uint64_t seed) {
  cv::Mat still(rows, cols, CV_32FC(channels), cv::Scalar::all(0));
  cv::RNG rng(seed);
  for (double sigma : {1.0, 3.0, 8.0}) {
    cv::Mat layer(rows, cols, CV_32FC(channels));
    rng.fill(layer, cv::RNG::NORMAL, 0, 1);
    cv::GaussianBlur(layer, layer, cv::Size(0, 0), sigma);
    cv::normalize(layer, layer, -0.15, 0.15, cv::NORM_MINMAX);
    still += layer;
  }
  return still + cv::Scalar::all(0.5);
}

SequenceOptions camera_only() {
  SequenceOptions options;
  options.max_objects = 0;
  options.max_exposure = 0;
  return options;
}

TEST(Sequence, IsSeededAndShaped) {
  const cv::Mat still = textured_still(160, 200, 3, 1);
  SequenceOptions options;
  options.frames = 5;
  options.size = {48, 40};
  Rng a(7), b(7), c(8);
  const auto first = make_sequence(still, a, options), again = make_sequence(still, b, options),
             other = make_sequence(still, c, options);
  ASSERT_EQ(first.frames.size(), 5u);
  ASSERT_EQ(first.camera.size(), 5u);
  double differs = 0;
  for (int t = 0; t < 5; ++t) {
    EXPECT_EQ(first.frames[t].size(), cv::Size(48, 40));
    EXPECT_EQ(first.frames[t].type(), CV_32FC3);
    EXPECT_EQ(cv::norm(first.frames[t], again.frames[t], cv::NORM_INF), 0.0);
    differs += cv::norm(first.frames[t], other.frames[t], cv::NORM_INF);
    double low, high;
    cv::minMaxLoc(first.frames[t].reshape(1), &low, &high);
    EXPECT_GE(low, 0.0);
    EXPECT_LE(high, 1.0);
  }
  EXPECT_GT(differs, 0.0);
  Rng gray(3);
  EXPECT_EQ(make_sequence(textured_still(100, 100, 1, 2), gray, options).frames[0].type(), CV_32FC1);
}

TEST(Sequence, FramesShowTheStillWhereTheCameraSays) {
  const cv::Mat still = textured_still(200, 200, 1, 3);
  Rng rng(11);
  const auto clip = make_sequence(still, rng, camera_only());
  for (size_t t = 0; t < clip.frames.size(); ++t) {
    cv::Mat expected;
    cv::warpAffine(still, expected, cv::Mat(clip.camera[t]), clip.frames[t].size(),
                   cv::INTER_CUBIC | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT_101);
    cv::min(cv::max(expected, 0.0), 1.0, expected);
    EXPECT_LT(cv::norm(clip.frames[t], expected, cv::NORM_INF), 1e-6) << t;
  }
}

TEST(Sequence, TheCameraMovesWithinItsCapsAsImageAlignmentMeasures) {
  auto options = camera_only();
  options.max_turn = 0;
  options.max_zoom = 0;
  options.frames = 6;
  const cv::Mat still = textured_still(256, 256, 1, 4);
  double largest = 0, moved = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Rng rng(seed);
    const auto clip = make_sequence(still, rng, options);
    for (int t = 0; t + 1 < options.frames; ++t) {
      // Translation only: frame t+1 is frame t moved by minus the camera's step.
      const cv::Point2d step(clip.camera[t + 1](0, 2) - clip.camera[t](0, 2),
                             clip.camera[t + 1](1, 2) - clip.camera[t](1, 2));
      // ECC alignment (translation): frame t+1 at x + d matches frame t at x.
      cv::Mat warp = cv::Mat::eye(2, 3, CV_32F);
      cv::findTransformECC(clip.frames[t], clip.frames[t + 1], warp, cv::MOTION_TRANSLATION,
                           cv::TermCriteria(cv::TermCriteria::COUNT | cv::TermCriteria::EPS, 100, 1e-6),
                           cv::noArray(), 1);
      EXPECT_NEAR(warp.at<float>(0, 2), -step.x, 0.1) << seed << " " << t;
      EXPECT_NEAR(warp.at<float>(1, 2), -step.y, 0.1) << seed << " " << t;
      largest = std::max(largest, std::hypot(step.x, step.y));
      moved += std::hypot(step.x, step.y);
    }
  }
  EXPECT_LE(largest, options.max_speed + 1e-9);
  EXPECT_GT(moved / 30, 0.5);  // the camera does move: on average more than half a pixel a frame
}

TEST(Sequence, ObjectsOccludeAndExposureDrifts) {
  const cv::Mat still = textured_still(200, 200, 3, 5);
  SequenceOptions options = camera_only();
  options.max_objects = 2;
  int with_objects = 0;
  for (uint64_t seed = 1; seed <= 8; ++seed) {
    Rng rng(seed);
    const auto clip = make_sequence(still, rng, options);
    cv::Mat expected;
    cv::warpAffine(still, expected, cv::Mat(clip.camera[3]), clip.frames[3].size(),
                   cv::INTER_CUBIC | cv::WARP_INVERSE_MAP, cv::BORDER_REFLECT_101);
    cv::min(cv::max(expected, 0.0), 1.0, expected);
    with_objects += cv::norm(clip.frames[3], expected, cv::NORM_INF) > 0.05;
  }
  EXPECT_GE(with_objects, 4);  // 0, 1 or 2 objects, each may leave the view

  options = camera_only();
  options.max_exposure = 0.03;
  Rng rng(9);
  const auto clip = make_sequence(cv::Mat(200, 200, CV_32FC1, cv::Scalar(0.5)), rng, options);
  double changed = 0;
  for (size_t t = 1; t < clip.frames.size(); ++t) {
    const double ratio = cv::mean(clip.frames[t])[0] / cv::mean(clip.frames[t - 1])[0];
    EXPECT_LE(std::abs(ratio - 1), 0.03 + 1e-9);
    changed += std::abs(ratio - 1);
  }
  EXPECT_GT(changed, 0.0);
}

TEST(Sequence, BadOptionsAreRefused) {
  const cv::Mat still = textured_still(64, 64, 3, 6);
  Rng rng(1);
  SequenceOptions options;
  options.frames = 0;
  EXPECT_THROW(make_sequence(still, rng, options), InvalidArgument);
  options = {};
  options.max_speed = -1;
  EXPECT_THROW(make_sequence(still, rng, options), InvalidArgument);
  EXPECT_THROW(make_sequence(cv::Mat(64, 64, CV_8UC3), rng), InvalidArgument);
}

}  // namespace
}  // namespace restora

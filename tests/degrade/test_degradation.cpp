// Tests of the degradation registry: ids, parameter checks, and that each kind is exactly its
// pure function (the protocols and training depend on these bits).
#include <gtest/gtest.h>

#include "degrade/degradation.h"
#include "degrade/kinds.h"
#include "degrade/jpeg.h"
#include "degrade/noise.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora {
namespace {

cv::Mat Gradient(int rows, int cols, int channels) {
  cv::Mat image(rows, cols, CV_8UC(channels));
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      for (int c = 0; c < channels; ++c)
        image.ptr<uint8_t>(y)[x * channels + c] =
            static_cast<uint8_t>((7 * x + 5 * y + 40 * c) % 256);
  return image;
}

// The kind's apply() on a fresh chain state.
cv::Mat Apply(const std::string& id, const Degradation& setting, const cv::Mat& gt, Rng& rng) {
  auto state = start_degrading(gt);
  find_degradation(id).apply(state, setting, rng);
  return state.image;
}

TEST(DegradationRegistry, KnowsTheKindsAndRejectsOthers) {
  EXPECT_EQ(known_degradations(),
            (std::vector<std::string>{"gaussian_noise", "poisson_noise", "camera_noise", "blur",
                                      "motion_blur", "sinc", "kernel_blur", "resize", "resize_to", "bd", "bicubic_down",
                                      "jpeg", "mask", "damage", "none", "recorded"}));
  for (const auto& id : known_degradations()) {
    EXPECT_EQ(find_degradation(id).id(), id);
    EXPECT_FALSE(find_degradation(id).summary().empty());
  }
  try {
    find_degradation("wobble");
    FAIL() << "no error";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("unknown degradation 'wobble'"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("gaussian_noise, poisson_noise"), std::string::npos);
  }
}

TEST(DegradationRegistry, ParametersAreValidatedAndLabelled) {
  const auto& noise = find_degradation("gaussian_noise");
  const auto& jpeg = find_degradation("jpeg");
  const auto& bicubic = find_degradation("bicubic_down");
  EXPECT_EQ(noise.with_value(25).at("sigma"), 25.0);
  EXPECT_EQ(noise.with_value(25).at("gray"), 0.0);  // the default
  EXPECT_EQ(noise.label(noise.with_value(25)), "σ=25");
  EXPECT_EQ(noise.label(noise.with_value(7.5)), "σ=7.5");
  EXPECT_EQ(jpeg.label(jpeg.with_value(10)), "q10");
  EXPECT_EQ(bicubic.label(bicubic.with_value(3)), "x3");
  EXPECT_EQ(bicubic.value(bicubic.with_value(4)), 4.0);
  EXPECT_EQ(bicubic.scale(bicubic.with_value(4)), 4);
  EXPECT_EQ(jpeg.scale(jpeg.with_value(40)), 1);
  EXPECT_EQ(describe(find_degradation("blur").make({{"sigma", 2}, {"shape", 2}})),
            "blur:sigma=2:sigma_minor=0:angle=0:shape=plateau:beta=1:size=0");
  EXPECT_THROW(noise.with_value(-1), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(0), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(101), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(10.5), InvalidArgument);
  EXPECT_THROW(bicubic.with_value(1), InvalidArgument);
  EXPECT_THROW(bicubic.with_value(9), InvalidArgument);
  EXPECT_THROW(find_degradation("blur").make({{"size", 8}}), InvalidArgument);  // not odd
  try {
    noise.make({{"sigmaa", 3}});
    FAIL() << "no error";
  } catch (const InvalidArgument& error) {
    EXPECT_STREQ(error.what(), "gaussian_noise has no parameter 'sigmaa'; it has: sigma, gray");
  }
  try {
    find_degradation("blur").make({{"sigma", 50}});
    FAIL() << "no error";
  } catch (const InvalidArgument& error) {
    EXPECT_STREQ(error.what(), "blur: sigma 50 is not supported; use a value in 0.1..20");
  }
}

TEST(DegradationRegistry, ProtocolKindsAreTheirPureFunctions) {
  const cv::Mat gt = Gradient(30, 31, 3);
  {
    Rng a(5), b(5);
    const auto& noise = find_degradation("gaussian_noise");
    const cv::Mat expected = add_gaussian_noise(to_float01(gt), 15, b);
    EXPECT_EQ(cv::norm(Apply("gaussian_noise", noise.with_value(15), gt, a), expected, cv::NORM_INF),
              0.0);
    EXPECT_FALSE(noise.quantized());
  }
  {
    Rng rng(1);
    const auto& jpeg = find_degradation("jpeg");
    EXPECT_EQ(cv::norm(Apply("jpeg", jpeg.with_value(30), gt, rng), jpeg_roundtrip(gt, 30),
                       cv::NORM_INF),
              0.0);
    // A float image is quantized first, as a file would be.
    DegradedImage shifted{to_float01(gt) + 0.3 / 255, gt.size(), {}, {}};
    jpeg.apply(shifted, jpeg.with_value(30), rng);
    EXPECT_EQ(cv::norm(shifted.image, jpeg_roundtrip(gt, 30), cv::NORM_INF), 0.0);
  }
  {
    Rng rng(1);
    const auto& bicubic = find_degradation("bicubic_down");
    const auto x3 = bicubic.with_value(3);
    const cv::Mat lr = Apply("bicubic_down", x3, gt, rng);
    EXPECT_EQ(lr.size(), cv::Size(10, 10));  // 31 columns modcropped to 30
    EXPECT_EQ(lr.type(), CV_8UC3);          // rounded like MATLAB's
    EXPECT_EQ(bicubic.ground_truth(gt, x3).size(), cv::Size(30, 30));
    EXPECT_EQ(cv::norm(lr, imresize_matlab(modcrop(gt, 3), 1.0 / 3), cv::NORM_INF), 0.0);
    EXPECT_TRUE(bicubic.changes_size());
  }
}

TEST(DegradationRegistry, RecordedDamageIsMeasuredNeverMade) {
  const auto& recorded = find_degradation("recorded");
  EXPECT_EQ(recorded.label(recorded.with_value(1)), "real");
  EXPECT_EQ(recorded.label(recorded.with_value(4)), "real x4");
  EXPECT_EQ(recorded.scale(recorded.with_value(4)), 4);
  Rng rng(1);
  auto state = start_degrading(Gradient(8, 8, 3));
  EXPECT_THROW(recorded.apply(state, recorded.with_value(1), rng), InvalidArgument);
}

TEST(DegradationRegistry, NoiseAndJpegEmitTheirConditionMaps) {
  const cv::Mat gt = Gradient(16, 16, 1);
  Rng rng(2);
  auto state = start_degrading(gt);
  find_degradation("gaussian_noise").apply(state, find_degradation("gaussian_noise").with_value(51), rng);
  find_degradation("jpeg").apply(state, find_degradation("jpeg").with_value(40), rng);
  ASSERT_EQ(state.maps.size(), 2u);
  EXPECT_EQ(state.maps[0].name, "sigma");
  EXPECT_FLOAT_EQ(state.maps[0].constant, 0.2f);
  EXPECT_EQ(state.maps[1].name, "quality");
  EXPECT_FLOAT_EQ(state.maps[1].constant, 0.4f);
  EXPECT_THROW(start_degrading(to_float01(gt)), InvalidArgument);
}

}  // namespace
}  // namespace restora

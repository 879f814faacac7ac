// Tests of the degradation registry: ids, parameter checks, and that each kind is exactly its
// pure function (the protocols and training depend on these bits).
#include <gtest/gtest.h>

#include "degrade/degradation.h"
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

TEST(DegradationRegistry, KnowsTheKindsAndRejectsOthers) {
  EXPECT_EQ(known_degradations(),
            (std::vector<std::string>{"gaussian_noise", "jpeg", "bicubic_down", "none"}));
  for (const auto& id : known_degradations()) EXPECT_EQ(find_degradation(id).id(), id);
  try {
    find_degradation("motion_blur");
    FAIL() << "no error";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("unknown degradation 'motion_blur'"),
              std::string::npos);
    EXPECT_NE(std::string(error.what()).find("gaussian_noise, jpeg, bicubic_down"),
              std::string::npos);
  }
}

TEST(DegradationRegistry, ParametersAreValidatedAndLabelled) {
  const auto& noise = find_degradation("gaussian_noise");
  const auto& jpeg = find_degradation("jpeg");
  const auto& bicubic = find_degradation("bicubic_down");
  EXPECT_EQ(noise.with_value(25).sigma, 25.0);
  EXPECT_EQ(noise.label(noise.with_value(25)), "σ=25");
  EXPECT_EQ(noise.label(noise.with_value(7.5)), "σ=7.5");
  EXPECT_EQ(jpeg.label(jpeg.with_value(10)), "q10");
  EXPECT_EQ(bicubic.label(bicubic.with_value(3)), "x3");
  EXPECT_EQ(bicubic.value(bicubic.with_value(4)), 4.0);
  EXPECT_EQ(bicubic.scale(bicubic.with_value(4)), 4);
  EXPECT_EQ(jpeg.scale(jpeg.with_value(40)), 1);
  EXPECT_THROW(noise.with_value(-1), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(0), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(101), InvalidArgument);
  EXPECT_THROW(jpeg.with_value(10.5), InvalidArgument);
  EXPECT_THROW(bicubic.with_value(1), InvalidArgument);
  EXPECT_THROW(bicubic.with_value(9), InvalidArgument);

  DegradationRange range;
  range.quality_min = 50;
  range.quality_max = 40;
  EXPECT_THROW(jpeg.check_range(range), InvalidArgument);
  range.scales = {2, 1};
  EXPECT_THROW(bicubic.check_range(range), InvalidArgument);
  range.scales = {2, 4};
  EXPECT_NO_THROW(bicubic.check_range(range));
  EXPECT_EQ(bicubic.default_validation(range), (std::vector<double>{2, 4}));
}

TEST(DegradationRegistry, EachKindIsItsPureFunction) {
  const cv::Mat gt = Gradient(30, 31, 3);
  {
    Rng a(5), b(5);
    const auto& noise = find_degradation("gaussian_noise");
    const cv::Mat expected = add_gaussian_noise(to_float01(gt), 15, b);
    EXPECT_EQ(cv::norm(noise.apply(gt, noise.with_value(15), a), expected, cv::NORM_INF), 0.0);
    EXPECT_FALSE(noise.quantized());
  }
  {
    Rng rng(1);
    const auto& jpeg = find_degradation("jpeg");
    EXPECT_EQ(cv::norm(jpeg.apply(gt, jpeg.with_value(30), rng), to_float01(jpeg_roundtrip(gt, 30)),
                       cv::NORM_INF),
              0.0);
  }
  {
    Rng rng(1);
    const auto& bicubic = find_degradation("bicubic_down");
    const auto x3 = bicubic.with_value(3);
    const cv::Mat lr = bicubic.apply(gt, x3, rng);
    EXPECT_EQ(lr.size(), cv::Size(10, 10));  // 31 columns modcropped to 30
    EXPECT_EQ(bicubic.ground_truth(gt, x3).size(), cv::Size(30, 30));
    EXPECT_EQ(cv::norm(lr, to_float01(imresize_matlab(modcrop(gt, 3), 1.0 / 3)), cv::NORM_INF),
              0.0);
    EXPECT_TRUE(bicubic.changes_size());
  }
  Rng rng(1);
  EXPECT_THROW(
      find_degradation("jpeg").apply(to_float01(gt), find_degradation("jpeg").with_value(30), rng),
      InvalidArgument);
}

TEST(DegradationRegistry, SamplesStayInTheRange) {
  DegradationRange range;
  range.sigma_min = 5;
  range.sigma_max = 50;
  range.quality_min = 10;
  range.quality_max = 12;
  range.scales = {2, 4};
  Rng rng(3);
  for (int i = 0; i < 200; ++i) {
    const double sigma = find_degradation("gaussian_noise").sample(range, rng).sigma;
    EXPECT_TRUE(sigma >= 5 && sigma < 50) << sigma;
    const int quality = find_degradation("jpeg").sample(range, rng).quality;
    EXPECT_TRUE(quality >= 10 && quality <= 12) << quality;
    const int scale = find_degradation("bicubic_down").sample(range, rng).scale;
    EXPECT_TRUE(scale == 2 || scale == 4) << scale;
  }
}

}  // namespace
}  // namespace restora

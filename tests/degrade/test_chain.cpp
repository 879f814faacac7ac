// Chains: the text syntax and its errors, seeded sampling within the written ranges, the
// sampled chain's text reproducing it, scales, presets, and the condition maps of a sample.
#include <gtest/gtest.h>

#include "degrade/chain.h"
#include "degrade/jpeg.h"
#include "degrade/noise.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora {
namespace {

cv::Mat Texture(int rows, int cols, int channels) {
  cv::Mat image(rows, cols, CV_8UC(channels));
  cv::randu(image, 0, 256);
  return image;
}

std::string ErrorOf(const std::string& text) {
  try {
    parse_chain(text);
  } catch (const InvalidArgument& error) {
    return error.what();
  }
  return "no error";
}

TEST(Chain, ParsesValuesRangesChoicesAndProbabilities) {
  const auto spec = parse_chain(" blur:sigma=0.5~3:shape=gaussian|plateau, resize_to:4 ,jpeg:30~95:p=0.5");
  ASSERT_EQ(spec.steps.size(), 3u);
  EXPECT_EQ(spec.steps[0].kind, "blur");
  EXPECT_TRUE(spec.steps[0].values.at("sigma").uniform);
  EXPECT_EQ(spec.steps[0].values.at("sigma").lo, 0.5);
  EXPECT_EQ(spec.steps[0].values.at("shape").choices, (std::vector<double>{0, 2}));
  EXPECT_EQ(spec.steps[1].values.at("scale").choices, (std::vector<double>{4}));  // positional
  EXPECT_EQ(spec.steps[2].probability, 0.5);
  EXPECT_EQ(spec.text, "blur:sigma=0.5~3:shape=gaussian|plateau,resize_to:4,jpeg:30~95:p=0.5");
}

TEST(Chain, ErrorsNameTheStepAndTheProblem) {
  EXPECT_EQ(ErrorOf("blur:2,wobble:3"),
            "chain step 'wobble:3': unknown degradation 'wobble'; known: gaussian_noise, "
            "poisson_noise, camera_noise, blur, motion_blur, sinc, kernel_blur, resize, resize_to, bd, "
            "bicubic_down, jpeg, mask, damage, none, recorded");
  EXPECT_EQ(ErrorOf("blur:sigmaa=2"),
            "chain step 'blur:sigmaa=2': blur has no parameter 'sigmaa'; it has: sigma, "
            "sigma_minor, angle, shape, beta, size");
  EXPECT_EQ(ErrorOf("jpeg:0~50"),
            "chain step 'jpeg:0~50': jpeg: quality 0 is not supported; use an integer in 1..100");
  EXPECT_EQ(ErrorOf("blur:shape=round"),
            "chain step 'blur:shape=round': shape 'round' is not one of gaussian, generalized, plateau");
  EXPECT_EQ(ErrorOf("jpeg:p=2"), "chain step 'jpeg:p=2': p '2' must be a probability in 0..1");
  EXPECT_EQ(ErrorOf("jpeg:90~30"), "chain step 'jpeg:90~30': quality '90~30': the range is empty");
  EXPECT_EQ(ErrorOf("jpeg:30:40"), "chain step 'jpeg:30:40': '40' needs a name: write NAME=40");
  EXPECT_EQ(ErrorOf("blur:sigma=x"), "chain step 'blur:sigma=x': sigma 'x' is not a number");
  EXPECT_EQ(ErrorOf("jpeg,,blur"), "chain step '': empty step");
  EXPECT_EQ(ErrorOf(""), "the degradation chain is empty");
  EXPECT_EQ(ErrorOf("jpeg:quality=1~2~3"),
            "chain step 'jpeg:quality=1~2~3': quality '1~2~3': write LO~HI");
  EXPECT_EQ(ErrorOf("jpeg:quality=5:quality=6"), "chain step 'jpeg:quality=5:quality=6': quality is given twice");
}

TEST(Chain, SamplesAreSeededAndStayInTheirRanges) {
  const auto spec = parse_chain("blur:sigma=0.5~3:size=7|9,jpeg:30~35:p=0.5,gaussian_noise:sigma=2");
  int with_jpeg = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    Rng a(seed), b(seed);
    const auto chain = sample_chain(spec, a);
    EXPECT_EQ(chain_text(chain), chain_text(sample_chain(spec, b)));
    const auto& blur = chain.steps.front();
    EXPECT_GE(blur.at("sigma"), 0.5);
    EXPECT_LT(blur.at("sigma"), 3.0);
    EXPECT_TRUE(blur.at("size") == 7 || blur.at("size") == 9);
    if (chain.steps.size() == 3) {
      ++with_jpeg;
      const double quality = chain.steps[1].at("quality");
      EXPECT_TRUE(quality >= 30 && quality <= 35 && quality == std::floor(quality)) << quality;
    }
    EXPECT_EQ(chain.steps.back().at("sigma"), 2.0);
  }
  EXPECT_GT(with_jpeg, 70);
  EXPECT_LT(with_jpeg, 130);
  // The sampled chain's text is a specification that gives the same chain.
  Rng rng(3);
  const auto chain = sample_chain(spec, rng);
  Rng unused(0);
  EXPECT_EQ(chain_text(sample_chain(parse_chain(chain_text(chain)), unused)), chain_text(chain));
}

TEST(Chain, OneStepDrawsLikeItsKindsParameterAlone) {
  // Training configs' sigma: [lo, hi] are one-step chains: the draws stay those of a plain uniform.
  ValueSpec sigma;
  sigma.uniform = true;
  sigma.hi = 55;
  const auto spec = single_step("gaussian_noise", "sigma", sigma);
  Rng a(9), b(9);
  EXPECT_EQ(sample_chain(spec, a).steps.at(0).at("sigma"), b.uniform(0, 55));
  EXPECT_EQ(a.next_u64(), b.next_u64());
}

TEST(Chain, DegradesToTheScaleAndMatchesTheStepsOneByOne) {
  const cv::Mat gt = Texture(50, 66, 3);
  Rng draw(1);
  const auto chain = sample_chain(parse_chain("gaussian_noise:sigma=10,jpeg:quality=40"), draw);
  Rng a(4), b(4);
  const auto sample = degrade(chain, gt, a);
  // The same as the protocol's functions, one after the other.
  const cv::Mat noisy = add_gaussian_noise(to_float01(gt), 10, b);
  EXPECT_EQ(cv::norm(sample.lq, to_float01(jpeg_roundtrip(quantize_u8(noisy), 40)), cv::NORM_INF), 0.0);
  EXPECT_TRUE(sample.quantized);
  ASSERT_EQ(sample.maps.size(), 2u);

  Rng c(2);
  const auto x4 = sample_chain(parse_chain("realesrgan-x4"), c);
  EXPECT_EQ(chain_scale(x4), 4);
  const auto small = degrade(x4, gt, c);
  EXPECT_EQ(small.lq.size(), cv::Size(16, 12));  // 66x50 cropped to 64x48
  EXPECT_EQ(small.gt_u8.size(), cv::Size(64, 48));
  for (const auto* preset : {"realesrgan-x2", "realesrgan-x1", "real-photo"}) {
    Rng rng(5);
    const auto drawn = sample_chain(parse_chain(preset), rng);
    EXPECT_EQ(degrade(drawn, gt, rng).lq.cols * chain_scale(drawn), 66 / chain_scale(drawn) * chain_scale(drawn)) << preset;
  }
  EXPECT_EQ(chain_scale(Chain{}), 1);
  Rng rng(1);
  const auto dangling = sample_chain(parse_chain("resize:scale=0.5"), rng);
  EXPECT_THROW(chain_scale(dangling), InvalidArgument);
  EXPECT_THROW(degrade(dangling, gt, rng), InvalidArgument);
}

TEST(Chain, MapsAreSelectedInOrderAndFilledWhereAStepDidNotRun) {
  const auto spec = parse_chain("gaussian_noise:sigma=0~50:p=0.5,jpeg:quality=20~90:p=0.5");
  const auto infos = chain_maps(spec);
  ASSERT_EQ(infos.size(), 2u);
  EXPECT_EQ(infos[0].name, "sigma");
  EXPECT_EQ(infos[1].name, "quality");
  const auto selected = select_maps({{"quality", {}, 0.3f}}, infos);
  ASSERT_EQ(selected.size(), 2u);
  EXPECT_EQ(selected[0].name, "sigma");
  EXPECT_EQ(selected[0].constant, 0.0f);  // no noise
  EXPECT_EQ(selected[1].constant, 0.3f);
  // A later step's map wins: the damage the image carries now.
  EXPECT_EQ(select_maps({{"sigma", {}, 0.1f}, {"sigma", {}, 0.2f}}, infos)[0].constant, 0.2f);
  EXPECT_EQ(chain_presets(),
            (std::vector<std::string>{"real-photo", "realesrgan-x1", "realesrgan-x2", "realesrgan-x4"}));
  EXPECT_THROW(preset_text("bsrgan"), InvalidArgument);
}

}  // namespace
}  // namespace restora

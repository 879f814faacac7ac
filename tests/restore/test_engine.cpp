// The inference engine and the Restorer: tiling, model loading, channels, alpha, tiny inputs.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <thread>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "archs/network.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restora/restorer.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "support/tiny_model.h"

namespace restora {
namespace {

cv::Mat random_image(int rows, int cols, int channels, int seed) {
  cv::Mat image(rows, cols, CV_32FC(channels));
  cv::RNG rng(seed);
  rng.fill(image, cv::RNG::UNIFORM, 0.0, 1.0);
  return image;
}

double max_difference(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.channels(), b.channels());
  return cv::norm(a, b, cv::NORM_INF);
}

struct TilingCase {
  std::string arch;
  nlohmann::json config;
  int scale;
};

class Tiling : public ::testing::TestWithParam<TilingCase> {};

TEST_P(Tiling, TiledOutputEqualsUntiledOutput) {
  const auto& param = GetParam();
  torch::manual_seed(7);
  auto network = archs::build_network(param.arch, param.config);
  network->eval();
  const int channels = param.config.value("channels", 3);
  const cv::Mat lq = random_image(83, 71, channels, 11);  // several 24-pixel tiles, ragged edges
  // A condition map that differs per pixel: the tiles must cut it exactly like the image.
  ConditionMaps maps;
  for (int channel = 0; channel < network->traits().condition_channels; ++channel)
    maps.push_back({"sigma", random_image(83, 71, 1, 12 + channel), 0.0f});
  EngineOptions whole;
  whole.tile = 1000;
  EngineOptions tiled;
  tiled.tile = 24;
  const auto reference = run_tiled(*network, lq, maps, param.scale, whole);
  const auto pieces = run_tiled(*network, lq, maps, param.scale, tiled);
  EXPECT_EQ(reference.rows, lq.rows * param.scale);
  EXPECT_LE(max_difference(reference, pieces), 1.0 / 255.0);
  // With the full receptive field as overlap the only differences are float rounding.
  EXPECT_LE(max_difference(reference, pieces), 1e-4);
}

INSTANTIATE_TEST_SUITE_P(
    EveryFamily, Tiling,
    ::testing::Values(
        TilingCase{
            "dncnn", {{"channels", 1}, {"num_features", 8}, {"depth", 6}, {"condition", true}}, 1},
        TilingCase{"resunet", {{"channels", 3}, {"num_features", {4, 8, 8}}, {"num_blocks", 1}}, 1},
        TilingCase{
            "edsr", {{"channels", 3}, {"num_features", 8}, {"num_blocks", 2}, {"scales", {3}}}, 3}),
    [](const ::testing::TestParamInfo<TilingCase>& info) { return info.param.arch; });

TEST(Engine, TinyImagesAreProcessed) {
  torch::manual_seed(1);
  auto network = archs::build_network(
      "resunet", {{"channels", 1}, {"num_features", {4, 8, 8}}, {"num_blocks", 1}});
  network->eval();
  for (auto size : {cv::Size(1, 1), cv::Size(1, 9), cv::Size(9, 1), cv::Size(3, 2)}) {
    const auto out = run_tiled(*network, random_image(size.height, size.width, 1, 2), {}, 1, {});
    EXPECT_EQ(out.size(), size);
    EXPECT_TRUE(cv::checkRange(out));
  }
}

TEST(Engine, ConditionMapsReachTheNetworkAndAreChecked) {
  torch::manual_seed(4);
  auto network = archs::build_network(
      "dncnn", {{"channels", 1}, {"num_features", 8}, {"depth", 4}, {"condition", true}});
  network->eval();
  const cv::Mat lq = random_image(20, 24, 1, 3);
  const cv::Mat map = random_image(20, 24, 1, 4);
  // A map's constant form and its filled-in pixels are the same input.
  const auto constant = run_tiled(*network, lq, {{"sigma", {}, 0.3f}}, 1, {});
  const auto filled =
      run_tiled(*network, lq, {{"sigma", cv::Mat(20, 24, CV_32FC1, cv::Scalar(0.3f)), 0.0f}}, 1, {});
  EXPECT_EQ(max_difference(constant, filled), 0.0);
  // Another map gives another output: the network reads it.
  EXPECT_GT(max_difference(constant, run_tiled(*network, lq, {{"sigma", map, 0.0f}}, 1, {})), 1e-4);
  EXPECT_THROW(run_tiled(*network, lq, {}, 1, {}), ModelMismatch);  // one map missing
  EXPECT_THROW(run_tiled(*network, lq, {{"sigma", random_image(10, 24, 1, 4), 0.0f}}, 1, {}),
               InvalidArgument);  // a map of another size
}

TEST(Engine, RejectsAScaleTheNetworkLacks) {
  auto network =
      archs::build_network("edsr", {{"num_features", 4}, {"num_blocks", 1}, {"scales", {2}}});
  EXPECT_THROW(run_tiled(*network, random_image(8, 8, 3, 1), {}, 4, {}), ModelMismatch);
}

class RestorerTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("restora-restorer"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  // A Restorer running a tiny untrained RGB super-resolution model.
  Restorer tiny_upscaler(int scale, int tile = 0) {
    const auto path = testing::write_tiny_model(dir_ / "sr.safetensors",
                                                testing::tiny_meta("super_resolution", 3));
    RestoreOptions options;
    options.model = path.string();
    options.scale = scale;
    options.tile = tile;
    return Restorer("super_resolution", options);
  }
  std::filesystem::path dir_;
};

TEST_F(RestorerTest, ReportsProgressPerTileAndStopsWhenTheCallbackThrows) {
  const auto path = testing::write_tiny_model(dir_ / "sr.safetensors",
                                              testing::tiny_meta("super_resolution", 3));
  RestoreOptions options;
  options.model = path.string();
  options.scale = 2;
  options.tile = 16;
  std::vector<double> seen;
  options.progress = [&](double fraction) { seen.push_back(fraction); };
  Restorer restorer("super_resolution", options);
  Image image;
  image.pixels = random_image(40, 40, 3, 2);
  restorer.restore(image);
  ASSERT_EQ(seen.size(), 9u);  // 3×3 tiles of 16 pixels
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_DOUBLE_EQ(seen.back(), 1.0);

  int calls = 0;
  options.progress = [&](double) {
    if (++calls == 2) throw Cancelled("stop");
  };
  Restorer stopped("super_resolution", options);
  EXPECT_THROW(stopped.restore(image), Cancelled);
  EXPECT_EQ(calls, 2);  // no tile ran after the refusal
}

TEST_F(RestorerTest, EachCallingThreadKeepsItsOwnThreadCount) {
  const auto path = testing::write_tiny_model(dir_ / "d.safetensors", testing::tiny_meta("denoise", 3));
  Image image;
  image.pixels = random_image(24, 24, 3, 3);
  std::atomic<int> step{0};
  int first_count = 0;
  auto restore_with = [&](int threads) {
    RestoreOptions options;
    options.model = path.string();
    options.threads = threads;
    Restorer("denoise", options).restore(image);
  };
  std::thread first([&] {
    restore_with(1);
    step = 1;
    while (step < 2) std::this_thread::yield();
    first_count = torch::get_num_threads();  // after the other thread chose 2
  });
  std::thread second([&] {
    while (step < 1) std::this_thread::yield();
    restore_with(2);
    step = 2;
  });
  first.join();
  second.join();
  EXPECT_EQ(first_count, 1);
}

TEST_F(RestorerTest, SaveLoadGivesIdenticalOutput) {
  const auto meta = testing::tiny_meta("denoise", 3);
  const auto path = testing::write_tiny_model(dir_ / "m.safetensors", meta, 9);
  torch::manual_seed(9);
  auto original = build_from_meta(meta);
  original->eval();
  auto loaded = load_model(path);
  const auto lq = random_image(20, 30, 3, 5);
  EXPECT_EQ(
      max_difference(run_tiled(*original, lq, {}, 1, {}), run_tiled(*loaded.network, lq, {}, 1, {})),
      0.0);
}

TEST_F(RestorerTest, CarriesAlphaAndBitDepthAndServesGrayImages) {
  Restorer upscaler = tiny_upscaler(3);

  Image rgba;
  rgba.pixels = random_image(10, 12, 3, 1);
  rgba.alpha = random_image(10, 12, 1, 7);
  rgba.bit_depth = 16;
  const auto out = upscaler.restore(rgba);
  EXPECT_EQ(out.pixels.size(), cv::Size(36, 30));
  EXPECT_EQ(out.bit_depth, 16);
  ASSERT_TRUE(out.has_alpha());
  // Alpha is upscaled bicubically (clipped to [0, 1]), not by the network or nearest-neighbour.
  cv::Mat bicubic;
  cv::resize(rgba.alpha, bicubic, cv::Size(36, 30), 0, 0, cv::INTER_CUBIC);
  cv::min(cv::max(bicubic, 0.0), 1.0, bicubic);
  EXPECT_LT(max_difference(out.alpha, bicubic), 1e-6);

  Image gray;
  gray.pixels = random_image(7, 5, 1, 2);
  const auto gray_out = upscaler.restore(gray);
  EXPECT_EQ(gray_out.channels(), 1);
  EXPECT_EQ(gray_out.pixels.size(), cv::Size(15, 21));
}

TEST_F(RestorerTest, DenoiseLeavesAlphaUntouched) {
  const auto path =
      testing::write_tiny_model(dir_ / "d.safetensors", testing::tiny_meta("denoise", 3));
  RestoreOptions options;
  options.model = path.string();
  Restorer denoiser("denoise", options);
  Image image;
  image.pixels = random_image(9, 9, 3, 3);
  image.alpha = random_image(9, 9, 1, 4);
  const auto out = denoiser.restore(image);
  EXPECT_EQ(max_difference(out.alpha, image.alpha), 0.0);
}

// 8- and 16-bit images are restored a tile at a time without a float copy: the result must be
// what the float path gives once rounded as write_image rounds it, tile seams included.
TEST_F(RestorerTest, IntegerImagesGiveTheRoundedFloatResult) {
  Restorer upscaler = tiny_upscaler(2, 8);  // many tiles on a 23×19 image
  for (const int bit_depth : {8, 16}) {
    SCOPED_TRACE(bit_depth);
    const auto rounded = [&](const cv::Mat& floats) {
      return bit_depth == 8 ? quantize_u8(floats) : quantize_u16(floats);
    };
    Image integers;
    integers.pixels = rounded(random_image(19, 23, 3, 12));
    integers.alpha = rounded(random_image(19, 23, 1, 13));
    integers.bit_depth = bit_depth;
    Image floats;
    floats.pixels = to_float01(integers.pixels);
    floats.alpha = to_float01(integers.alpha);
    floats.bit_depth = bit_depth;

    const auto from_integers = upscaler.restore(integers);
    const auto from_floats = upscaler.restore(floats);
    ASSERT_EQ(from_integers.pixels.type(), integers.pixels.type());
    EXPECT_EQ(from_integers.bit_depth, bit_depth);
    EXPECT_EQ(max_difference(from_integers.pixels, rounded(from_floats.pixels)), 0.0);
    // The float output is not clipped, the integer one is: the tiny model overshoots somewhere.
    EXPECT_GT(cv::norm(from_floats.pixels, to_float01(rounded(from_floats.pixels)), cv::NORM_INF),
              0.5 / 255);
    ASSERT_EQ(from_integers.alpha.type(), integers.alpha.type());
    // Integer alpha is resized in integers (OpenCV's fixed-point bicubic): within one level.
    EXPECT_LE(max_difference(from_integers.alpha, rounded(from_floats.alpha)), 1.0);
  }
}

TEST_F(RestorerTest, ModelForAnotherTaskIsRefused) {
  const auto path =
      testing::write_tiny_model(dir_ / "d.safetensors", testing::tiny_meta("denoise", 3));
  RestoreOptions options;
  options.model = path.string();
  Restorer upscaler("super_resolution", options);
  Image image;
  image.pixels = random_image(4, 4, 3, 1);
  try {
    upscaler.restore(image);
    FAIL() << "expected ModelMismatch";
  } catch (const ModelMismatch& error) {
    EXPECT_NE(std::string(error.what()).find("is for task 'denoise', not 'super_resolution'"),
              std::string::npos);
  }
}

TEST_F(RestorerTest, UnsupportedScaleIsAnError) {
  RestoreOptions options;
  options.scale = 5;
  options.model =
      testing::write_tiny_model(dir_ / "sr.safetensors", testing::tiny_meta("super_resolution", 3))
          .string();
  Restorer upscaler("super_resolution", options);
  Image image;
  image.pixels = random_image(4, 4, 3, 1);
  EXPECT_THROW(upscaler.restore(image), ModelMismatch);
  options.scale = 1;
  EXPECT_THROW(Restorer("super_resolution", options), InvalidArgument);
}

TEST_F(RestorerTest, MissingModelNamesWhereItLooked) {
  RestoreOptions options;
  options.model = "no-such-model";
  Restorer denoiser("denoise", options);
  Image image;
  image.pixels = random_image(4, 4, 3, 1);
  try {
    denoiser.restore(image);
    FAIL() << "expected FileError";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find("model 'no-such-model' not found"), std::string::npos);
  }
}

TEST_F(RestorerTest, MetadataThatContradictsTheNetworkIsRefused) {
  const auto path = testing::write_tiny_model(dir_ / "sr.safetensors",
                                              testing::tiny_meta("super_resolution", 3));
  using Meta = model_file::ModelMeta;
  // Each edit makes the metadata lie about the network: loading must refuse and say which field.
  const std::vector<std::pair<std::function<void(Meta&)>, std::string>> lies = {
      {[](Meta& meta) { meta.scales = {2, 3, 4, 8}; }, "scale x8"},
      {[](Meta& meta) { meta.in_channels = 1; }, "in_channels 1"},
      {[](Meta& meta) { meta.out_channels = 4; }, "out_channels 4"},
      {[](Meta& meta) { meta.color_space = model_file::ColorSpace::gray; }, "color_space 'gray'"},
      {[](Meta& meta) { meta.input_range = {0.0, 255.0}; }, "input_range [0, 255]"},
      {[](Meta& meta) { meta.output_range = {-1.0, 1.0}; }, "output_range [-1, 1]"},
      {[](Meta& meta) { meta.tile_overlap = 2; }, "tile_overlap 2"},
      {[](Meta& meta) { meta.conditioning = model_file::Conditioning::sigma; }, "conditioning"},
  };
  for (const auto& [lie, named] : lies) {
    SCOPED_TRACE(named);
    auto file = model_file::read_model_file(path);
    lie(file.meta);
    const auto bad = dir_ / "bad.safetensors";
    model_file::write_model_file(bad, file);
    try {
      load_model(bad);
      ADD_FAILURE() << "loaded";
    } catch (const FormatError& error) {
      EXPECT_NE(std::string(error.what()).find(bad.string()), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find(named), std::string::npos) << error.what();
    }
  }
}

TEST_F(RestorerTest, ConditionedModelUsesTheGivenLevel) {
  auto meta = testing::tiny_meta("denoise", 1);
  meta.arch = "dncnn";
  meta.arch_config = {{"channels", 1}, {"num_features", 8}, {"depth", 4}, {"condition", true}};
  meta.conditioning = model_file::Conditioning::sigma;
  meta.size_multiple = 1;
  const auto path = testing::write_tiny_model(dir_ / "c.safetensors", meta, 3);
  Image image;
  image.pixels = random_image(12, 10, 1, 8);
  RestoreOptions options;
  options.model = path.string();
  EXPECT_THROW(Restorer("denoise", options).restore(image), InvalidArgument);  // needs --sigma
  options.sigma = 5;
  const auto low = Restorer("denoise", options).restore(image);
  options.sigma = 50;
  const auto high = Restorer("denoise", options).restore(image);
  EXPECT_GT(max_difference(low.pixels, high.pixels), 1e-4);
  EXPECT_EQ(Restorer("denoise", options).model_for(1).conditioning, "sigma");
}

TEST_F(RestorerTest, NonBlindDeblurringTellsAGrayImageTheReplicatedNoise) {
  const auto path = testing::write_tiny_model(dir_ / "k.safetensors",
                                              testing::tiny_meta("deblur", 3, "deblur-kernel"), 4);
  cv::Mat gray(24, 20, CV_32FC1);
  cv::randu(gray, 0.0, 1.0);
  const cv::Mat kernel = cv::Mat(5, 5, CV_32FC1, cv::Scalar(1.0 / 25));
  const auto run = [&](const cv::Mat& pixels, double sigma) {
    RestoreOptions options;
    options.model = path.string();
    options.kernel = kernel;
    options.sigma = sigma;
    options.circular_blur = true;
    options.threads = 1;
    Image image;
    image.pixels = pixels;
    image.bit_depth = 32;
    return Restorer("deblur", options).restore(image).pixels;
  };
  // Gray in: the RGB network sees the plane three times, with σ·√3 (its luma's noise), and the
  // channels are averaged.
  cv::Mat rgb, averaged;
  cv::merge(std::vector<cv::Mat>{gray, gray, gray}, rgb);
  cv::transform(run(rgb, 10 * std::sqrt(3.0)), averaged, cv::Matx13f(1.f / 3, 1.f / 3, 1.f / 3));
  EXPECT_LT(cv::norm(run(gray, 10), averaged, cv::NORM_INF), 1e-6);
  EXPECT_GT(cv::norm(run(gray, 10), run(gray, 20), cv::NORM_INF), 0.0);  // σ reaches the network
  // Without the kernel the model refuses; a kernel larger than the image too.
  RestoreOptions blind;
  blind.model = path.string();
  Image image;
  image.pixels = gray;
  EXPECT_THROW(Restorer("deblur", blind).restore(image), InvalidArgument);
  RestoreOptions large = blind;
  large.kernel = cv::Mat(25, 25, CV_32FC1, cv::Scalar(1.0 / 625));
  EXPECT_THROW(Restorer("deblur", large).restore(image), InvalidArgument);
}

}  // namespace
}  // namespace restora

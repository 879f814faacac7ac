#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include <opencv2/imgproc.hpp>

#include "codec/container.h"
#include "compression/convolution.h"
#include "compression/gdn.h"
#include "compression/hyperprior_codec.h"
#include "compression/image_codec.h"
#include "compression/tiling.h"
#include "image/tensor_bridge.h"
#include "model_file/model_meta.h"
#include "model_file/safetensors.h"
#include "nn/precision.h"
#include "nn/weights.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/runtime.h"
#include "support/tiny_codec.h"
#include "support/tiny_model.h"

namespace restora::compression {
namespace {

namespace fs = std::filesystem;

// A small random-weight codec written to a model file and loaded back, as a shipped one is.
CodecModel tiny_model(const fs::path& folder, uint64_t seed, const std::string& name = "tiny-codec") {
  return load_codec_model(testing::write_tiny_codec(folder / (name + ".safetensors"), name, seed));
}

cv::Mat test_image(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b((x * 3 + y) % 256, (y * 5) % 256, ((x ^ y) * 7) % 256);
  return image;
}

class ImageCodec : public ::testing::Test {
 protected:
  void SetUp() override { folder = testing::make_temp_dir("restora-codec"); }
  void TearDown() override { fs::remove_all(folder); }
  fs::path folder;
};

TEST_F(ImageCodec, DecodesWhatTheEncoderReconstructs) {
  auto model = tiny_model(folder, 1);
  const auto image = test_image(100, 70);  // padded to 128×128
  for (int level = 1; level <= 3; ++level) {
    const auto bytes = compress(model, image, level, Quantization::rounding);
    const auto decoded = decompress(model, bytes);
    ASSERT_EQ(decoded.size(), image.size());
    ASSERT_EQ(decoded.type(), CV_8UC3);
    // The encoder's own reconstruction from its rounded latents, computed independently.
    torch::NoGradGuard no_grad;
    cv::Mat padded;
    cv::copyMakeBorder(image, padded, 0, 58, 0, 28, cv::BORDER_REPLICATE);
    const auto layout = nn::preferred_layout(nn::Precision::fp32, torch::kCPU);  // as the codec runs
    const auto y = model.network->analysis(mat_to_tensor(to_float01(padded)).contiguous(layout),
                                           level - 1).to(torch::kDouble);
    const auto z_hat = torch::round(model.network->hyper_analysis(y.to(torch::kFloat))).to(torch::kLong);
    const auto parameters =
        split_parameters(model.hyper.run(z_hat * (int64_t{1} << model.hyper.fraction_bits())));
    const auto mean = parameters.mean.to(torch::kDouble) / double(1 << model.hyper.fraction_bits());
    const auto y_hat = torch::round(y - mean) + mean;
    const auto expected = quantize_u8(tensor_to_mat(
        model.network->synthesis(y_hat.to(torch::kFloat).contiguous(layout), level - 1)
            .clamp(0, 1)))(cv::Rect(0, 0, 100, 70));
    EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0) << "level " << level;
    const auto header = read_header(bytes);
    EXPECT_EQ(header.level, level);
    EXPECT_EQ(header.width, 100);
    EXPECT_EQ(header.height, 70);
    EXPECT_EQ(header.pad_right, 28);
    EXPECT_EQ(header.pad_bottom, 58);
  }
}

TEST_F(ImageCodec, LargeImagesRunInTilesThatMatchTheWholeImage) {
  auto model = tiny_model(folder, 8);
  const auto image = test_image(2000, 300);  // 128×20 latents, beyond one tile's bound
  ASSERT_GT(tiles_for(20, 128, tile_context_latents(model.network->shape())).cols.size(), 1u);
  const auto decoded = decompress(model, compress(model, image, 2, Quantization::rounding));
  ASSERT_EQ(decoded.size(), image.size());
  // The whole image through the networks at once.
  torch::NoGradGuard no_grad;
  cv::Mat padded;
  cv::copyMakeBorder(image, padded, 0, 20, 0, 48, cv::BORDER_REPLICATE);
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const auto y = model.network->analysis(mat_to_tensor(to_float01(padded)).contiguous(cl), 1).to(torch::kDouble);
  const auto z_hat = torch::round(model.network->hyper_analysis(y.to(torch::kFloat))).to(torch::kLong);
  const auto parameters =
      split_parameters(model.hyper.run(z_hat * (int64_t{1} << model.hyper.fraction_bits())));
  const auto mean = parameters.mean.to(torch::kDouble) / double(1 << model.hyper.fraction_bits());
  const auto y_hat = torch::round(y - mean) + mean;
  const auto whole = quantize_u8(tensor_to_mat(
      model.network->synthesis(y_hat.to(torch::kFloat).contiguous(cl), 1).clamp(0, 1)))(cv::Rect(0, 0, 2000, 300));
  // Tiles see the same context as the whole image up to float rounding.
  EXPECT_LE(cv::norm(decoded, whole, cv::NORM_INF), 2.0);
  cv::Mat difference;
  cv::absdiff(decoded, whole, difference);
  EXPECT_LT(cv::countNonZero(difference.reshape(1)), static_cast<int>(difference.total()) / 100);
}

// How far, in latents, a change at one latent position reaches: `transform` maps a 1×C×n×n
// grid whose cells are `cell` values wide to one of another cell size, `out_cell`.
int64_t reach_in_latents(const std::function<torch::Tensor(const torch::Tensor&)>& transform,
                         torch::Tensor input, int64_t cell, int64_t out_cell) {
  torch::NoGradGuard no_grad;
  const auto before = transform(input);
  const int64_t centre = input.size(2) / cell / 2;
  input.slice(2, centre * cell, (centre + 1) * cell).slice(3, centre * cell, (centre + 1) * cell) += 0.5;
  const auto changed = (transform(input) != before).any(1)[0].any(1).nonzero().squeeze(1);
  EXPECT_GT(changed.numel(), 0);
  const auto latent = torch::div(changed, out_cell, "floor");
  return (latent - centre).abs().max().item<int64_t>();
}

TEST(CodecTiles, MarginsCoverTheTransformsReceptiveFields) {
  for (int extra_blocks : {0, 1, 2}) {
    auto network = testing::tiny_codec_network(5, {{"extra_blocks", extra_blocks}});
    const int64_t margin = tile_context_latents(network->shape());
    const auto cl = torch::MemoryFormat::ChannelsLast;
    const int64_t synthesis_reach = reach_in_latents(
        [&](const torch::Tensor& y) { return network->synthesis(y.contiguous(cl), 0); },
        torch::randn({1, 12, 40, 40}), 1, 16);
    const int64_t analysis_reach = reach_in_latents(
        [&](const torch::Tensor& x) { return network->analysis(x.contiguous(cl), 0); },
        torch::rand({1, 3, 640, 640}), 16, 1);
    EXPECT_LE(synthesis_reach, margin) << extra_blocks << " extra blocks";
    EXPECT_LE(analysis_reach, margin) << extra_blocks << " extra blocks";
    EXPECT_GE(synthesis_reach, margin - 4) << "a margin much wider than needed costs time";
  }
}

TEST_F(ImageCodec, RateDistortionQuantizationSpendsFewerBitsForLittleError) {
  auto network = testing::tiny_codec_network(4);
  {  // 8× finer steps than the random initialisation, so that there are many latents to code
    torch::NoGradGuard no_grad;
    auto parameters = network->named_parameters();
    parameters["log_gain"] += std::log(8.0);
    parameters["log_inverse_gain"] -= std::log(8.0);
  }
  model_file::write_model_file(folder / "fine.safetensors", make_codec_model_file(*network, "fine", "test"));
  auto model = load_codec_model(folder / "fine.safetensors");
  const auto image = test_image(192, 128);
  for (int level = 1; level <= 3; ++level) {
    const auto rounded = compress(model, image, level, Quantization::rounding);
    const auto optimized = compress(model, image, level, Quantization::rate_distortion);
    EXPECT_LT(optimized.size(), rounded.size()) << "level " << level;
    // Each latent moves by less than one step from its rounding, so the image stays close.
    const double psnr_rounded = cv::PSNR(decompress(model, rounded), image);
    const double psnr_optimized = cv::PSNR(decompress(model, optimized), image);
    EXPECT_NEAR(psnr_optimized, psnr_rounded, 1.0) << "level " << level;
    // Distortion priced out of reach, it rounds.
    EXPECT_EQ(compress(model, image, level, Quantization::rate_distortion, 1e12), rounded) << "level " << level;
  }
  for (const double price : {-0.1, std::nan("")})
    EXPECT_THROW(compress(model, image, 1, Quantization::rate_distortion, price), InvalidArgument);
}

TEST_F(ImageCodec, BitIdenticalAcrossRunsAndThreadCounts) {
  auto model = tiny_model(folder, 2);
  const auto image = test_image(130, 64);
  set_compute_threads(1);
  const auto bytes = compress(model, image, 2);
  const auto one = decompress(model, bytes);
  set_compute_threads(2);
  EXPECT_EQ(compress(model, image, 2), bytes);
  const auto two = decompress(model, bytes);
  EXPECT_EQ(cv::norm(one, two, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(one, decompress(model, bytes), cv::NORM_INF), 0.0);
}

TEST_F(ImageCodec, KernelsAreStoredInHalfPrecisionAndWidenedOnLoading) {
  auto network = testing::tiny_codec_network(6);
  const auto path = folder / "half.safetensors";
  model_file::write_model_file(path, make_codec_model_file(*network, "half", "test codec"));

  int kernels = 0;
  for (const auto& tensor : model_file::read_safetensors(path).tensors) {
    if (tensor.name.rfind("coding.", 0) == 0) continue;
    EXPECT_EQ(tensor.dtype, tensor.shape.size() == 4 ? model_file::DType::f16 : model_file::DType::f32)
        << tensor.name;
    kernels += tensor.shape.size() == 4;
  }
  EXPECT_GT(kernels, 10);

  const auto loaded = load_codec_model(path);
  std::map<std::string, torch::Tensor> original;
  for (const auto& tensor : nn::export_weights(*network)) original[tensor.name] = nn::from_file_tensor(tensor);
  for (const auto& tensor : nn::export_weights(*loaded.network)) {
    if (tensor.name.rfind("hyper_synthesis.", 0) == 0) continue;  // from its integer copy
    const auto value = nn::from_file_tensor(tensor);
    ASSERT_EQ(value.scalar_type(), original.at(tensor.name).scalar_type()) << tensor.name;
    const auto expected = value.dim() == 4
                              ? original.at(tensor.name).to(torch::kFloat16).to(value.scalar_type())
                              : original.at(tensor.name);
    EXPECT_TRUE(torch::equal(value, expected)) << tensor.name;
  }
}

// The encoder's side of `image` at `level`: y (float64) and ẑ through the integer h_s (fixed point).
struct EncoderSide {
  torch::Tensor y, hyper;
};
EncoderSide encoder_side(CodecModel& model, const cv::Mat& image, int level) {
  torch::NoGradGuard no_grad;
  const auto y = model.network->analysis(mat_to_tensor(to_float01(image)).contiguous(torch::MemoryFormat::ChannelsLast),
                                         level - 1).to(torch::kDouble);
  const auto z_hat = torch::round(model.network->hyper_analysis(y.to(torch::kFloat))).to(torch::kLong);
  return {y, model.hyper.run(z_hat * (int64_t{1} << model.hyper.fraction_bits()))};
}

TEST_F(ImageCodec, TensorInterfaceCodesAsTheImageOneAndDecodesTheIntegersCoded) {
  auto model = tiny_model(folder, 3);
  const auto image = test_image(128, 64);  // a multiple of 64: no padding
  const int level = 2;
  const auto bytes = compress(model, image, level, Quantization::rounding);
  const auto tensor = mat_to_tensor(to_float01(image));
  EXPECT_EQ(compress_tensor(model, tensor, 128, 64, codec::ColorFormat::rgb8, level,
                            Quantization::rounding),
            bytes);
  EXPECT_THROW(compress_tensor(model, tensor, 128, 65, codec::ColorFormat::rgb8, level),
               InvalidArgument);  // 65 rows pad to 128
  const auto header = read_header(bytes);
  const auto coded = decode_latents(model, header);
  EXPECT_EQ(cv::norm(quantize_u8(tensor_to_mat(reconstruct(model, coded, level)))(cv::Rect(0, 0, 128, 64)),
                     decompress(model, bytes), cv::NORM_INF),
            0.0);
  EXPECT_THROW(reconstruct(model, coded, 4), InvalidArgument);  // the tiny model has 3 levels

  // The integers: round(y − mean) against the means of the integer h_s, as the encoder had them.
  const auto [y, hyper] = encoder_side(model, image, level);
  const auto parameters = split_parameters(hyper);
  const auto mean = parameters.mean.to(torch::kDouble) / (1 << model.hyper.fraction_bits());
  EXPECT_TRUE(torch::equal(coded.symbols, torch::round(y - mean).to(torch::kLong)));
  EXPECT_TRUE(torch::equal(coded.parameters.mean, parameters.mean));
  EXPECT_TRUE(torch::equal(coded.parameters.log_scale, parameters.log_scale));
}

TEST_F(ImageCodec, ResidualPredictionRefinesTheLatentsTheDecoderSynthesizes) {
  auto network = testing::tiny_codec_network(12, {{"latent_residual_prediction", true}});
  model_file::write_model_file(folder / "lrp.safetensors", make_codec_model_file(*network, "lrp", "test"));
  auto model = load_codec_model(folder / "lrp.safetensors");
  const auto image = test_image(128, 64);
  const int level = 3;
  const auto bytes = compress(model, image, level, Quantization::rounding);
  set_compute_threads(1);
  const auto decoded = decompress(model, bytes);
  set_compute_threads(2);
  EXPECT_EQ(cv::norm(decompress(model, bytes), decoded, cv::NORM_INF), 0.0);

  // ŷ as coded, then the prediction from ŷ and the parameters the decoder knows.
  torch::NoGradGuard no_grad;
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const auto [y, hyper] = encoder_side(model, image, level);
  const int bits = model.hyper.fraction_bits();
  const auto parameters = split_parameters(hyper);
  const auto mean = parameters.mean.to(torch::kDouble) / (1 << bits);
  const auto y_hat = (torch::round(y - mean) + mean).to(torch::kFloat);
  const auto predicted = model.network->predict_latent(
      y_hat, {mean.to(torch::kFloat), (parameters.log_scale.to(torch::kDouble) / (1 << bits)).to(torch::kFloat)});
  const auto change = (predicted - y_hat).abs();
  EXPECT_GT(change.max().item<double>(), 1e-3);  // the prediction is used ...
  EXPECT_LE(change.max().item<double>(), 0.5);   // ... and stays within the rounding step
  const auto expected = quantize_u8(tensor_to_mat(
      model.network->synthesis(predicted.contiguous(cl), level - 1).clamp(0, 1)));
  EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0);
}

// A checkerboard codec (with the channel context of `channel`, CodecShape's keys) with the
// weights of `plain` wherever it has them; its corrections are random when `correct` (else zero,
// as initialised).
HyperpriorCodec with_context(HyperpriorCodec& plain, bool correct,
                             const nlohmann::json& channel = nlohmann::json::object()) {
  auto settings = channel;
  settings["checkerboard_context"] = true;
  auto network = testing::tiny_codec_network(11, settings);
  std::map<std::string, model_file::Tensor> given;
  for (auto& tensor : nn::export_weights(*plain)) given[tensor.name] = tensor;
  auto weights = nn::export_weights(*network);
  for (auto& tensor : weights)
    if (given.count(tensor.name)) tensor = given[tensor.name];
  nn::import_weights(*network, weights, "test");
  if (correct) {
    torch::NoGradGuard no_grad;
    for (auto& parameter : network->parameter_layers->parameters()) parameter.normal_(0.0, 0.2);
    for (auto& layers : network->channel_context_layers)
      for (auto& parameter : layers->parameters()) parameter.normal_(0.0, 0.2);
  }
  network->eval();
  return network;
}

TEST_F(ImageCodec, CheckerboardWithoutCorrectionDecodesAsTheModelWithout) {
  auto plain = testing::tiny_codec_network(9);
  auto context = with_context(plain, false);
  model_file::write_model_file(folder / "plain.safetensors", make_codec_model_file(*plain, "plain", "test"));
  model_file::write_model_file(folder / "context.safetensors",
                               make_codec_model_file(*context, "context", "test"));
  auto plain_model = load_codec_model(folder / "plain.safetensors");
  auto context_model = load_codec_model(folder / "context.safetensors");
  ASSERT_TRUE(context_model.context && context_model.parameters);
  ASSERT_FALSE(plain_model.context);
  const auto image = test_image(150, 90);
  for (int level = 1; level <= 3; ++level) {
    const auto plain_bytes = compress(plain_model, image, level);
    const auto context_bytes = compress(context_model, image, level);
    EXPECT_EQ(read_header(plain_bytes).sections.size(), 2u);
    EXPECT_EQ(read_header(context_bytes).sections.size(), 3u);
    EXPECT_EQ(cv::norm(decompress(plain_model, plain_bytes), decompress(context_model, context_bytes),
                       cv::NORM_INF), 0.0) << "level " << level;
  }
}

// A context codec (with the channel context of `channel`) with random corrections, written and
// loaded as a shipped one, and its coding of a 128×128 image at level 2, checked to be the same
// for 1 and 2 threads.
struct ContextCoding {
  CodecModel model;
  cv::Mat image;
  int level;
  std::vector<uint8_t> bytes;
  cv::Mat decoded;
};
ContextCoding code_with_context(const fs::path& folder, const nlohmann::json& channel = nlohmann::json::object()) {
  auto plain = testing::tiny_codec_network(9);
  auto network = with_context(plain, true, channel);
  model_file::write_model_file(folder / "context.safetensors", make_codec_model_file(*network, "context", "test"));
  ContextCoding coding{load_codec_model(folder / "context.safetensors"), test_image(128, 128), 2, {}, {}};
  const auto& image = coding.image;
  const int level = coding.level;
  set_compute_threads(1);
  coding.bytes = compress(coding.model, image, level, Quantization::rounding);
  coding.decoded = decompress(coding.model, coding.bytes);
  set_compute_threads(2);
  EXPECT_EQ(compress(coding.model, image, level, Quantization::rounding), coding.bytes);
  EXPECT_EQ(cv::norm(decompress(coding.model, coding.bytes), coding.decoded, cv::NORM_INF), 0.0);
  return coding;
}

TEST_F(ImageCodec, CheckerboardDecodesWhatTheEncoderReconstructs) {
  auto coding = code_with_context(folder);
  auto& model = coding.model;
  const auto& [image, level, bytes, decoded] = std::tie(coding.image, coding.level, coding.bytes, coding.decoded);

  // The encoder's reconstruction, step by step: anchors from ẑ alone, the rest from ẑ and
  // the decoded anchors.
  torch::NoGradGuard no_grad;
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const auto [y, hyper] = encoder_side(model, image, level);
  const int bits = model.hyper.fraction_bits();
  const auto anchors = anchor_mask(y.size(2), y.size(3), torch::kLong);
  const auto first = split_parameters(hyper + model.parameters->run(torch::cat({hyper, torch::zeros_like(y, torch::kLong)}, 1)));
  const auto first_symbols = torch::round(y - first.mean.to(torch::kDouble) / (1 << bits)).to(torch::kLong);
  const auto context = model.context->run((first_symbols * (1 << bits) + first.mean) * anchors);
  const auto second = split_parameters(hyper + model.parameters->run(torch::cat({hyper, context}, 1)));
  const auto mean = torch::where(anchors.to(torch::kBool), first.mean, second.mean).to(torch::kDouble) / (1 << bits);
  const auto y_hat = torch::round(y - mean) + mean;
  const auto expected = quantize_u8(tensor_to_mat(
      model.network->synthesis(y_hat.to(torch::kFloat).contiguous(cl), level - 1).clamp(0, 1)));
  EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0);
  // The context matters: the non-anchors' means differ from those of the anchors' pass.
  EXPECT_FALSE(torch::equal(first.mean.masked_select(~anchors.to(torch::kBool).expand_as(first.mean)),
                            second.mean.masked_select(~anchors.to(torch::kBool).expand_as(second.mean))));
  // A file with a plain model's two sections is refused.
  auto header = read_header(bytes);
  header.sections.pop_back();
  EXPECT_THROW(decompress(model, codec::write_container(header)), FormatError);
}

TEST_F(ImageCodec, ChannelContextWithoutCorrectionDecodesAsTheModelWithout) {
  auto plain = testing::tiny_codec_network(9);
  auto checkerboard = with_context(plain, true);
  auto sliced = with_context(checkerboard, false, {{"channel_slices", 3}});
  model_file::write_model_file(folder / "cb.safetensors", make_codec_model_file(*checkerboard, "cb", "test"));
  model_file::write_model_file(folder / "sliced.safetensors", make_codec_model_file(*sliced, "sliced", "test"));
  auto checkerboard_model = load_codec_model(folder / "cb.safetensors");
  auto sliced_model = load_codec_model(folder / "sliced.safetensors");
  ASSERT_EQ(sliced_model.channel_context.size(), 2u);
  const auto image = test_image(150, 90);
  for (int level = 1; level <= 3; ++level) {
    const auto checkerboard_bytes = compress(checkerboard_model, image, level);
    const auto sliced_bytes = compress(sliced_model, image, level);
    EXPECT_EQ(read_header(sliced_bytes).sections.size(), 7u);  // ẑ, then 3 slices in each pass
    EXPECT_EQ(cv::norm(decompress(checkerboard_model, checkerboard_bytes), decompress(sliced_model, sliced_bytes),
                       cv::NORM_INF), 0.0) << "level " << level;
  }
}

// The channel context's first kernel: pointwise, or a window that sees the slices decoded before.
class ChannelContextCoding : public ImageCodec, public ::testing::WithParamInterface<int> {};

TEST_P(ChannelContextCoding, DecodesWhatTheEncoderReconstructs) {
  auto coding = code_with_context(folder, {{"channel_slices", 3}, {"channel_context_kernel", GetParam()}});
  auto& model = coding.model;
  const auto& [image, level, bytes, decoded] = std::tie(coding.image, coding.level, coding.bytes, coding.decoded);
  EXPECT_EQ(read_header(bytes).sections.size(), 7u);

  // The encoder's reconstruction over the whole grid: in each pass (at the positions `at`),
  // slice k's parameters corrected from the slices before it, on a grid of their values decoded
  // by then: this pass's at `at`, `known` elsewhere.
  torch::NoGradGuard no_grad;
  const auto [y, hyper] = encoder_side(model, image, level);
  const int64_t one = int64_t{1} << model.hyper.fraction_bits();
  bool corrected = false;
  const auto pass = [&, y = y](const FixedPointParameters& base, const torch::Tensor& at, const torch::Tensor& known) {
    const auto base_means = base.mean.chunk(3, 1), base_log_scales = base.log_scale.chunk(3, 1);
    const auto latents = y.chunk(3, 1), known_slices = known.chunk(3, 1);
    std::vector<torch::Tensor> means, decoded, given;
    for (int k = 0; k < 3; ++k) {
      auto mean = base_means[k], log_scale = base_log_scales[k];
      if (k > 0) {
        auto inputs = given;
        inputs.push_back(mean * at);
        inputs.push_back(log_scale * at);
        const auto correction = split_parameters(model.channel_context[k - 1].run(torch::cat(inputs, 1)));
        corrected = corrected || correction.mean.abs().max().item<int64_t>() > 0;
        mean = mean + correction.mean;
      }
      const auto symbols = torch::round(latents[k] - mean.to(torch::kDouble) / one).to(torch::kLong);
      decoded.push_back(symbols * one + mean);
      given.push_back(decoded.back() * at + known_slices[k] * (1 - at));
      means.push_back(mean);
    }
    return std::pair{torch::cat(means, 1), torch::cat(decoded, 1)};
  };
  const auto refined = [&, hyper = hyper](const torch::Tensor& context) {
    return split_parameters(hyper + model.parameters->run(torch::cat({hyper, context}, 1)));
  };
  const auto anchors = anchor_mask(y.size(2), y.size(3), torch::kLong);
  const auto nothing = torch::zeros_like(y, torch::kLong);
  const auto [first_mean, first_decoded] = pass(refined(nothing), anchors, nothing);
  const auto known = first_decoded * anchors;
  const auto second_mean = pass(refined(model.context->run(known)), 1 - anchors, known).first;
  const auto mean = torch::where(anchors.to(torch::kBool), first_mean, second_mean).to(torch::kDouble) / one;
  const auto y_hat = torch::round(y - mean) + mean;
  const auto expected = quantize_u8(tensor_to_mat(model.network->synthesis(
      y_hat.to(torch::kFloat).contiguous(torch::MemoryFormat::ChannelsLast), level - 1).clamp(0, 1)));
  EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0);
  EXPECT_TRUE(corrected);
  // A file with the checkerboard's three sections is refused.
  auto header = read_header(bytes);
  header.sections.resize(3);
  EXPECT_THROW(decompress(model, codec::write_container(header)), FormatError);
}

INSTANTIATE_TEST_SUITE_P(Kernels, ChannelContextCoding, ::testing::Values(1, 3),
                         [](const ::testing::TestParamInfo<int>& info) {
                           return "Kernel" + std::to_string(info.param);
                         });

TEST(Convolution, SameBitsForAnyThreadCount) {
  // LibTorch's own 1×1 kernel (one thread) and oneDNN (more) round differently.
  torch::manual_seed(12);
  Convolution conv(torch::nn::Conv2dOptions(64, 64, 1));
  GDN gdn(64, true);
  const auto x = torch::randn({1, 64, 32, 32}).contiguous(torch::MemoryFormat::ChannelsLast);
  torch::NoGradGuard no_grad;
  set_compute_threads(1);
  const auto one = gdn(conv(x));
  set_compute_threads(2);
  EXPECT_TRUE(torch::equal(one, gdn(conv(x))));
}

TEST_F(ImageCodec, GrayImagesComeBackGray) {
  auto model = tiny_model(folder, 3);
  cv::Mat gray;
  cv::cvtColor(test_image(64, 64), gray, cv::COLOR_RGB2GRAY);
  const auto decoded = decompress(model, compress(model, gray, 1));
  EXPECT_EQ(decoded.type(), CV_8UC1);
  EXPECT_EQ(read_header(compress(model, gray, 1)).color, codec::ColorFormat::gray8);
}

TEST_F(ImageCodec, HostileOrForeignFilesAreClearErrors) {
  auto model = tiny_model(folder, 4);
  auto other = tiny_model(folder, 5, "other-codec");
  const auto bytes = compress(model, test_image(64, 64), 1);
  EXPECT_THROW(decompress(other, bytes), ModelMismatch);
  for (size_t at = 0; at < bytes.size(); at += 3) {
    auto changed = bytes;
    changed[at] ^= 0x21;
    EXPECT_THROW(decompress(model, changed), FormatError) << at;
  }
  for (size_t size : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + size);
    EXPECT_THROW(decompress(model, truncated), FormatError) << size;
  }
  // Well-formed containers that lie: a level the model lacks, sizes that do not match the
  // sections, a missing section.
  auto header = read_header(bytes);
  auto lie = header;
  lie.level = 9;
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  lie.width = lie.height = 4000;
  lie.pad_right = lie.pad_bottom = 32;
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  lie.sections.pop_back();
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  std::swap(lie.sections[0], lie.sections[1]);
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
}

TEST_F(ImageCodec, RefusesBadRequests) {
  auto model = tiny_model(folder, 6);
  EXPECT_THROW(compress(model, test_image(64, 64), 0), InvalidArgument);
  EXPECT_THROW(compress(model, test_image(64, 64), 4), InvalidArgument);
  EXPECT_THROW(compress(model, cv::Mat(8, 8, CV_32FC3), 1), InvalidArgument);
}

TEST(CodecShapes, ChannelSlicesNeedTheCheckerboardAndDivideTheLatentsAndKernelsAreOdd) {
  nlohmann::json config = {{"latent_channels", 12}, {"checkerboard_context", true},
                           {"channel_slices", 3}, {"lambdas", {0.01}}};
  EXPECT_EQ(CodecShape::from_json(config).channel_slices, 3);
  EXPECT_EQ(CodecShape::from_json(CodecShape::from_json(config).to_json()).channel_slices, 3);
  config["channel_slices"] = 5;  // 12 channels do not split into 5
  EXPECT_THROW(CodecShape::from_json(config), InvalidArgument);
  config["channel_slices"] = 8;  // more sections than a file holds
  EXPECT_THROW(CodecShape::from_json(config), InvalidArgument);
  config["channel_slices"] = 3;
  config["channel_context_kernel"] = 3;
  EXPECT_EQ(CodecShape::from_json(CodecShape::from_json(config).to_json()).channel_context_kernel, 3);
  config["channel_context_kernel"] = 2;  // no centre
  EXPECT_THROW(CodecShape::from_json(config), InvalidArgument);
  config["channel_context_kernel"] = 3;
  config["channel_slices"] = 1;  // nothing to look at
  EXPECT_THROW(CodecShape::from_json(config), InvalidArgument);
  config.erase("channel_context_kernel");
  config["channel_slices"] = 3;
  config["checkerboard_context"] = false;
  EXPECT_THROW(CodecShape::from_json(config), InvalidArgument);
}

TEST(GainRows, KeepTrainedLevelsAndContinueLinearlyInLogLambda) {
  const auto rows = torch::tensor({1.0f, 2.0f, 3.0f, 5.0f}).view({2, 2});  // λ 0.01, 0.04
  const auto remapped = remap_gain_rows(rows, {0.01, 0.04}, {0.005, 0.01, 0.02, 0.04, 0.16});
  const auto expected =
      torch::tensor({0.0f, 0.5f, 1.0f, 2.0f, 2.0f, 3.5f, 3.0f, 5.0f, 5.0f, 8.0f}).view({5, 2});
  EXPECT_TRUE(torch::allclose(remapped, expected, 1e-6, 1e-6)) << remapped;
  EXPECT_TRUE(torch::equal(remap_gain_rows(rows, {0.01, 0.04}, {0.04}), rows[1].view({1, 2})));
  EXPECT_THROW(remap_gain_rows(rows, {0.01}, {0.01}), InvalidArgument);
}

}  // namespace
}  // namespace restora::compression

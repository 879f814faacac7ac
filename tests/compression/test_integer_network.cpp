#include <gtest/gtest.h>
#include <torch/torch.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "compression/hyperprior_codec.h"
#include "compression/integer_network.h"
#include "nn/weights.h"
#include "restora/errors.h"
#include "restore/runtime.h"
#include "support/tiny_codec.h"

namespace restora::compression {
namespace {

// h_s's mean and log-scale for integer ẑ.
FixedPointParameters parameters_of(const IntegerNetwork& hyper, const torch::Tensor& z_hat) {
  return split_parameters(hyper.run(z_hat * (int64_t{1} << hyper.fraction_bits())));
}

TEST(IntegerNetwork, MatchesTheFloatNetworkClosely) {
  auto codec = testing::tiny_codec_network(3);
  const auto integer = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper");
  const auto z_hat = torch::randint(-6, 7, {1, 8, 3, 5}, torch::kLong);
  const auto fixed = parameters_of(integer, z_hat);
  const auto reference = codec->hyper_synthesis(z_hat.to(torch::kFloat32));
  EXPECT_EQ(fixed.mean.sizes(), reference.mean.sizes());
  const double unit = 1.0 / (1 << integer.fraction_bits());
  EXPECT_LT((fixed.mean.to(torch::kDouble) * unit - reference.mean).abs().max().item<double>(), 0.01);
  EXPECT_LT((fixed.log_scale.to(torch::kDouble) * unit - reference.log_scale).abs().max().item<double>(), 0.01);
}

TEST(IntegerNetwork, SameIntegersForAnyThreadCountAndThroughTheFile) {
  auto codec = testing::tiny_codec_network(3);
  const auto integer = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper");
  const auto z_hat = torch::randint(-1000, 1000, {1, 8, 7, 9}, torch::kLong);  // far outside training
  set_compute_threads(1);
  const auto one = parameters_of(integer, z_hat);
  set_compute_threads(2);
  const auto two = parameters_of(integer, z_hat);
  EXPECT_TRUE(torch::equal(one.mean, two.mean));
  EXPECT_TRUE(torch::equal(one.log_scale, two.log_scale));

  model_file::Safetensors file;
  file.tensors = integer.to_tensors();
  const auto reloaded = parameters_of(IntegerNetwork::from_file(file, "coding.hyper", "test"), z_hat);
  EXPECT_TRUE(torch::equal(one.mean, reloaded.mean));
  EXPECT_TRUE(torch::equal(one.log_scale, reloaded.log_scale));
}

TEST(IntegerNetwork, RunAtGivesTheIntegersOfRunAtThePositions) {
  auto codec = testing::tiny_codec_network(4, {{"checkerboard_context", true}});
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : codec->parameter_layers->parameters()) parameter.normal_(0.0, 0.2);
  }
  const auto at = torch::rand({5, 7}) > 0.5;
  const auto index = at.flatten().nonzero().squeeze(1);
  for (const auto& [layers, channels] : {std::pair{codec->parameter_layers, 36}, std::pair{codec->context_layers, 12}}) {
    const auto integer = IntegerNetwork::quantize(layers, "coding.test");
    const auto x = torch::randint(-3000, 3000, {1, channels, 5, 7}, torch::kLong);
    const auto everywhere = integer.run(x);
    EXPECT_TRUE(torch::equal(integer.run_at(x, at), everywhere.flatten(2).index_select(2, index)));
  }
  // h_s upsamples: its positions do not map one to one.
  const auto hyper = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper");
  EXPECT_THROW(hyper.run_at(torch::zeros({1, 8, 5, 7}, torch::kLong), at), InvalidArgument);
  // So does a single shuffling layer.
  const auto shuffling = IntegerNetwork::quantize(
      torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 16, 1)), torch::nn::PixelShuffle(2)),
      "coding.test");
  EXPECT_THROW(shuffling.run_at(torch::zeros({1, 4, 5, 7}, torch::kLong), at), InvalidArgument);
}

TEST(IntegerNetwork, LargeGridsRunInBandsThatGiveTheSameIntegers) {
  torch::manual_seed(5);
  auto layers = torch::nn::Sequential(torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 16, 3).padding(1)),
                                      torch::nn::ReLU(), torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 8, 1)));
  const auto integer = IntegerNetwork::quantize(layers, "coding.test");
  // 144 values per position: run() takes bands of 113 rows of 256, run_at() of 29 127 positions.
  const auto x = torch::randint(-3000, 3000, {1, 16, 300, 256}, torch::kLong);
  const auto whole = integer.run(x);
  // Rows 0-98 of a 100-row crop see all they need: one band gives them.
  const auto crop = integer.run(x.slice(2, 0, 100));
  EXPECT_TRUE(torch::equal(whole.slice(2, 0, 99), crop.slice(2, 0, 99)));
  const auto everywhere = torch::ones({300, 256}, torch::kBool);
  EXPECT_TRUE(torch::equal(integer.run_at(x, everywhere), whole.flatten(2)));
}

// The tensor `name` of `tensors` with its values changed by `change` (stored as `type`).
void rewrite(std::vector<model_file::Tensor>& tensors, const std::string& name, torch::ScalarType type,
             const std::function<void(torch::Tensor&)>& change) {
  for (auto& tensor : tensors)
    if (tensor.name == name) {
      auto values = nn::from_file_tensor(tensor).to(type);
      change(values);
      tensor = nn::to_file_tensor(name, values);
    }
}

TEST(IntegerNetwork, RefusesWeightsThatCouldBreakExactness) {
  auto codec = testing::tiny_codec_network(3);
  const auto tensors = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper").to_tensors();
  auto wide_weight = tensors;  // 32-bit weights, as files before 16-bit ones hold
  rewrite(wide_weight, "coding.hyper.1.weight", torch::kInt32, [](torch::Tensor& w) { w.view(-1)[0] = 1 << 30; });
  auto huge_bias = tensors;
  rewrite(huge_bias, "coding.hyper.1.bias", torch::kInt64, [](torch::Tensor& b) { b[0] = int64_t{1} << 53; });
  for (const auto* broken : {&wide_weight, &huge_bias}) {
    model_file::Safetensors file;
    file.tensors = *broken;
    EXPECT_THROW(IntegerNetwork::from_file(file, "coding.hyper", "test"), FormatError);
  }
}

TEST(IntegerNetwork, WeightsFitSixteenBitsWithFewerFractionBitsWhereLarge) {
  auto codec = testing::tiny_codec_network(3);
  {
    torch::NoGradGuard no_grad;
    for (auto& parameter : codec->hyper_synthesis_layers->parameters()) parameter.mul_(8.0);
  }
  const auto integer = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper");
  model_file::Safetensors file;
  file.tensors = integer.to_tensors();
  const auto bits = nn::from_file_tensor(*file.find("coding.hyper.weight_bits"));
  EXPECT_LT(bits.min().item<int64_t>(), 16);  // weights beyond 0.5 cannot keep 16 bits in int16
  for (const auto& tensor : file.tensors) {
    if (tensor.name.find(".weight") != std::string::npos && tensor.shape.size() == 4) {
      EXPECT_EQ(tensor.dtype, model_file::DType::i16) << tensor.name;
    }
  }
  const auto z_hat = torch::randint(-3, 4, {1, 8, 3, 5}, torch::kLong);
  const auto fixed = parameters_of(IntegerNetwork::from_file(file, "coding.hyper", "test"), z_hat);
  const auto reference = codec->hyper_synthesis(z_hat.to(torch::kFloat32));
  const double unit = 1.0 / (1 << integer.fraction_bits());
  const double spread = reference.mean.abs().max().item<double>();
  EXPECT_LT((fixed.mean.to(torch::kDouble) * unit - reference.mean).abs().max().item<double>(),
            0.01 * std::max(1.0, spread));
}

TEST(IntegerNetwork, FilesWithOneWeightPrecisionStillRead) {
  auto codec = testing::tiny_codec_network(3);
  const auto integer = IntegerNetwork::quantize(codec->hyper_synthesis_layers, "coding.hyper");
  model_file::Safetensors file;
  file.tensors = integer.to_tensors();
  ASSERT_EQ(nn::from_file_tensor(*file.find("coding.hyper.weight_bits")).min().item<int64_t>(), 16);
  // The earlier form: 32-bit weights, no per-layer bits (the layout's apply to every layer).
  model_file::Safetensors earlier;
  for (const auto& tensor : file.tensors) {
    if (tensor.name == "coding.hyper.weight_bits") continue;
    earlier.tensors.push_back(tensor.dtype == model_file::DType::i16
                                  ? nn::to_file_tensor(tensor.name, nn::from_file_tensor(tensor).to(torch::kInt32))
                                  : tensor);
  }
  const auto z_hat = torch::randint(-50, 50, {1, 8, 4, 6}, torch::kLong);
  const auto now = parameters_of(integer, z_hat);
  const auto before = parameters_of(IntegerNetwork::from_file(earlier, "coding.hyper", "test"), z_hat);
  EXPECT_TRUE(torch::equal(now.mean, before.mean));
  EXPECT_TRUE(torch::equal(now.log_scale, before.log_scale));
}

}  // namespace
}  // namespace restora::compression

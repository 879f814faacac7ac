#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstring>

#include "compression/hyperprior_codec.h"
#include "compression/integer_hyper.h"
#include "restora/errors.h"
#include "restore/runtime.h"

namespace restora::compression {
namespace {

HyperpriorCodec tiny_codec() {
  torch::manual_seed(3);
  CodecShape shape;
  shape.features = 8;
  shape.latent_channels = 12;
  shape.hyper_channels = 8;
  shape.lambdas = {0.01, 0.1};
  return HyperpriorCodec(shape);
}

TEST(IntegerHyperSynthesis, MatchesTheFloatNetworkClosely) {
  auto codec = tiny_codec();
  const auto integer = IntegerHyperSynthesis::quantize(codec->hyper_synthesis_layers);
  const auto z_hat = torch::randint(-6, 7, {1, 8, 3, 5}, torch::kLong);
  const auto fixed = integer.run(z_hat);
  const auto reference = codec->hyper_synthesis(z_hat.to(torch::kFloat32));
  EXPECT_EQ(fixed.mean.sizes(), reference.mean.sizes());
  const double unit = 1.0 / (1 << integer.fraction_bits());
  EXPECT_LT((fixed.mean.to(torch::kDouble) * unit - reference.mean).abs().max().item<double>(), 0.01);
  EXPECT_LT((fixed.log_scale.to(torch::kDouble) * unit - reference.log_scale).abs().max().item<double>(), 0.01);
}

TEST(IntegerHyperSynthesis, SameIntegersForAnyThreadCountAndThroughTheFile) {
  auto codec = tiny_codec();
  const auto integer = IntegerHyperSynthesis::quantize(codec->hyper_synthesis_layers);
  const auto z_hat = torch::randint(-1000, 1000, {1, 8, 7, 9}, torch::kLong);  // far outside training
  set_compute_threads(1);
  const auto one = integer.run(z_hat);
  set_compute_threads(2);
  const auto two = integer.run(z_hat);
  EXPECT_TRUE(torch::equal(one.mean, two.mean));
  EXPECT_TRUE(torch::equal(one.log_scale, two.log_scale));

  model_file::Safetensors file;
  file.tensors = integer.to_tensors();
  const auto reloaded = IntegerHyperSynthesis::from_file(file, "test").run(z_hat);
  EXPECT_TRUE(torch::equal(one.mean, reloaded.mean));
  EXPECT_TRUE(torch::equal(one.log_scale, reloaded.log_scale));
}

TEST(IntegerHyperSynthesis, RefusesWeightsThatCouldBreakExactness) {
  auto codec = tiny_codec();
  auto tensors = IntegerHyperSynthesis::quantize(codec->hyper_synthesis_layers).to_tensors();
  for (auto& tensor : tensors)
    if (tensor.name == "coding.hyper.1.weight") {
      const int32_t huge = 1 << 30;
      std::memcpy(tensor.bytes.data(), &huge, sizeof huge);
    }
  model_file::Safetensors file;
  file.tensors = tensors;
  EXPECT_THROW(IntegerHyperSynthesis::from_file(file, "test"), FormatError);
}

}  // namespace
}  // namespace restora::compression

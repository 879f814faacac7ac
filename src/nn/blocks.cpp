#include "nn/blocks.h"

#include <torch/nn/functional/activation.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/modules/pixelshuffle.h>

#include <fmt/format.h>

#include "restora/errors.h"

namespace restora::nn {

torch::nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels, bool bias) {
  return torch::nn::Conv2d(
      torch::nn::Conv2dOptions(in_channels, out_channels, 3).padding(1).bias(bias));
}

torch::nn::Sequential basicsr_upsample(int64_t num_features, int scale, const std::string& arch) {
  if (scale != 2 && scale != 3 && scale != 4 && scale != 8)
    throw InvalidArgument(fmt::format("arch '{}': scale {} is not 2, 3, 4 or 8", arch, scale));
  torch::nn::Sequential upsample;
  const int step = scale == 3 ? 3 : 2;
  for (int s = 1; s < scale; s *= step) {
    upsample->push_back(conv3x3(num_features, step * step * num_features));
    upsample->push_back(torch::nn::PixelShuffle(torch::nn::PixelShuffleOptions(step)));
  }
  return upsample;
}

torch::Tensor div2k_mean() {
  return torch::tensor({0.4488, 0.4371, 0.4040}, torch::kFloat32).view({1, 3, 1, 1});
}

ResidualBlockImpl::ResidualBlockImpl(int64_t num_features, double res_scale)
    : conv1(register_module("conv1", conv3x3(num_features, num_features))),
      conv2(register_module("conv2", conv3x3(num_features, num_features))),
      res_scale_(res_scale) {}

torch::Tensor ResidualBlockImpl::forward(const torch::Tensor& x) {
  auto residual = conv2(torch::relu(conv1(x)));
  if (res_scale_ != 1.0) residual = residual * res_scale_;
  return x + residual;
}

torch::nn::Sequential plain_chain(int64_t in, int64_t features, int64_t out, int depth,
                                  bool batch_norm) {
  torch::nn::Sequential chain;
  chain->push_back(conv3x3(in, features));
  chain->push_back(torch::nn::ReLU());
  for (int i = 0; i < depth - 2; ++i) {
    chain->push_back(conv3x3(features, features, /*bias=*/!batch_norm));
    if (batch_norm) chain->push_back(torch::nn::BatchNorm2d(features));
    chain->push_back(torch::nn::ReLU());
  }
  chain->push_back(conv3x3(features, out));
  return chain;
}

torch::nn::Sequential residual_chain(int64_t num_features, int num_blocks, double res_scale) {
  torch::nn::Sequential chain;
  for (int i = 0; i < num_blocks; ++i) chain->push_back(ResidualBlock(num_features, res_scale));
  return chain;
}

PixelShuffleHeadImpl::PixelShuffleHeadImpl(int64_t num_features, int64_t out_channels, int scale)
    : conv(register_module("conv", conv3x3(num_features, out_channels * scale * scale))),
      scale_(scale) {}

torch::Tensor PixelShuffleHeadImpl::expand(const torch::Tensor& features) {
  return conv(features);
}

torch::Tensor shuffle_on_anchor(const torch::Tensor& residual, const torch::Tensor& lq, int scale) {
  const int64_t batch = residual.size(0), height = residual.size(2), width = residual.size(3);
  const int64_t channels = lq.size(1);
  const auto summed = residual.permute({0, 2, 3, 1}).reshape(
                          {batch, height, width, channels, scale * scale}) +
                      lq.permute({0, 2, 3, 1}).unsqueeze(-1);
  const auto expanded =
      summed.reshape({batch, height, width, channels * scale * scale}).permute({0, 3, 1, 2});
  return torch::nn::functional::pixel_shuffle(
      expanded, torch::nn::functional::PixelShuffleFuncOptions(scale));
}

}  // namespace restora::nn

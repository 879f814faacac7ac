// Reusable building blocks of the restoration networks.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

namespace restora::nn {

// 3×3 convolution with "same" zero padding.
torch::nn::Conv2d conv3x3(int64_t in_channels, int64_t out_channels, bool bias = true);

// x -> x + res_scale · conv(relu(conv(x)))   (EDSR's block: no batch norm)
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(int64_t num_features, double res_scale = 1.0);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  double res_scale_;
};
TORCH_MODULE(ResidualBlock);

// DnCNN's plain body, `depth` 3×3 convolutions: conv + ReLU, (depth − 2) × [conv (+ batch norm)
// + ReLU], conv, from `in` through `features` to `out` channels. With batch norm the middle
// convolutions have no bias.
torch::nn::Sequential plain_chain(int64_t in, int64_t features, int64_t out, int depth,
                                  bool batch_norm = false);

// A chain of `num_blocks` residual blocks.
torch::nn::Sequential residual_chain(int64_t num_features, int num_blocks, double res_scale = 1.0);

// features N×C×H×W -> N×out_channels×sH×sW: one conv to out·s² channels, then pixel shuffle.
class PixelShuffleHeadImpl : public torch::nn::Module {
 public:
  PixelShuffleHeadImpl(int64_t num_features, int64_t out_channels, int scale);
  // Returns the conv output before shuffling, so callers can add a skip in low resolution.
  torch::Tensor expand(const torch::Tensor& features);
  int scale() const { return scale_; }

 private:
  torch::nn::Conv2d conv{nullptr};
  int scale_;
};
TORCH_MODULE(PixelShuffleHead);

}  // namespace restora::nn

// Reusable building blocks of the restoration networks.
#pragma once

#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <string>

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

// BasicSR's Upsample (EDSR, RCAN, SwinIR; imported models): for a power of two, per ×2 step a 3×3
// conv to 4F channels and a pixel shuffle; for ×3 one conv to 9F and a shuffle. Modules 0, 2,
// ... are the convolutions, as BasicSR names them. Scales other than 2, 3, 4, 8 ->
// InvalidArgument naming `arch`.
torch::nn::Sequential basicsr_upsample(int64_t num_features, int scale, const std::string& arch);

// The DIV2K RGB mean BasicSR's models subtract (rgb_mean), 1×3×1×1 float.
torch::Tensor div2k_mean();

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

// pixel_shuffle(residual + lq repeated s² times per channel): a head's C·s²-channel output
// (PixelShuffleHeadImpl::expand) on a nearest-neighbour anchor of lq (N×C×H×W) -> N×C×sH×sW.
// The sum is taken in channels-last order (N, H, W, C, s²), where both views are free for
// channels-last tensors and the result stays channels-last (a repeat_interleave made an NCHW copy
// and a mixed-layout add, 2.5x slower at x4).
torch::Tensor shuffle_on_anchor(const torch::Tensor& residual, const torch::Tensor& lq, int scale);

}  // namespace restora::nn

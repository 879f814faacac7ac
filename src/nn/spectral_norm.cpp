#include "nn/spectral_norm.h"

#include <torch/nn/functional/conv.h>
#include <torch/nn/init.h>
#include <torch/torch.h>

#include <cmath>

namespace restora::nn {

SpectralConv2dImpl::SpectralConv2dImpl(int64_t in_channels, int64_t out_channels,
                                       int64_t kernel_size, int64_t stride, bool bias)
    : stride_(stride), padding_(kernel_size % 2 ? kernel_size / 2 : (kernel_size - 2) / 2) {
  weight_orig = register_parameter(
      "weight_orig", torch::empty({out_channels, in_channels, kernel_size, kernel_size}));
  torch::nn::init::kaiming_uniform_(weight_orig, std::sqrt(5.0));
  if (bias) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(in_channels * kernel_size * kernel_size));
    bias_ = register_parameter("bias", torch::empty({out_channels}).uniform_(-bound, bound));
  }
  // Start the power iteration from fixed random unit vectors (drawn from torch's seeded RNG).
  u = register_buffer("u", torch::nn::functional::normalize(
                               torch::randn({out_channels}),
                               torch::nn::functional::NormalizeFuncOptions().dim(0)));
  v = register_buffer("v", torch::nn::functional::normalize(
                               torch::randn({in_channels * kernel_size * kernel_size}),
                               torch::nn::functional::NormalizeFuncOptions().dim(0)));
}

torch::Tensor SpectralConv2dImpl::sigma(bool iterate) {
  // In fp32 whatever autocast says: σ of a bf16 matrix product would scale every weight by a
  // rounding error.
  const auto matrix = weight_orig.reshape({weight_orig.size(0), -1}).to(torch::kFloat32);
  if (iterate) {
    torch::NoGradGuard no_grad;
    const auto options = torch::nn::functional::NormalizeFuncOptions().dim(0).eps(1e-12);
    const auto next_v = torch::nn::functional::normalize(torch::mv(matrix.t(), u), options);
    const auto next_u = torch::nn::functional::normalize(torch::mv(matrix, next_v), options);
    v.copy_(next_v);
    u.copy_(next_u);
  }
  // Copies: autograd keeps u and v for the backward pass, and the next forward (the
  // discriminator runs several times per step) updates the buffers in place.
  return torch::dot(u.clone(), torch::mv(matrix, v.clone()));
}

torch::Tensor SpectralConv2dImpl::normalized_weight() { return weight_orig / sigma(false); }

torch::Tensor SpectralConv2dImpl::forward(const torch::Tensor& x) {
  const auto weight = weight_orig / sigma(is_training());
  return torch::nn::functional::conv2d(
      x, weight,
      torch::nn::functional::Conv2dFuncOptions().bias(bias_).stride(stride_).padding(padding_));
}

}  // namespace restora::nn

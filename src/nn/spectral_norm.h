// A convolution whose weight is divided by its largest singular value (Miyato et al. 2018,
// "Spectral Normalization for GANs"), which keeps a discriminator 1-Lipschitz per layer.
#pragma once

#include <torch/nn/module.h>

namespace restora::nn {

// σ is estimated by one power iteration per training-mode forward; the iteration's vectors
// u, v are buffers, so a checkpoint holds them and a resumed run continues exactly. In eval mode
// the stored vectors are used as they are.
class SpectralConv2dImpl : public torch::nn::Module {
 public:
  SpectralConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel_size,
                     int64_t stride = 1, bool bias = true);
  // x: N×in×H×W -> N×out×H/stride×W/stride ("same" padding for odd kernels, (k-2)/2 for even
  // ones, so a 4×4 stride-2 convolution halves even sides exactly).
  torch::Tensor forward(const torch::Tensor& x);
  // The weight as used: weight_orig / σ, with σ from the current u, v (no iteration).
  torch::Tensor normalized_weight();

 private:
  torch::Tensor sigma(bool iterate);
  torch::Tensor weight_orig, bias_, u, v;
  int64_t stride_, padding_;
};
TORCH_MODULE(SpectralConv2d);

}  // namespace restora::nn

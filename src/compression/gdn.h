// Generalized divisive normalization (Ballé et al. 2016): y_i = x_i / sqrt(β_i + Σ_j γ_ij x_j²),
// and its inverse (multiply instead of divide) for synthesis transforms.
#pragma once

#include <torch/nn/module.h>

namespace restora::compression {

class GDNImpl : public torch::nn::Module {
 public:
  GDNImpl(int64_t channels, bool inverse);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  // β and γ are kept non-negative by storing their square roots.
  torch::Tensor beta_root, gamma_root;
  bool inverse_;
};
TORCH_MODULE(GDN);

}  // namespace restora::compression

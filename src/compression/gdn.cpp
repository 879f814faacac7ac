#include "compression/gdn.h"

#include <torch/torch.h>

#include "compression/convolution.h"

namespace restora::compression {

GDNImpl::GDNImpl(int64_t channels, bool inverse) : inverse_(inverse) {
  beta_root = register_parameter("beta_root", torch::ones({channels}));
  // γ starts as 0.1·I plus a tiny pedestal off the diagonal: a root of exactly 0 would have a
  // zero gradient (d(r²)/dr = 0), freezing every cross-channel weight at 0 for good.
  constexpr double pedestal = 1.0 / (1 << 18);
  gamma_root = register_parameter(
      "gamma_root",
      (torch::eye(channels).mul(0.1) + pedestal).sqrt().view({channels, channels, 1, 1}));
}

torch::Tensor GDNImpl::forward(const torch::Tensor& x) {
  // The pedestal keeps β away from 0, where the division would blow up.
  const auto beta = beta_root.square() + 1e-6;
  const auto norm = convolve(x.square(), gamma_root.square(), beta, {1, 1}, {0, 0});
  return inverse_ ? x * norm.sqrt() : x * norm.rsqrt();
}

}  // namespace restora::compression

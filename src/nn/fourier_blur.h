// Circular blur in the Fourier domain and its closed-form inverse step, the data step of
// half-quadratic splitting (non-blind deblurring: the unrolled network, plug-and-play and Wiener):
//   data_step(z, α) = argmin_x ‖k ⊛ x − y‖² + α‖x − z‖² = F⁻¹[(K̄·Y + α·Z) / (|K|² + α)]
// where ⊛ is circular convolution (degrade/kernels.h convolve_circular) and K = F(k) with the
// kernel's centre at the origin. Everything runs in fp32 whatever the autocast state.
//
//   nn::FourierBlur blur(kernel_1x1xkxk, y_nchw);
//   torch::Tensor wiener = blur.data_step(torch::zeros_like(y), torch::tensor(0.01));
#pragma once

#include <torch/types.h>

namespace restora::nn {

// The optical transfer function of kernel (N×1×k×k, k ≤ H and W) for H×W images: its rfft2,
// N×1×H×(W/2+1) complex.
torch::Tensor kernel_otf(const torch::Tensor& kernel, int64_t height, int64_t width);

class FourierBlur {
 public:
  // kernel N×1×k×k or 1×1×k×k (odd k); y N×C×H×W, the blurred image.
  FourierBlur(const torch::Tensor& kernel, const torch::Tensor& y);
  // z N×C×H×W; alpha broadcastable to N×1×1×1 (> 0). -> N×C×H×W fp32.
  torch::Tensor data_step(const torch::Tensor& z, const torch::Tensor& alpha) const;
  // k ⊛ x, N×C×H×W fp32.
  torch::Tensor blur(const torch::Tensor& x) const;

 private:
  torch::Tensor otf_, kernel_times_y_, power_;
  int64_t height_, width_;
};

}  // namespace restora::nn

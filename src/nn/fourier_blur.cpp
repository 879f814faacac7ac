#include "nn/fourier_blur.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "restora/errors.h"

namespace restora::nn {

torch::Tensor kernel_otf(const torch::Tensor& kernel, int64_t height, int64_t width) {
  const auto k_rows = kernel.size(2), k_cols = kernel.size(3);
  if (kernel.dim() != 4 || kernel.size(1) != 1 || k_rows % 2 == 0 || k_cols % 2 == 0)
    throw InvalidArgument("kernel_otf: the kernel must be N×1×k×k with odd sides");
  if (k_rows > height || k_cols > width)
    throw InvalidArgument(fmt::format("kernel_otf: a {}x{} kernel is larger than the {}x{} image",
                                      k_cols, k_rows, width, height));
  namespace F = torch::nn::functional;
  auto padded = F::pad(kernel.to(torch::kFloat),
                       F::PadFuncOptions({0, width - k_cols, 0, height - k_rows}));
  padded = torch::roll(padded, {-(k_rows / 2), -(k_cols / 2)}, {2, 3});
  return torch::fft::rfft2(padded);
}

FourierBlur::FourierBlur(const torch::Tensor& kernel, const torch::Tensor& y)
    : height_(y.size(2)), width_(y.size(3)) {
  otf_ = kernel_otf(kernel, height_, width_);
  kernel_times_y_ = otf_.conj() * torch::fft::rfft2(y.to(torch::kFloat).contiguous());
  power_ = otf_.abs().square();
}

torch::Tensor FourierBlur::data_step(const torch::Tensor& z, const torch::Tensor& alpha) const {
  const auto a = alpha.to(torch::kFloat);
  const auto numerator = kernel_times_y_ + a * torch::fft::rfft2(z.to(torch::kFloat).contiguous());
  return torch::fft::irfft2(numerator / (power_ + a), {{height_, width_}});
}

torch::Tensor FourierBlur::blur(const torch::Tensor& x) const {
  return torch::fft::irfft2(otf_ * torch::fft::rfft2(x.to(torch::kFloat).contiguous()),
                            {{height_, width_}});
}

}  // namespace restora::nn

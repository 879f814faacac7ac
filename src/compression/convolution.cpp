#include "compression/convolution.h"

#include <torch/torch.h>

#include "nn/precision.h"

namespace restora::compression {

torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                       at::IntArrayRef stride, at::IntArrayRef padding) {
  if (!torch::GradMode::is_enabled() && !nn::autocast_enabled(torch::kCPU) && x.device().is_cpu() &&
      x.scalar_type() == torch::kFloat32 && weight.scalar_type() == torch::kFloat32)
    return at::mkldnn_convolution(x, weight, bias, padding, stride, {1, 1}, 1);
  return torch::conv2d(x, weight, bias, stride, padding);
}

torch::Tensor ConvolutionImpl::forward(const torch::Tensor& x) {
  using std::get;  // LibTorch ≥ 2.2 pads with a std::variant; older ones' c10::get comes by ADL
  const auto& padding = get<torch::ExpandingArray<2>>(options.padding());
  return convolve(x, weight, bias, *options.stride(), *padding);
}

}  // namespace restora::compression

// The codec's convolutions. LibTorch 1.13 runs an unstrided 1×1 convolution of one image with
// its own kernel on one thread and with oneDNN on more, and the two round differently, so a
// decoded image would depend on the thread count. Outside autograd and autocast (coding,
// validation), fp32 CPU convolutions here therefore always go to oneDNN.
#pragma once

#include <torch/nn/modules/conv.h>

namespace restora::compression {

torch::Tensor convolve(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                       at::IntArrayRef stride, at::IntArrayRef padding);

// A Conv2d (same parameters, names and options) whose forward is convolve().
class ConvolutionImpl : public torch::nn::Conv2dImpl {
 public:
  using Conv2dImpl::Conv2dImpl;
  torch::Tensor forward(const torch::Tensor& x);
};
TORCH_MODULE(Convolution);

}  // namespace restora::compression

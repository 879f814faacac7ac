// The factorized prior of Ballé et al. 2018 (appendix 6.1): one learned univariate density per
// channel, given by its cumulative function c(x) = sigmoid(f_K ∘ … ∘ f_1(x)), each f_k an affine
// map with a non-negative matrix followed (except the last) by x + a·tanh(x). Monotone by
// construction, so P(x̃ ∈ [v−½, v+½]) = c(v+½) − c(v−½) is a valid probability.
#pragma once

#include <torch/nn/module.h>

#include <vector>

namespace restora::compression {

class FactorizedDensityImpl : public torch::nn::Module {
 public:
  FactorizedDensityImpl(int64_t channels, std::vector<int64_t> hidden = {3, 3, 3}, double init_scale = 10.0);

  // values: N×C×H×W -> the probability of the unit interval around each value, same shape,
  // float32, bounded below by 1e-9.
  torch::Tensor likelihood(const torch::Tensor& values);

  // The cumulative logits f(x) of values shaped N×C×H×W (channel c through density c).
  // Element-wise only, so the memory layout (channels-last) carries through to the gradients.
  torch::Tensor logits_cumulative(const torch::Tensor& values);

  int64_t channels() const { return channels_; }

 private:
  int64_t channels_;
  std::vector<torch::Tensor> matrices, biases, factors;
};
TORCH_MODULE(FactorizedDensity);

}  // namespace restora::compression

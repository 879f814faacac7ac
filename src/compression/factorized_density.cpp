#include "compression/factorized_density.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>

namespace restora::compression {

FactorizedDensityImpl::FactorizedDensityImpl(int64_t channels, std::vector<int64_t> hidden,
                                             double init_scale)
    : channels_(channels) {
  std::vector<int64_t> widths{1};
  widths.insert(widths.end(), hidden.begin(), hidden.end());
  widths.push_back(1);
  const auto layers = widths.size() - 1;
  // Initialised so that the whole map starts as a logistic of scale init_scale (Ballé's choice).
  const double layer_scale = std::pow(init_scale, 1.0 / static_cast<double>(layers));
  for (size_t k = 0; k < layers; ++k) {
    const double init = std::log(std::expm1(1.0 / layer_scale / static_cast<double>(widths[k + 1])));
    matrices.push_back(register_parameter(
        fmt::format("matrix{}", k), torch::full({channels, widths[k + 1], widths[k]}, init)));
    biases.push_back(register_parameter(
        fmt::format("bias{}", k), torch::rand({channels, widths[k + 1], 1}).sub(0.5)));
    if (k + 1 < layers)
      factors.push_back(register_parameter(fmt::format("factor{}", k),
                                           torch::zeros({channels, widths[k + 1], 1})));
  }
}

torch::Tensor FactorizedDensityImpl::logits_cumulative(const torch::Tensor& values) {
  // Per-channel coefficient k[c] broadcast over N×C×H×W.
  const auto per_channel = [&](const torch::Tensor& coefficient) {
    return coefficient.view({1, channels_, 1, 1});
  };
  std::vector<torch::Tensor> units{values};
  for (size_t k = 0; k < matrices.size(); ++k) {
    const auto weights = torch::softplus(matrices[k]);
    std::vector<torch::Tensor> next;
    for (int64_t j = 0; j < weights.size(1); ++j) {
      auto unit = per_channel(biases[k].select(1, j).squeeze(1)).expand_as(values);
      for (int64_t i = 0; i < weights.size(2); ++i)
        unit = unit + per_channel(weights.select(1, j).select(1, i)) * units[i];
      if (k < factors.size())
        unit = unit + per_channel(torch::tanh(factors[k].select(1, j).squeeze(1))) * torch::tanh(unit);
      next.push_back(unit);
    }
    units = std::move(next);
  }
  return units.front();
}

torch::Tensor FactorizedDensityImpl::likelihood(const torch::Tensor& values) {
  const auto rows = values.to(torch::kFloat32);
  const auto lower = logits_cumulative(rows - 0.5);
  const auto upper = logits_cumulative(rows + 0.5);
  // Subtract in the tail where the sigmoids are far from 1, for precision.
  const auto sign = -torch::sign(lower + upper).detach();
  return (torch::sigmoid(sign * upper) - torch::sigmoid(sign * lower)).abs().clamp_min(1e-9);
}

}  // namespace restora::compression

// Pixel losses between a restored batch and its ground truth.
#pragma once

#include <torch/types.h>

#include <string>

namespace restora::train {

// kind: "l1" | "l2" | "charbonnier" (sqrt(d² + 1e-6), a smooth L1). Computed in fp32.
torch::Tensor pixel_loss(const std::string& kind, const torch::Tensor& output,
                         const torch::Tensor& target);

}  // namespace restora::train

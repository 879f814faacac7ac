#include "train/losses.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "restora/errors.h"

namespace restora::train {

torch::Tensor pixel_loss(const std::string& kind, const torch::Tensor& output,
                         const torch::Tensor& target) {
  const auto difference = output.to(torch::kFloat32) - target.to(torch::kFloat32);
  if (kind == "l1") return difference.abs().mean();
  if (kind == "l2") return difference.square().mean();
  if (kind == "charbonnier") return (difference.square() + 1e-6).sqrt().mean();
  throw InvalidArgument(fmt::format("unknown loss '{}'; known: l1, l2, charbonnier", kind));
}

}  // namespace restora::train

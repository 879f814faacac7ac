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

namespace {

// Binary cross-entropy of `logits` against all-ones (`real`) or all-zeros labels.
torch::Tensor bce(const torch::Tensor& logits, bool real) {
  return torch::binary_cross_entropy_with_logits(
      logits, real ? torch::ones_like(logits) : torch::zeros_like(logits));
}

void check_kind(const std::string& kind) {
  if (kind != "vanilla" && kind != "hinge" && kind != "relativistic")
    throw InvalidArgument(
        fmt::format("unknown adversarial loss '{}'; known: vanilla, hinge, relativistic", kind));
}

}  // namespace

torch::Tensor discriminator_loss(const std::string& kind, const torch::Tensor& real_logits,
                                 const torch::Tensor& fake_logits) {
  check_kind(kind);
  const auto real = real_logits.to(torch::kFloat32), fake = fake_logits.to(torch::kFloat32);
  if (kind == "hinge") return torch::relu(1.0 - real).mean() + torch::relu(1.0 + fake).mean();
  if (kind == "relativistic")
    return 0.5 * (bce(real - fake.mean(), true) + bce(fake - real.mean(), false));
  return bce(real, true) + bce(fake, false);
}

torch::Tensor generator_loss(const std::string& kind, const torch::Tensor& real_logits,
                             const torch::Tensor& fake_logits) {
  check_kind(kind);
  const auto fake = fake_logits.to(torch::kFloat32);
  if (kind == "hinge") return -fake.mean();
  if (kind == "relativistic") {
    const auto real = real_logits.to(torch::kFloat32);
    return 0.5 * (bce(real - fake.mean(), false) + bce(fake - real.mean(), true));
  }
  return bce(fake, true);
}

}  // namespace restora::train

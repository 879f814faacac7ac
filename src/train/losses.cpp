#include "train/losses.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include "restora/errors.h"

namespace restora::train {

torch::Tensor pixel_loss(const std::string& kind, const torch::Tensor& output,
                         const torch::Tensor& target, const torch::Tensor& region) {
  const auto difference = output.to(torch::kFloat32) - target.to(torch::kFloat32);
  torch::Tensor per_pixel;
  if (kind == "l1") per_pixel = difference.abs();
  else if (kind == "l2") per_pixel = difference.square();
  else if (kind == "charbonnier") per_pixel = (difference.square() + 1e-6).sqrt();
  else throw InvalidArgument(fmt::format("unknown loss '{}'; known: l1, l2, charbonnier", kind));
  if (!region.defined()) return per_pixel.mean();
  const auto weight = (region.to(torch::kFloat32) > 0.5).to(torch::kFloat32);
  const auto counted = weight.sum({1, 2, 3}) * per_pixel.size(1);
  const auto per_sample = (per_pixel * weight).sum({1, 2, 3}) / counted.clamp_min(1.0);
  return per_sample.mean();
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

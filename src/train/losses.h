// Training losses: pixel losses between a restored batch and its ground truth, and the
// adversarial losses over a discriminator's logits.
#pragma once

#include <torch/types.h>

#include <string>

namespace restora::train {

// kind: "l1" | "l2" | "charbonnier" (sqrt(d² + 1e-6), a smooth L1). Computed in fp32.
// region (N×1×H×W, 1 = counted; undefined = every pixel): each sample's loss is the mean over its
// region's pixels and channels (0 for an empty region), then the mean over the samples.
torch::Tensor pixel_loss(const std::string& kind, const torch::Tensor& output,
                         const torch::Tensor& target, const torch::Tensor& region = {});

// Adversarial losses over logits of any shape (e.g. one per pixel), computed in fp32.
// kind: "vanilla" (binary cross-entropy), "hinge", or "relativistic" (the relativistic average
// GAN: each side's logits judged against the other side's mean logit).
// The discriminator's loss: real should score real, fake fake.
torch::Tensor discriminator_loss(const std::string& kind, const torch::Tensor& real_logits,
                                 const torch::Tensor& fake_logits);
// The generator's loss: fake should pass as real. `real_logits` is used by "relativistic" only
// (pass them detached).
torch::Tensor generator_loss(const std::string& kind, const torch::Tensor& real_logits,
                             const torch::Tensor& fake_logits);

}  // namespace restora::train

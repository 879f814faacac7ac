// Discriminators for adversarial training: an image in, per-pixel "realness" logits out, plus
// the intermediate features (feature matching compares them between restored and clean images).
// Only training uses them; like the restoration networks they know nothing of files or configs.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace restora::archs {

struct DiscriminatorOutput {
  torch::Tensor logits;                // N×1×H×W, one logit per pixel (or per patch)
  std::vector<torch::Tensor> features;  // the activations after each stage, shallow to deep
};

class DiscriminatorImpl : public torch::nn::Module {
 public:
  // image: N×C×H×W float in [0, 1], H and W multiples of size_multiple().
  virtual DiscriminatorOutput forward(const torch::Tensor& image) = 0;
  virtual int size_multiple() const = 0;
};
using Discriminator = std::shared_ptr<DiscriminatorImpl>;

// Builds a discriminator from its stable id and JSON config; unknown ids and keys throw
// restora::InvalidArgument naming them. The ids are listed in discriminator.cpp, one line each.
Discriminator build_discriminator(const std::string& arch, const nlohmann::json& config);
std::vector<std::string> known_discriminators();

}  // namespace restora::archs

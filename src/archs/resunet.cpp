// Residual U-Net: residual blocks at several resolutions, so a compact network sees a wide
// context (denoising and JPEG artifacts need it). Resolution changes use pixel (un)shuffle
// with a 1×1 convolution: transposed and strided convolutions are several times slower in
// bf16 on CPU (measured with oneDNN 1.13: 1.0 s vs 0.2 s per training step).
//   lq (+ condition) -> head -> [blocks -> unshuffle+1×1]×(L-1) -> blocks
//     -> [1×1+shuffle, + skip, blocks]×(L-1) -> tail -> + lq
// With "mask_input" (inpainting) the condition is the mask m of missing pixels:
//   x = lq·(1−m);  out = x + m·tail(...)   (pixels outside the mask pass through exactly)
// With "out_channels" other than "channels" (a detector) the output is tail(...) alone, no
// residual: out_channels logits per pixel.
#include "archs/resunet.h"

#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/modules/container/modulelist.h>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

torch::nn::Conv2d conv1x1(int64_t in_channels, int64_t out_channels) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in_channels, out_channels, 1));
}

class ResUNetImpl : public RestorationNetworkImpl {
 public:
  ResUNetImpl(int channels, int out_channels, std::vector<int> features, int num_blocks,
              bool condition, bool mask_input)
      : channels_(channels),
        out_channels_(out_channels),
        features_(std::move(features)),
        num_blocks_(num_blocks),
        condition_(condition || mask_input),
        mask_input_(mask_input) {
    const int levels = static_cast<int>(features_.size());
    head = register_module("head", nn::conv3x3(channels + (condition_ ? 1 : 0), features_[0]));
    for (int level = 0; level + 1 < levels; ++level) {
      encoders->push_back(nn::residual_chain(features_[level], num_blocks));
      downs->push_back(conv1x1(features_[level] * 4, features_[level + 1]));
    }
    middle = register_module("middle", nn::residual_chain(features_.back(), num_blocks));
    for (int level = levels - 2; level >= 0; --level) {
      ups->push_back(conv1x1(features_[level + 1], features_[level] * 4));
      decoders->push_back(nn::residual_chain(features_[level], num_blocks));
    }
    register_module("encoders", encoders);
    register_module("downs", downs);
    register_module("ups", ups);
    register_module("decoders", decoders);
    tail = register_module("tail", nn::conv3x3(features_[0], out_channels));
  }

  torch::Tensor forward(const NetworkInput& input) override {
    namespace F = torch::nn::functional;
    // Inpainting: the condition is the mask of missing pixels (1); they are zeroed in the input,
    // the network fills them, and every other pixel passes through exactly.
    const auto kept = mask_input_ ? 1 - input.condition.to(input.lq.dtype()) : torch::Tensor();
    const auto lq = mask_input_ ? input.lq * kept : input.lq;
    auto x = condition_ ? torch::cat({lq, input.condition.to(input.lq.dtype())}, 1) : lq;
    auto h = head(x);
    std::vector<torch::Tensor> skips;
    for (size_t i = 0; i < encoders->size(); ++i) {
      h = encoders[i]->as<torch::nn::Sequential>()->forward(h);
      skips.push_back(h);
      h = downs[i]->as<torch::nn::Conv2d>()->forward(
          F::pixel_unshuffle(h, F::PixelUnshuffleFuncOptions(2)));
    }
    h = middle->forward(h);
    for (size_t i = 0; i < decoders->size(); ++i) {
      h = F::pixel_shuffle(ups[i]->as<torch::nn::Conv2d>()->forward(h),
                           F::PixelShuffleFuncOptions(2)) +
          skips[skips.size() - 1 - i];
      h = decoders[i]->as<torch::nn::Sequential>()->forward(h);
    }
    if (mask_input_) return lq + (1 - kept) * tail(h).to(lq.dtype());
    if (out_channels_ != channels_) return tail(h);
    return input.lq + tail(h);
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    const int levels = static_cast<int>(features_.size());
    traits.size_multiple = 1 << (levels - 1);
    // Each 3×3 conv at level l widens the field by 2^l input pixels per side.
    int radius = 2;
    for (int level = 0; level + 1 < levels; ++level) radius += (4 * num_blocks_ + 1) << level;
    radius += (2 * num_blocks_) << (levels - 1);
    // Plus the (un)shuffle grid: a coarse pixel spans up to size_multiple - 1 finer ones.
    traits.receptive_radius = radius + traits.size_multiple;
    traits.channels = channels_;
    if (out_channels_ != channels_) traits.out_channels = out_channels_;
    traits.condition_channels = condition_ ? 1 : 0;
    return traits;
  }

 private:
  int channels_, out_channels_;
  std::vector<int> features_;
  int num_blocks_;
  bool condition_;
  bool mask_input_;
  torch::nn::Conv2d head{nullptr}, tail{nullptr};
  torch::nn::ModuleList encoders, downs, ups, decoders;
  torch::nn::Sequential middle{nullptr};
};

}  // namespace

RestorationNetwork make_resunet(const nlohmann::json& config) {
  config::JsonReader read("arch 'resunet'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int out_channels = read.get_int("out_channels", channels, 1, 4);
  const auto features = read.get_ints("num_features", {32, 64, 128}, 1, 4096);
  const int num_blocks = read.get_int("num_blocks", 2, 1, 64);
  const bool condition = read.get_bool("condition", false);
  const bool mask_input = read.get_bool("mask_input", false);
  read.finish();
  if (features.size() > 6)
    throw InvalidArgument("arch 'resunet': at most 6 levels in 'num_features'");
  if (mask_input && out_channels != channels)
    throw InvalidArgument("arch 'resunet': 'mask_input' fills the image: 'out_channels' must be 'channels'");
  return std::make_shared<ResUNetImpl>(channels, out_channels, features, num_blocks, condition, mask_input);
}

}  // namespace restora::archs

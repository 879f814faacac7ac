#include "archs/recurrent.h"

#include <fmt/format.h>
#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/functional/vision.h>
#include <torch/torch.h>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "nn/precision.h"
#include "restora/errors.h"

namespace restora::archs {

torch::Tensor RecurrentNetworkImpl::forward(const NetworkInput& input) {
  RecurrentState state;
  if (input.lq.dim() == 4) return step(input.lq, input.scale, state);
  if (input.lq.dim() != 5)
    throw InvalidArgument(fmt::format("a recurrent network takes N×T×C×H×W or N×C×H×W, not {}-D",
                                      input.lq.dim()));
  std::vector<torch::Tensor> outputs;
  for (int64_t t = 0; t < input.lq.size(1); ++t)
    outputs.push_back(step(input.lq.select(1, t), input.scale, state));
  return torch::stack(outputs, 1);
}

namespace {

namespace F = torch::nn::functional;

// Samples `image` (N×C×H×W) at each pixel's position plus `flow` (N×2×H×W, x then y, pixels);
// outside the frame the border pixel.
torch::Tensor warp(const torch::Tensor& image, const torch::Tensor& flow) {
  const int64_t height = image.size(2), width = image.size(3);
  const auto options = flow.options().dtype(torch::kFloat32);
  const auto ys = torch::arange(height, options).view({1, height, 1}).expand({1, height, width});
  const auto xs = torch::arange(width, options).view({1, 1, width}).expand({1, height, width});
  const auto motion = flow.to(torch::kFloat32);
  // align_corners: -1 and 1 are the centres of the corner pixels.
  const auto gx = (xs + motion.select(1, 0)) * (2.0 / std::max<int64_t>(width - 1, 1)) - 1.0;
  const auto gy = (ys + motion.select(1, 1)) * (2.0 / std::max<int64_t>(height - 1, 1)) - 1.0;
  return F::grid_sample(image.to(torch::kFloat32), torch::stack({gx, gy}, 3),
                        F::GridSampleFuncOptions()
                            .mode(torch::kBilinear)
                            .padding_mode(torch::kBorder)
                            .align_corners(true));
}

class RecurrentImpl : public RecurrentNetworkImpl {
 public:
  RecurrentImpl(int channels, int num_features, int num_blocks, int scale, bool flow)
      : channels_(channels), features_(num_features), num_blocks_(num_blocks), scale_(scale),
        flow_(flow) {
    // The current frame's channels come first, so a single-image network's first convolution
    // can start this one (train init_partial widens it with zeros).
    const int64_t in = 2 * channels + num_features + channels * scale * scale;
    head = register_module("head", nn::conv3x3(in, num_features));
    body = register_module("body", nn::residual_chain(num_features, num_blocks));
    body_end = register_module("body_end", nn::conv3x3(num_features, num_features));
    up = register_module(fmt::format("up_x{}", scale), nn::PixelShuffleHead(num_features, channels, scale));
    hidden = register_module("hidden", nn::conv3x3(num_features, num_features));
    if (flow_) {
      motion = register_module("motion", nn::plain_chain(2 * channels, 32, 2, kFlowDepth));
      // The last convolution starts at zero: no motion, the warps are the identity.
      torch::NoGradGuard no_grad;
      for (auto& parameter : motion->children().back()->parameters()) parameter.zero_();
    }
  }

  torch::Tensor step(const torch::Tensor& lq_in, int scale, RecurrentState& state) override {
    if (scale != scale_)
      throw ModelMismatch(fmt::format("this network restores at x{}, not x{}", scale_, scale));
    // Frames take the weights' memory layout (channels-last under bf16).
    const bool channels_last = head->weight.is_contiguous(torch::MemoryFormat::ChannelsLast);
    const auto layout = channels_last ? torch::MemoryFormat::ChannelsLast : torch::MemoryFormat::Contiguous;
    const auto lq = nn::in_layout(lq_in, layout);
    const int64_t n = lq.size(0), height = lq.size(2), width = lq.size(3);
    if (state.empty()) {
      state.previous_lq = lq;
      state.hidden = torch::zeros({n, features_, height, width}, lq.options());
      state.previous_out = torch::zeros({n, channels_ * scale_ * scale_, height, width}, lq.options());
    }
    auto previous_hidden = state.hidden;
    auto previous_out = state.previous_out;
    if (flow_) {
      // Clamped, so that the state's reach per frame is bounded (the tiles' overlap relies on it).
      const auto flow =
          motion->forward(torch::cat({lq, state.previous_lq}, 1)).to(torch::kFloat32).clamp(-kMaxFlow, kMaxFlow);
      previous_hidden = warp(previous_hidden, flow);
      if (scale_ == 1) {
        previous_out = warp(previous_out, flow);
      } else {
        const auto unfolded = F::pixel_shuffle(previous_out, F::PixelShuffleFuncOptions(scale_));
        const auto fine = F::interpolate(flow, F::InterpolateFuncOptions()
                                                   .scale_factor(std::vector<double>{double(scale_), double(scale_)})
                                                   .mode(torch::kBilinear)
                                                   .align_corners(false)) * scale_;
        previous_out = F::pixel_unshuffle(warp(unfolded, fine), F::PixelUnshuffleFuncOptions(scale_));
      }
      previous_hidden = nn::in_layout(previous_hidden, layout);
      previous_out = nn::in_layout(previous_out, layout);
    }
    auto features = head(torch::cat({lq, state.previous_lq, previous_hidden, previous_out}, 1));
    features = features + body_end(body->forward(features));
    auto out = nn::shuffle_on_anchor(up->expand(features), lq, scale_);
    state.previous_lq = lq;
    state.hidden = torch::relu(hidden(features));
    state.previous_out =
        scale_ == 1 ? out : F::pixel_unshuffle(out, F::PixelUnshuffleFuncOptions(scale_));
    return out;
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = {scale_};
    // One frame's reach; through the state it grows by this much per frame (the video engine's
    // tiles account for it).
    traits.receptive_radius = 2 * num_blocks_ + 4 + (flow_ ? kFlowDepth + 2 + kMaxFlow : 0);
    traits.recurrent = true;
    return traits;
  }

 private:
  static constexpr int kFlowDepth = 6;
  static constexpr int kMaxFlow = 16;  // input pixels per frame, each way
  int channels_, features_, num_blocks_, scale_;
  bool flow_;
  torch::nn::Conv2d head{nullptr}, body_end{nullptr}, hidden{nullptr};
  torch::nn::Sequential body{nullptr}, motion{nullptr};
  nn::PixelShuffleHead up{nullptr};
};

}  // namespace

RestorationNetwork make_recurrent(const nlohmann::json& config) {
  config::JsonReader read("arch 'recurrent'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int num_features = read.get_int("num_features", 64, 1, 1024);
  const int num_blocks = read.get_int("num_blocks", 8, 1, 256);
  const int scale = read.get_int("scale", 4, 1, 8);
  const auto alignment = read.get_string("alignment", "none", {"none", "flow"});
  read.finish();
  return std::make_shared<RecurrentImpl>(channels, num_features, num_blocks, scale,
                                         alignment == "flow");
}

}  // namespace restora::archs

// The interface every restoration network implements, and its registry.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>

#include <memory>
#include <string>
#include <vector>

namespace restora::archs {

// What a network sees. Networks know nothing of files, configs or OpenCV.
struct NetworkInput {
  torch::Tensor lq;         // N×C×H×W float in the model's input range
  // Undefined, or N×K×H×W: the model's K per-pixel condition maps (image/condition_maps.h) in the
  // order its metadata names them, e.g. the known noise σ/255 or the JPEG quality/100.
  torch::Tensor condition;
  int scale = 1;            // output scale requested from a multi-scale network
  // Undefined, or N×1×k×k fp32 (k odd, sum 1, centred): the blur kernel of non-blind deblurring
  // (NetworkTraits::takes_kernel); convolution, not correlation.
  torch::Tensor kernel;
};

// Static facts the engine needs to feed a network correctly.
struct NetworkTraits {
  int channels = 3;            // image channels in (the condition maps are extra) and out
  int out_channels = 0;        // when not 0: the output's channels differ (a detector's logits)
  std::vector<int> scales{1};  // output/input size ratios it can produce
  int size_multiple = 1;       // H and W must be multiples of this (the engine pads)
  int receptive_radius = 0;    // input pixels on each side that influence an output pixel
  int condition_channels = 0;  // K, the condition maps it takes
  bool takes_kernel = false;   // needs NetworkInput::kernel
  // A tile's output depends on where the tile lies, not only on its context: a layer pools
  // over its whole input (channel attention) or partitions it into windows anchored at its
  // corner (shifted-window attention). The engine runs such images whole when the memory
  // budget holds them.
  bool tile_dependent = false;
  // A video network (archs/recurrent.h): it carries a state from frame to frame, so it runs
  // through the video engine (restore/video_engine.h); given one image it restores it as the
  // first frame of a clip.
  bool recurrent = false;
  int output_channels() const { return out_channels ? out_channels : channels; }
};

class RestorationNetworkImpl : public torch::nn::Module {
 public:
  // -> N×C_out×(scale·H)×(scale·W)
  virtual torch::Tensor forward(const NetworkInput& input) = 0;
  virtual NetworkTraits traits() const = 0;
};
using RestorationNetwork = std::shared_ptr<RestorationNetworkImpl>;

// Builds a network from its stable id and JSON config; unknown ids and config keys throw
// restora::InvalidArgument naming them. The ids live in registry.cpp, one line each.
RestorationNetwork build_network(const std::string& arch, const nlohmann::json& config);
std::vector<std::string> known_archs();

}  // namespace restora::archs

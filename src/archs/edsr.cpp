// EDSR-style super-resolution (Lim et al. 2017) with one shared body and a pixel-shuffle
// head per scale (as MDSR), plus a nearest-neighbour anchor so the heads predict a residual.
//   lq -> head -> residual blocks -> conv, + head output (global skip)
//      -> conv to C·s² channels, + lq repeated s² times -> pixel shuffle -> sr
#include "archs/edsr.h"

#include <fmt/format.h>

#include <map>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

class EDSRImpl : public RestorationNetworkImpl {
 public:
  EDSRImpl(int channels, int num_features, int num_blocks, std::vector<int> scales,
           double res_scale)
      : channels_(channels), num_blocks_(num_blocks), scales_(std::move(scales)) {
    head = register_module("head", nn::conv3x3(channels, num_features));
    body = register_module("body", nn::residual_chain(num_features, num_blocks, res_scale));
    body_end = register_module("body_end", nn::conv3x3(num_features, num_features));
    for (int scale : scales_)
      upsamplers.emplace(scale, register_module(fmt::format("up_x{}", scale),
                                                nn::PixelShuffleHead(num_features, channels, scale)));
  }

  torch::Tensor forward(const NetworkInput& input) override {
    auto found = upsamplers.find(input.scale);
    if (found == upsamplers.end())
      throw ModelMismatch(fmt::format("this network has no x{} head", input.scale));
    const int scale = input.scale;
    auto features = head(input.lq);
    features = features + body_end(body->forward(features));
    return nn::shuffle_on_anchor(found->second->expand(features), input.lq, scale);
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = scales_;
    traits.receptive_radius = 2 * num_blocks_ + 3;
    return traits;
  }

 private:
  int channels_;
  int num_blocks_;
  std::vector<int> scales_;
  torch::nn::Conv2d head{nullptr}, body_end{nullptr};
  torch::nn::Sequential body{nullptr};
  std::map<int, nn::PixelShuffleHead> upsamplers;
};

}  // namespace

RestorationNetwork make_edsr(const nlohmann::json& config) {
  config::JsonReader read("arch 'edsr'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int num_features = read.get_int("num_features", 64, 1, 1024);
  const int num_blocks = read.get_int("num_blocks", 16, 1, 256);
  const auto scales = read.get_ints("scales", {2}, 2, 8);
  const double res_scale = read.get_double("res_scale", 1.0, 0.0, 10.0);
  read.finish();
  return std::make_shared<EDSRImpl>(channels, num_features, num_blocks, scales, res_scale);
}

}  // namespace restora::archs

// RCAN as BasicSR defines it (Zhang et al. 2018; imported models): EDSR's frame (the input
// shifted by the DIV2K mean and scaled to [0, 255], a global skip, pixel-shuffle upsampling)
// around residual groups of residual channel-attention blocks:
//   RCAB: x + s·CA(conv(relu(conv(x)))),  CA(y) = y·sigmoid(conv1x1(relu(conv1x1(mean_HW(y)))))
//   group: x + conv(RCAB^n(x))
// The channel attention averages each channel over the whole input: a tile's statistics are not
// the image's, so the network declares tile_dependent and the engine runs images whole when
// the memory budget holds them. Parameter names follow BasicSR (conv_first,
// body.G.residual_group.B.rcab.{0,2,3.attention.{1,3}}, body.G.conv, conv_after_body,
// upsample.N, conv_last).
#include "archs/rcan.h"

#include <fmt/format.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pixelshuffle.h>
#include <torch/nn/modules/pooling.h>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

torch::nn::Conv2d conv1x1(int in, int out) {
  return torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 1));
}

struct ChannelAttentionImpl : torch::nn::Module {
  ChannelAttentionImpl(int features, int squeezed) {
    attention = register_module(
        "attention", torch::nn::Sequential(torch::nn::AdaptiveAvgPool2d(1), conv1x1(features, squeezed),
                                           torch::nn::ReLU(), conv1x1(squeezed, features),
                                           torch::nn::Sigmoid()));
  }
  torch::Tensor forward(const torch::Tensor& x) { return x * attention->forward(x); }
  torch::nn::Sequential attention{nullptr};
};
TORCH_MODULE(ChannelAttention);

struct RCABImpl : torch::nn::Module {
  RCABImpl(int features, int squeezed, double res_scale) : res_scale(res_scale) {
    rcab = register_module("rcab", torch::nn::Sequential(nn::conv3x3(features, features), torch::nn::ReLU(),
                                                         nn::conv3x3(features, features),
                                                         ChannelAttention(features, squeezed)));
  }
  torch::Tensor forward(const torch::Tensor& x) { return rcab->forward(x) * res_scale + x; }
  double res_scale;
  torch::nn::Sequential rcab{nullptr};
};
TORCH_MODULE(RCAB);

struct ResidualGroupImpl : torch::nn::Module {
  ResidualGroupImpl(int features, int blocks, int squeezed, double res_scale) {
    residual_group = register_module("residual_group", torch::nn::Sequential());
    for (int b = 0; b < blocks; ++b) residual_group->push_back(RCAB(features, squeezed, res_scale));
    conv = register_module("conv", nn::conv3x3(features, features));
  }
  torch::Tensor forward(const torch::Tensor& x) { return conv(residual_group->forward(x)) + x; }
  torch::nn::Sequential residual_group{nullptr};
  torch::nn::Conv2d conv{nullptr};
};
TORCH_MODULE(ResidualGroup);

class RCANImpl : public RestorationNetworkImpl {
 public:
  RCANImpl(int channels, int features, int groups, int blocks, int squeezed, int scale,
           double res_scale, double range)
      : channels_(channels), groups_(groups), blocks_(blocks), scale_(scale), range_(range) {
    conv_first = register_module("conv_first", nn::conv3x3(channels, features));
    body = register_module("body", torch::nn::Sequential());
    for (int g = 0; g < groups; ++g) body->push_back(ResidualGroup(features, blocks, squeezed, res_scale));
    conv_after_body = register_module("conv_after_body", nn::conv3x3(features, features));
    upsample = register_module("upsample", nn::basicsr_upsample(features, scale, "rcan"));
    conv_last = register_module("conv_last", nn::conv3x3(features, channels));
    mean_ = nn::div2k_mean();
  }

  torch::Tensor forward(const NetworkInput& input) override {
    const auto mean = mean_.to(input.lq.dtype());
    auto x = conv_first((input.lq - mean) * range_);
    const auto res = conv_after_body(body->forward(x)) + x;
    return conv_last(upsample->forward(res)) / range_ + mean;
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = {scale_};
    // The convolutions' reach; the channel attention reaches the whole image beyond it.
    traits.receptive_radius = groups_ * (2 * blocks_ + 1) + 4;
    traits.tile_dependent = true;
    return traits;
  }

 private:
  int channels_, groups_, blocks_, scale_;
  double range_;
  torch::Tensor mean_;
  torch::nn::Conv2d conv_first{nullptr}, conv_after_body{nullptr}, conv_last{nullptr};
  torch::nn::Sequential body{nullptr}, upsample{nullptr};
};

}  // namespace

RestorationNetwork make_rcan(const nlohmann::json& config) {
  config::JsonReader read("arch 'rcan'", config);
  const int channels = read.get_int("channels", 3, 3, 3);
  const int features = read.get_int("num_features", 64, 1, 1024);
  const int groups = read.get_int("num_groups", 10, 1, 64);
  const int blocks = read.get_int("num_blocks", 20, 1, 256);
  const int squeezed = read.get_int("num_squeezed", 4, 1, 1024);  // features / squeeze_factor
  const int scale = read.get_int("scale", 4, 2, 8);
  const double res_scale = read.get_double("res_scale", 1.0, 0.0, 10.0);
  const double range = read.get_double("img_range", 255.0, 1e-3, 1e6);
  read.finish();
  return std::make_shared<RCANImpl>(channels, features, groups, blocks, squeezed, scale, res_scale,
                                    range);
}

}  // namespace restora::archs

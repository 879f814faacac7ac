// EDSR as BasicSR defines it (Lim et al. 2017; imported models): the input shifted by the DIV2K
// mean and scaled to [0, 255], residual blocks, a global skip, pixel-shuffle upsampling in ×2
// steps (or one ×3), a last conv, and the shift undone.
//   x -> (x − mean)·range -> conv_first -> + conv_after_body(blocks) -> upsample -> conv_last
//     -> /range + mean
// Parameter names follow BasicSR (conv_first, body.N.conv1, conv_after_body, upsample.0,
// conv_last). Restora's own `edsr` is a different design (per-scale heads, a nearest anchor).
#include "archs/basicsr_edsr.h"

#include <fmt/format.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/pixelshuffle.h>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

class BasicSREDSRImpl : public RestorationNetworkImpl {
 public:
  BasicSREDSRImpl(int channels, int features, int blocks, int scale, double res_scale, double range)
      : channels_(channels), blocks_(blocks), scale_(scale), range_(range) {
    conv_first = register_module("conv_first", nn::conv3x3(channels, features));
    body = register_module("body", nn::residual_chain(features, blocks, res_scale));
    conv_after_body = register_module("conv_after_body", nn::conv3x3(features, features));
    upsample = register_module("upsample", nn::basicsr_upsample(features, scale, "basicsr_edsr"));
    conv_last = register_module("conv_last", nn::conv3x3(features, channels));
    mean_ = nn::div2k_mean();  // BasicSR's default rgb_mean (not a stored tensor there either)
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
    traits.receptive_radius = 2 * blocks_ + 4;
    return traits;
  }

 private:
  int channels_, blocks_, scale_;
  double range_;
  torch::Tensor mean_;
  torch::nn::Conv2d conv_first{nullptr}, conv_after_body{nullptr}, conv_last{nullptr};
  torch::nn::Sequential body{nullptr}, upsample{nullptr};
};

}  // namespace

RestorationNetwork make_basicsr_edsr(const nlohmann::json& config) {
  config::JsonReader read("arch 'basicsr_edsr'", config);
  const int channels = read.get_int("channels", 3, 3, 3);
  const int features = read.get_int("num_features", 64, 1, 1024);
  const int blocks = read.get_int("num_blocks", 16, 1, 256);
  const int scale = read.get_int("scale", 4, 2, 8);
  const double res_scale = read.get_double("res_scale", 1.0, 0.0, 10.0);
  const double range = read.get_double("img_range", 255.0, 1e-3, 1e6);
  read.finish();
  return std::make_shared<BasicSREDSRImpl>(channels, features, blocks, scale, res_scale, range);
}

}  // namespace restora::archs

// SRVGGNetCompact (Wang et al. 2021, Real-ESRGAN's compact models): a plain chain of 3×3
// convolutions with PReLU, all at low resolution, a pixel shuffle, plus the nearest-neighbour
// upsampled input.
//   lq -> conv, prelu -> num_convs × [conv, prelu] -> conv to C·s² -> shuffle -> + nearest(lq)
// Parameter names follow the published layout (body.0.weight, body.1.weight, ...), so imported
// weights (restora import) load by name.
#include "archs/srvgg.h"

#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/sequential.h>

#include "config/json_reader.h"
#include "nn/blocks.h"

namespace restora::archs {
namespace {

namespace F = torch::nn::functional;

class SRVGGImpl : public RestorationNetworkImpl {
 public:
  SRVGGImpl(int channels, int num_features, int num_convs, int scale)
      : channels_(channels), num_convs_(num_convs), scale_(scale) {
    body = torch::nn::Sequential();
    const auto prelu = [&] {
      return torch::nn::PReLU(torch::nn::PReLUOptions().num_parameters(num_features));
    };
    body->push_back(nn::conv3x3(channels, num_features));
    body->push_back(prelu());
    for (int i = 0; i < num_convs; ++i) {
      body->push_back(nn::conv3x3(num_features, num_features));
      body->push_back(prelu());
    }
    body->push_back(nn::conv3x3(num_features, channels * scale * scale));
    register_module("body", body);
  }

  torch::Tensor forward(const NetworkInput& input) override {
    auto out = body->forward(input.lq);
    if (scale_ > 1) out = F::pixel_shuffle(out, F::PixelShuffleFuncOptions(scale_));
    const auto base =
        scale_ == 1 ? input.lq
                    : F::interpolate(input.lq, F::InterpolateFuncOptions()
                                                   .scale_factor(std::vector<double>{1.0 * scale_, 1.0 * scale_})
                                                   .mode(torch::kNearest));
    return out + base;
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = {scale_};
    traits.receptive_radius = num_convs_ + 2;
    return traits;
  }

 private:
  torch::nn::Sequential body{nullptr};
  int channels_;
  int num_convs_;
  int scale_;
};

}  // namespace

RestorationNetwork make_srvgg(const nlohmann::json& config) {
  config::JsonReader read("arch 'srvgg'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int num_features = read.get_int("num_features", 64, 1, 1024);
  const int num_convs = read.get_int("num_convs", 16, 0, 256);
  const int scale = read.get_int("scale", 4, 1, 8);
  read.finish();
  return std::make_shared<SRVGGImpl>(channels, num_features, num_convs, scale);
}

}  // namespace restora::archs

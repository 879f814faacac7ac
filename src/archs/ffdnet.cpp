// FFDNet (Zhang et al. 2018; KAIR's layout, imported): the image pixel-unshuffled by 2, the noise
// level map beside it at half resolution, a plain conv+ReLU chain, then a pixel shuffle back.
//   lq (H, W even), σ map -> unshuffle(lq) ⊕ σ map[::2, ::2] -> conv+relu -> (depth-2)×[conv+relu]
//      -> conv to 4C -> shuffle
// The body is dncnn's (nn::plain_chain): parameter names body.{2i}.weight.
#include "archs/ffdnet.h"

#include <torch/nn/functional/pixelshuffle.h>
#include <torch/nn/modules/container/sequential.h>

#include "config/json_reader.h"
#include "nn/blocks.h"

namespace restora::archs {
namespace {

class FFDNetImpl : public RestorationNetworkImpl {
 public:
  FFDNetImpl(int channels, int num_features, int depth) : channels_(channels), depth_(depth) {
    body = nn::plain_chain(4 * channels + 1, num_features, 4 * channels, depth);
    register_module("body", body);
  }

  torch::Tensor forward(const NetworkInput& input) override {
    namespace F = torch::nn::functional;
    const auto down = torch::pixel_unshuffle(input.lq, 2);
    using torch::indexing::None;
    using torch::indexing::Slice;
    const auto sigma = input.condition.index({Slice(), Slice(), Slice(None, None, 2), Slice(None, None, 2)})
                           .to(down.dtype());
    return F::pixel_shuffle(body->forward(torch::cat({down, sigma}, 1)),
                            F::PixelShuffleFuncOptions(2));
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.size_multiple = 2;
    traits.receptive_radius = 2 * depth_ + 1;
    traits.condition_channels = 1;
    return traits;
  }

 private:
  torch::nn::Sequential body{nullptr};
  int channels_;
  int depth_;
};

}  // namespace

RestorationNetwork make_ffdnet(const nlohmann::json& config) {
  config::JsonReader read("arch 'ffdnet'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int num_features = read.get_int("num_features", 64, 1, 1024);
  const int depth = read.get_int("depth", 15, 3, 200);
  read.finish();
  return std::make_shared<FFDNetImpl>(channels, num_features, depth);
}

}  // namespace restora::archs

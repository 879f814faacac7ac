// DnCNN (Zhang et al. 2017): a plain deep CNN that predicts the residual (the noise).
//   lq (+ condition map) -> conv+relu -> (depth-2)×[conv (+bn) + relu] -> conv -> + lq
// With "residual": false the last conv's output is the image itself (KAIR's FDnCNN, imported).
#include "archs/dncnn.h"

#include <torch/nn/modules/container/sequential.h>

#include "config/json_reader.h"
#include "nn/blocks.h"

namespace restora::archs {
namespace {

class DnCNNImpl : public RestorationNetworkImpl {
 public:
  DnCNNImpl(int channels, int num_features, int depth, bool batch_norm, bool condition,
            bool residual)
      : channels_(channels), condition_(condition), residual_(residual), depth_(depth) {
    body = nn::plain_chain(channels + (condition ? 1 : 0), num_features, channels, depth,
                           batch_norm);
    register_module("body", body);
  }

  torch::Tensor forward(const NetworkInput& input) override {
    auto x = condition_ ? torch::cat({input.lq, input.condition.to(input.lq.dtype())}, 1)
                        : input.lq;
    return residual_ ? input.lq + body->forward(x) : body->forward(x);
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.receptive_radius = depth_;
    traits.condition_channels = condition_ ? 1 : 0;
    return traits;
  }

 private:
  torch::nn::Sequential body{nullptr};
  int channels_;
  bool condition_;
  bool residual_;
  int depth_;
};

}  // namespace

RestorationNetwork make_dncnn(const nlohmann::json& config) {
  config::JsonReader read("arch 'dncnn'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int num_features = read.get_int("num_features", 64, 1, 1024);
  const int depth = read.get_int("depth", 17, 3, 200);
  const bool batch_norm = read.get_bool("batch_norm", false);
  const bool condition = read.get_bool("condition", false);
  const bool residual = read.get_bool("residual", true);
  read.finish();
  return std::make_shared<DnCNNImpl>(channels, num_features, depth, batch_norm, condition,
                                     residual);
}

}  // namespace restora::archs

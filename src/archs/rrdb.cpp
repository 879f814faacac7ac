// RRDBNet (Wang et al. 2018, ESRGAN; also Real-ESRGAN and BSRGAN): residual-in-residual dense
// blocks at low resolution, then nearest ×2 upsampling steps each followed by a conv.
//   lq -> [pixel unshuffle u] -> conv_first -> + conv_body(num_blocks × RRDB)
//      -> up_steps × [nearest ×2, conv_up, lrelu] -> conv_hr, lrelu -> conv_last
// The output scale is 2^up_steps / u: Real-ESRGAN's x2 model unshuffles by 2 and upsamples
// twice. Parameter names follow BasicSR's layout (conv_first, body.0.rdb1.conv1, conv_body,
// conv_up1, conv_hr, conv_last), so imported weights load by name.
#include "archs/rrdb.h"

#include <fmt/format.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/container/modulelist.h>

#include <cmath>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

namespace F = torch::nn::functional;

torch::Tensor lrelu(const torch::Tensor& x) {
  return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.2));
}

// Five densely connected convs; x + 0.2 · conv5(...)
class DenseBlockImpl : public torch::nn::Module {
 public:
  DenseBlockImpl(int features, int grow) {
    for (int i = 0; i < 5; ++i) {
      convs.push_back(register_module(fmt::format("conv{}", i + 1),
                                      nn::conv3x3(features + i * grow, i == 4 ? features : grow)));
    }
  }
  torch::Tensor forward(const torch::Tensor& x) {
    std::vector<torch::Tensor> all{x};
    for (int i = 0; i < 4; ++i) all.push_back(lrelu(convs[i](torch::cat(all, 1))));
    return convs[4](torch::cat(all, 1)) * 0.2 + x;
  }

 private:
  std::vector<torch::nn::Conv2d> convs;
};
TORCH_MODULE(DenseBlock);

class RRDBImpl : public torch::nn::Module {
 public:
  RRDBImpl(int features, int grow)
      : rdb1(register_module("rdb1", DenseBlock(features, grow))),
        rdb2(register_module("rdb2", DenseBlock(features, grow))),
        rdb3(register_module("rdb3", DenseBlock(features, grow))) {}
  torch::Tensor forward(const torch::Tensor& x) { return rdb3(rdb2(rdb1(x))) * 0.2 + x; }

 private:
  DenseBlock rdb1, rdb2, rdb3;
};
TORCH_MODULE(RRDB);

class RRDBNetImpl : public RestorationNetworkImpl {
 public:
  RRDBNetImpl(int channels, int features, int blocks, int grow, int up_steps, int unshuffle)
      : channels_(channels), blocks_(blocks), up_steps_(up_steps), unshuffle_(unshuffle) {
    conv_first = register_module("conv_first", nn::conv3x3(channels * unshuffle * unshuffle, features));
    body = torch::nn::Sequential();
    for (int i = 0; i < blocks; ++i) body->push_back(RRDB(features, grow));
    register_module("body", body);
    conv_body = register_module("conv_body", nn::conv3x3(features, features));
    for (int i = 0; i < up_steps; ++i) {
      conv_up.push_back(register_module(fmt::format("conv_up{}", i + 1), nn::conv3x3(features, features)));
    }
    conv_hr = register_module("conv_hr", nn::conv3x3(features, features));
    conv_last = register_module("conv_last", nn::conv3x3(features, channels));
  }

  torch::Tensor forward(const NetworkInput& input) override {
    auto x = unshuffle_ > 1 ? torch::pixel_unshuffle(input.lq, unshuffle_) : input.lq;
    auto feat = conv_first(x);
    feat = feat + conv_body(body->forward(feat));
    for (auto& conv : conv_up) {
      feat = F::interpolate(feat, F::InterpolateFuncOptions()
                                      .scale_factor(std::vector<double>{2.0, 2.0})
                                      .mode(torch::kNearest));
      feat = lrelu(conv(feat));
    }
    return conv_last(lrelu(conv_hr(feat)));
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = {(1 << up_steps_) / unshuffle_};
    traits.size_multiple = unshuffle_;
    // conv_first, 15 convs a block and conv_body at 1/unshuffle of the input; the upsampling
    // tail adds less than 2 of those pixels.
    traits.receptive_radius = unshuffle_ * (4 + 15 * blocks_);
    return traits;
  }

 private:
  int channels_, blocks_, up_steps_, unshuffle_;
  torch::nn::Conv2d conv_first{nullptr}, conv_body{nullptr}, conv_hr{nullptr}, conv_last{nullptr};
  torch::nn::Sequential body{nullptr};
  std::vector<torch::nn::Conv2d> conv_up;
};

}  // namespace

RestorationNetwork make_rrdb(const nlohmann::json& config) {
  config::JsonReader read("arch 'rrdb'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int features = read.get_int("num_features", 64, 1, 1024);
  const int blocks = read.get_int("num_blocks", 23, 1, 256);
  const int grow = read.get_int("num_grow", 32, 1, 1024);
  const int up_steps = read.get_int("up_steps", 2, 0, 3);
  const int unshuffle = read.get_int("unshuffle", 1, 1, 4);
  read.finish();
  if (unshuffle == 3 || (1 << up_steps) < unshuffle) {
    throw InvalidArgument(fmt::format(
        "arch 'rrdb': unshuffle {} with {} upsampling steps is not a scale of 1 or more",
        unshuffle, up_steps));
  }
  return std::make_shared<RRDBNetImpl>(channels, features, blocks, grow, up_steps, unshuffle);
}

}  // namespace restora::archs

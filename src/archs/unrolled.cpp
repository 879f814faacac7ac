// Non-blind deblurring by unrolled half-quadratic splitting (after USRNet, Zhang et al. 2020):
// `stages` rounds of a closed-form FFT data step (nn/fourier_blur.h) and a learned prior, a
// residual U-Net shared by every stage and told the stage's noise level as a condition map.
// A small hyper-network turns the known noise σ into each stage's data weight α_s and prior
// level β_s:
//   z₀ = y;  x_s = argmin ‖k ⊛ x − y‖² + α_s‖x − z_{s−1}‖²;  z_s = prior(x_s, β_s);  out = z_S
// The data step assumes circular boundaries (exact for the deblurring protocol's blur).
#include "archs/unrolled.h"

#include <torch/torch.h>

#include <cmath>

#include "archs/resunet.h"
#include "config/json_reader.h"
#include "nn/fourier_blur.h"

namespace restora::archs {
namespace {

double inverse_softplus(double y) { return std::log(std::expm1(y)); }

// x (N×C×H×W) mirrored at the bottom and right to multiples of `multiple` (a copy of the last
// rows where the image is too small to mirror).
torch::Tensor pad_to_multiple(const torch::Tensor& x, int64_t multiple) {
  namespace F = torch::nn::functional;
  const auto bottom = (multiple - x.size(2) % multiple) % multiple;
  const auto right = (multiple - x.size(3) % multiple) % multiple;
  if (!bottom && !right) return x;
  F::PadFuncOptions options({0, right, 0, bottom});
  if (bottom < x.size(2) && right < x.size(3))
    options.mode(torch::kReflect);
  else
    options.mode(torch::kReplicate);
  return F::pad(x, options);
}

class UnrolledImpl : public RestorationNetworkImpl {
 public:
  UnrolledImpl(int channels, int stages, const std::vector<int>& features, int num_blocks)
      : stages_(stages), prior_multiple_(1 << (static_cast<int>(features.size()) - 1)) {
    prior = register_module("prior", make_resunet({{"channels", channels},
                                                   {"num_features", features},
                                                   {"num_blocks", num_blocks},
                                                   {"condition", true}}));
    hyper = register_module(
        "hyper", torch::nn::Sequential(torch::nn::Linear(1, 64), torch::nn::ReLU(),
                                       torch::nn::Linear(64, 64), torch::nn::ReLU(),
                                       torch::nn::Linear(64, 2 * stages)));
    // Start from a DPIR-like schedule: the data weight α rising and the prior's level β falling
    // geometrically over the stages, whatever σ (the last layer's weights start small).
    auto last = hyper[4]->as<torch::nn::Linear>();
    torch::NoGradGuard no_grad;
    last->weight.mul_(0.1);
    for (int s = 0; s < stages; ++s) {
      const double t = stages > 1 ? static_cast<double>(s) / (stages - 1) : 1.0;
      last->bias[s].fill_(inverse_softplus(0.002 * std::pow(50.0, t)));
      last->bias[stages + s].fill_(inverse_softplus(0.12 * std::pow(0.1, t)));
    }
  }

  torch::Tensor forward(const NetworkInput& input) override {
    const auto n = input.lq.size(0);
    const auto sigma = input.condition.to(torch::kFloat).mean({2, 3});  // N×1, σ/255
    const auto levels =
        torch::softplus(hyper->forward(sigma * (255.0 / 50.0)).to(torch::kFloat)) + 1e-6;
    auto kernel = input.kernel;
    if (kernel.size(0) != n) kernel = kernel.expand({n, -1, -1, -1});
    const nn::FourierBlur blur(kernel, input.lq);
    const auto format = input.lq.suggest_memory_format();
    auto z = input.lq;
    for (int s = 0; s < stages_; ++s) {
      const auto alpha = levels.select(1, s).view({n, 1, 1, 1});
      // The data step works on the image's own size (the engine does not pad it: size
      // multiple 1); the prior's U-Net gets it mirrored to its multiple and is cropped back.
      const auto exact = blur.data_step(z, alpha).to(input.lq.dtype());
      const auto x = pad_to_multiple(exact, prior_multiple_).contiguous(format);
      NetworkInput step;
      step.lq = x;
      step.condition = levels.select(1, stages_ + s)
                           .view({n, 1, 1, 1})
                           .expand({n, 1, x.size(2), x.size(3)})
                           .to(input.lq.dtype())
                           .contiguous(format);
      z = prior->forward(step).slice(2, 0, exact.size(2)).slice(3, 0, exact.size(3));
    }
    return z;
  }

  NetworkTraits traits() const override {
    auto traits = prior->traits();
    traits.size_multiple = 1;       // the prior's input is padded inside
    traits.condition_channels = 1;  // σ/255
    traits.takes_kernel = true;
    // The data step is global: tiles need wide context (and still approximate the whole image).
    traits.receptive_radius = std::max(64, traits.receptive_radius);
    return traits;
  }

 private:
  int stages_;
  int prior_multiple_;
  RestorationNetwork prior{nullptr};
  torch::nn::Sequential hyper{nullptr};
};

}  // namespace

RestorationNetwork make_unrolled(const nlohmann::json& config) {
  config::JsonReader read("arch 'unrolled'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int stages = read.get_int("stages", 4, 1, 16);
  const auto features = read.get_ints("num_features", {16, 32, 64, 128}, 1, 4096);
  const int num_blocks = read.get_int("num_blocks", 2, 1, 64);
  read.finish();
  return std::make_shared<UnrolledImpl>(channels, stages, features, num_blocks);
}

}  // namespace restora::archs

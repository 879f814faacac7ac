// A U-Net discriminator with spectral normalisation (as Real-ESRGAN's, Wang et al. 2021): it
// judges every pixel with both local texture and global context, which a patch discriminator
// lacks, and spectral norm keeps its training stable.
//   image -> conv -> x0 -> [4×4 s2]×3 -> x3 (1/8) -> [up ×2, 3×3, + skip]×3 -> 2× 3×3 -> 1×1 logits
#include "archs/discriminator.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/upsampling.h>
#include <torch/nn/modules/conv.h>

#include <functional>
#include <utility>

#include "config/json_reader.h"
#include "nn/spectral_norm.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

torch::Tensor leaky(const torch::Tensor& x) {
  return torch::nn::functional::leaky_relu(
      x, torch::nn::functional::LeakyReLUFuncOptions().negative_slope(0.2));
}

torch::Tensor upsample2(const torch::Tensor& x) {
  return torch::nn::functional::interpolate(
      x, torch::nn::functional::InterpolateFuncOptions()
             .scale_factor(std::vector<double>{2.0, 2.0})
             .mode(torch::kBilinear)
             .align_corners(false));
}

class UNetDiscriminatorImpl : public DiscriminatorImpl {
 public:
  UNetDiscriminatorImpl(int channels, int features) {
    using nn::SpectralConv2d;
    const int f = features;
    input = register_module("input", torch::nn::Conv2d(torch::nn::Conv2dOptions(channels, f, 3).padding(1)));
    down1 = register_module("down1", SpectralConv2d(f, 2 * f, 4, 2, false));
    down2 = register_module("down2", SpectralConv2d(2 * f, 4 * f, 4, 2, false));
    down3 = register_module("down3", SpectralConv2d(4 * f, 8 * f, 4, 2, false));
    up3 = register_module("up3", SpectralConv2d(8 * f, 4 * f, 3, 1, false));
    up2 = register_module("up2", SpectralConv2d(4 * f, 2 * f, 3, 1, false));
    up1 = register_module("up1", SpectralConv2d(2 * f, f, 3, 1, false));
    refine1 = register_module("refine1", SpectralConv2d(f, f, 3, 1, false));
    refine2 = register_module("refine2", SpectralConv2d(f, f, 3, 1, false));
    output = register_module("output", torch::nn::Conv2d(torch::nn::Conv2dOptions(f, 1, 3).padding(1)));
  }

  DiscriminatorOutput forward(const torch::Tensor& image) override {
    DiscriminatorOutput result;
    const auto x0 = leaky(input(image));
    const auto x1 = leaky(down1(x0));
    const auto x2 = leaky(down2(x1));
    const auto x3 = leaky(down3(x2));
    const auto y2 = leaky(up3(upsample2(x3))) + x2;
    const auto y1 = leaky(up2(upsample2(y2))) + x1;
    const auto y0 = leaky(up1(upsample2(y1))) + x0;
    const auto refined = leaky(refine2(leaky(refine1(y0))));
    result.logits = output(refined);
    result.features = {x0, x1, x2, x3, y2, y1, y0, refined};
    return result;
  }

  int size_multiple() const override { return 8; }

 private:
  torch::nn::Conv2d input{nullptr}, output{nullptr};
  nn::SpectralConv2d down1{nullptr}, down2{nullptr}, down3{nullptr}, up3{nullptr}, up2{nullptr},
      up1{nullptr}, refine1{nullptr}, refine2{nullptr};
};

Discriminator make_unet_discriminator(const nlohmann::json& config) {
  config::JsonReader read("discriminator 'unet_sn'", config);
  const int channels = read.get_int("channels", 3, 1, 4);
  const int features = read.get_int("num_features", 32, 1, 512);
  read.finish();
  return std::make_shared<UNetDiscriminatorImpl>(channels, features);
}

using Factory = std::function<Discriminator(const nlohmann::json&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> entries = {
      {"unet_sn", make_unet_discriminator},  // U-Net, spectral norm, per-pixel logits
  };
  return entries;
}

}  // namespace

Discriminator build_discriminator(const std::string& arch, const nlohmann::json& config) {
  for (const auto& [id, factory] : registry())
    if (id == arch) return factory(config);
  throw InvalidArgument(fmt::format("unknown discriminator '{}'; known: {}", arch,
                                    fmt::join(known_discriminators(), ", ")));
}

std::vector<std::string> known_discriminators() {
  std::vector<std::string> ids;
  for (const auto& entry : registry()) ids.push_back(entry.first);
  return ids;
}

}  // namespace restora::archs

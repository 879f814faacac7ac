#include "compression/hyperprior_codec.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "codec/container.h"
#include "compression/convolution.h"
#include "compression/gdn.h"
#include "config/json_reader.h"
#include "restora/errors.h"

namespace restora::compression {
namespace {

namespace F = torch::nn::functional;

Convolution conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1) {
  return Convolution(
      torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(kernel / 2));
}

torch::Tensor leaky(const torch::Tensor& x) { return F::leaky_relu(x, F::LeakyReLUFuncOptions().negative_slope(0.01)); }
torch::nn::LeakyReLU leaky_layer() { return torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.01)); }

// A correction network's last convolution starts at zero: a network initialised from a model
// without it starts out coding exactly as that model does.
void start_at_zero(const torch::nn::Sequential& layers) {
  auto* last = layers->ptr(layers->size() - 1)->as<torch::nn::Conv2dImpl>();
  torch::NoGradGuard no_grad;
  last->weight.zero_();
  last->bias.zero_();
}

// Sub-pixel upsampling: a convolution to out·4 channels, then a 2× pixel shuffle.
class UpsampleImpl : public torch::nn::Module {
 public:
  UpsampleImpl(int64_t in, int64_t out, int64_t kernel)
      : conv_(register_module("conv", conv(in, out * 4, kernel))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return F::pixel_shuffle(conv_(x), F::PixelShuffleFuncOptions(2));
  }

 private:
  Convolution conv_;
};
TORCH_MODULE(Upsample);

// x -> x + conv(lrelu(conv(x))) followed by a leaky ReLU (Cheng et al. 2020's block).
class ResidualImpl : public torch::nn::Module {
 public:
  ResidualImpl(int64_t in, int64_t out)
      : conv1(register_module("conv1", conv(in, out, 3))),
        conv2(register_module("conv2", conv(out, out, 3))) {
    if (in != out) skip = register_module("skip", conv(in, out, 1));
  }
  torch::Tensor forward(const torch::Tensor& x) {
    const auto identity = skip ? skip(x) : x;
    return identity + leaky(conv2(leaky(conv1(x))));
  }

 private:
  Convolution conv1, conv2, skip{nullptr};
};
TORCH_MODULE(Residual);

// Halves the resolution: strided conv, leaky ReLU, conv, GDN; a strided 1×1 conv on the skip.
class ResidualDownImpl : public torch::nn::Module {
 public:
  ResidualDownImpl(int64_t in, int64_t out)
      : conv1(register_module("conv1", conv(in, out, 3, 2))),
        conv2(register_module("conv2", conv(out, out, 3))),
        gdn(register_module("gdn", GDN(out, false))),
        // A 1×1 stride-2 skip on a 3-channel channels-last input corrupts memory in LibTorch
        // 1.13's oneDNN weight-gradient kernel (seen with valgrind); 3×3 costs little there.
        skip(register_module("skip", conv(in, out, in <= 4 ? 3 : 1, 2))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return skip(x) + gdn(conv2(leaky(conv1(x))));
  }

 private:
  Convolution conv1, conv2;
  GDN gdn;
  Convolution skip;
};
TORCH_MODULE(ResidualDown);

// Doubles the resolution: sub-pixel conv, leaky ReLU, conv, inverse GDN; sub-pixel 1×1 skip.
class ResidualUpImpl : public torch::nn::Module {
 public:
  ResidualUpImpl(int64_t in, int64_t out)
      : up(register_module("up", Upsample(in, out, 3))),
        conv2(register_module("conv2", conv(out, out, 3))),
        igdn(register_module("igdn", GDN(out, true))),
        skip(register_module("skip", Upsample(in, out, 1))) {}
  torch::Tensor forward(const torch::Tensor& x) {
    return skip(x) + igdn(conv2(leaky(up(x))));
  }

 private:
  Upsample up;
  Convolution conv2;
  GDN igdn;
  Upsample skip;
};
TORCH_MODULE(ResidualUp);

torch::Tensor round_straight_through(const torch::Tensor& x) {
  return x + (torch::round(x) - x).detach();
}

torch::Tensor uniform_noise_like(const torch::Tensor& x, at::Generator& noise) {
  return torch::rand(x.sizes(), noise, x.options()) - 0.5;
}

// P(v ∈ [x−½, x+½]) under N(mean, scale²), computed on the lower tail for precision.
torch::Tensor gaussian_likelihood(const torch::Tensor& values, const GaussianParameters& p) {
  const auto scale = p.log_scale.exp().clamp_min(min_scale);
  const auto distance = (values - p.mean).abs();
  const double inv_sqrt2 = 1.0 / std::sqrt(2.0);
  const auto upper = 0.5 * torch::erfc(-(0.5 - distance) / scale * inv_sqrt2);
  const auto lower = 0.5 * torch::erfc(-(-0.5 - distance) / scale * inv_sqrt2);
  return (upper - lower).clamp_min(1e-9);
}

// The layers in order, each followed by the extra blocks registered after its index.
torch::Tensor run_with_extra(torch::nn::SequentialImpl& layers,
                             const std::map<size_t, torch::nn::Sequential>& extra, torch::Tensor x) {
  size_t index = 0;
  for (auto& layer : layers) {
    x = layer.forward(x);
    const auto blocks = extra.find(index++);
    if (blocks != extra.end()) x = torch::nn::Sequential(blocks->second)->forward(x);
  }
  return x;
}

}  // namespace

torch::Tensor anchor_mask(int64_t height, int64_t width, const torch::TensorOptions& options) {
  const auto rows = torch::arange(height, torch::kLong).view({height, 1});
  const auto cols = torch::arange(width, torch::kLong).view({1, width});
  return ((rows + cols) % 2 == 0)
      .to(torch::TensorOptions().dtype(options.dtype()).device(options.device()))
      .view({1, 1, height, width});
}

CodecShape CodecShape::from_json(const nlohmann::json& config) {
  config::JsonReader read("codec network", config);
  CodecShape shape;
  shape.features = read.get_int("features", shape.features, 8, 512);
  shape.latent_channels = read.get_int("latent_channels", shape.latent_channels, 8, 512);
  shape.hyper_channels = read.get_int("hyper_channels", shape.hyper_channels, 8, 512);
  shape.linear_shortcut = read.get_bool("linear_shortcut", false);
  shape.checkerboard_context = read.get_bool("checkerboard_context", false);
  shape.extra_blocks = read.get_int("extra_blocks", 0, 0, 8);
  shape.latent_residual_prediction = read.get_bool("latent_residual_prediction", false);
  // A file holds ẑ and two sections per slice.
  shape.channel_slices =
      read.get_int("channel_slices", 1, 1, static_cast<int>((codec::max_sections - 1) / 2));
  shape.channel_context_kernel = read.get_int("channel_context_kernel", 1, 1, 7);
  shape.lambdas = read.get_doubles("lambdas", {});
  read.finish();
  if (shape.channel_context_kernel % 2 == 0)
    throw InvalidArgument("codec network: 'channel_context_kernel' must be odd");
  if (shape.channel_context_kernel > 1 && shape.channel_slices == 1)
    throw InvalidArgument("codec network: 'channel_context_kernel' needs 'channel_slices' above 1");
  if (shape.channel_slices > 1 && !shape.checkerboard_context)
    throw InvalidArgument("codec network: 'channel_slices' needs 'checkerboard_context'");
  if (shape.latent_channels % shape.channel_slices != 0)
    throw InvalidArgument(fmt::format("codec network: {} channel slices do not divide {} latent channels",
                                      shape.channel_slices, shape.latent_channels));
  if (shape.lambdas.empty() || shape.lambdas.size() > 32)
    throw InvalidArgument("codec network: 'lambdas' needs 1 to 32 values (one per quality level)");
  for (size_t i = 1; i < shape.lambdas.size(); ++i)
    if (shape.lambdas[i] <= shape.lambdas[i - 1])
      throw InvalidArgument("codec network: 'lambdas' must be strictly ascending");
  return shape;
}

nlohmann::json CodecShape::to_json() const {
  nlohmann::json config = {{"features", features},
                           {"latent_channels", latent_channels},
                           {"hyper_channels", hyper_channels},
                           {"linear_shortcut", linear_shortcut},
                           {"checkerboard_context", checkerboard_context},
                           {"lambdas", lambdas}};
  // Older models' metadata unchanged:
  if (extra_blocks) config["extra_blocks"] = extra_blocks;
  if (latent_residual_prediction) config["latent_residual_prediction"] = true;
  if (channel_slices > 1) config["channel_slices"] = channel_slices;
  if (channel_context_kernel > 1) config["channel_context_kernel"] = channel_context_kernel;
  return config;
}

int tile_context_latents(const CodecShape& shape) { return 8 + 4 * shape.extra_blocks; }

HyperpriorCodecImpl::HyperpriorCodecImpl(const CodecShape& shape) : shape_(shape) {
  const int64_t n = shape.features, m = shape.latent_channels, h = shape.hyper_channels;
  analysis_layers = register_module(
      "analysis", torch::nn::Sequential(ResidualDown(3, n), Residual(n, n), ResidualDown(n, n),
                                        Residual(n, n), ResidualDown(n, n), Residual(n, n),
                                        conv(n, m, 3, 2)));
  synthesis_layers = register_module(
      "synthesis", torch::nn::Sequential(Residual(m, n), ResidualUp(n, n), Residual(n, n),
                                         ResidualUp(n, n), Residual(n, n), ResidualUp(n, n),
                                         Residual(n, n), Upsample(n, 3, 3)));
  if (shape.extra_blocks) {
    const auto extra = [&](const std::string& name) {
      torch::nn::Sequential blocks;
      for (int i = 0; i < shape.extra_blocks; ++i) {
        Residual block(n, n);
        torch::NoGradGuard no_grad;
        for (auto& parameter : block->named_parameters())
          if (parameter.key().rfind("conv2.", 0) == 0) parameter.value().zero_();
        blocks->push_back(block);
      }
      return register_module(name, blocks);
    };
    // After g_a's layers 3 (1/4) and 5 (1/8); after g_s's layers 0 (1/16), 2 (1/8), 4 (1/4).
    for (size_t after : {3, 5}) analysis_extra[after] = extra(fmt::format("analysis_extra{}", after));
    for (size_t after : {0, 2, 4}) synthesis_extra[after] = extra(fmt::format("synthesis_extra{}", after));
  }
  hyper_analysis_layers = register_module(
      "hyper_analysis",
      torch::nn::Sequential(conv(m, n, 3), leaky_layer(), conv(n, n, 3, 2), leaky_layer(), conv(n, h, 3, 2)));
  const int64_t wide = m * 3 / 2;
  hyper_synthesis_layers = register_module(
      "hyper_synthesis",
      torch::nn::Sequential(conv(h, n * 4, 3), torch::nn::PixelShuffle(2), torch::nn::ReLU(),
                            conv(n, wide * 4, 3), torch::nn::PixelShuffle(2), torch::nn::ReLU(),
                            conv(wide, 2 * m, 3)));
  if (shape.linear_shortcut) {
    // Both windows are 16 pixels (a latent's stride) plus 4 of overlap on each side.
    analysis_shortcut = register_module(
        "analysis_shortcut", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, m, 24).stride(16).padding(4)));
    synthesis_shortcut = register_module(
        "synthesis_shortcut",
        torch::nn::Sequential(conv(m, 48 * 16, 1), torch::nn::PixelShuffle(4), conv(48, 3 * 16, 3),
                              torch::nn::PixelShuffle(4)));
  }
  if (shape.checkerboard_context) {
    context_layers = register_module("context", torch::nn::Sequential(conv(m, m, 3)));
    parameter_layers = register_module(
        "parameters", torch::nn::Sequential(conv(3 * m, 2 * m, 1), torch::nn::ReLU(), conv(2 * m, 2 * m, 1)));
    start_at_zero(parameter_layers);
  }
  const int64_t slice = m / shape.channel_slices;
  for (int k = 1; k < shape.channel_slices; ++k) {
    const int64_t in = (k + 2) * slice, width = 4 * slice;
    channel_context_layers.push_back(register_module(
        fmt::format("channel_context{}", k),
        torch::nn::Sequential(conv(in, width, shape.channel_context_kernel), torch::nn::ReLU(), conv(width, width, 1),
                              torch::nn::ReLU(), conv(width, 2 * slice, 1))));
    start_at_zero(channel_context_layers.back());
  }
  if (shape.latent_residual_prediction) {
    residual_prediction_layers = register_module(
        "residual_prediction",
        torch::nn::Sequential(conv(3 * m, m, 3), leaky_layer(), conv(m, m, 1), leaky_layer(), conv(m, m, 1)));
    start_at_zero(residual_prediction_layers);
  }
  z_density = register_module("z_density", FactorizedDensity(h));
  // The rounding step is 1/gain: distortion ∝ step², so the optimum gain grows as √λ.
  auto initial = torch::empty({shape.levels(), m});
  for (int level = 0; level < shape.levels(); ++level)
    initial[level].fill_(0.5 * std::log(shape.lambdas[level] / shape.lambdas.back()) + std::log(4.0));
  log_gain = register_parameter("log_gain", initial.clone());
  log_inverse_gain = register_parameter("log_inverse_gain", -initial);
}

torch::Tensor HyperpriorCodecImpl::gains(const torch::Tensor& levels, const torch::Tensor& table) const {
  return table.index_select(0, levels.to(table.device()))
      .exp()
      .view({levels.size(0), shape_.latent_channels, 1, 1});
}

// The shortcut works on images centred on 0, so its bias need not learn the mean grey.
torch::Tensor HyperpriorCodecImpl::analyse(const torch::Tensor& images) {
  auto latent = run_with_extra(*analysis_layers, analysis_extra, images);
  if (analysis_shortcut) latent = latent + analysis_shortcut(images - 0.5);
  return latent.to(torch::kFloat32);
}

torch::Tensor HyperpriorCodecImpl::synthesise(const torch::Tensor& latent) {
  auto image = run_with_extra(*synthesis_layers, synthesis_extra, latent).to(torch::kFloat32);
  if (synthesis_shortcut) image = image + synthesis_shortcut->forward(latent).to(torch::kFloat32) + 0.5;
  return image;
}

torch::Tensor HyperpriorCodecImpl::analysis(const torch::Tensor& images, int level) {
  const auto levels = torch::full({images.size(0)}, level, torch::kLong);
  return analyse(images) * gains(levels, log_gain);
}

torch::Tensor HyperpriorCodecImpl::hyper_analysis(const torch::Tensor& scaled_latent) {
  return hyper_analysis_layers->forward(scaled_latent).to(torch::kFloat32);
}

GaussianParameters HyperpriorCodecImpl::hyper_synthesis(const torch::Tensor& z_hat) {
  const auto both = hyper_synthesis_layers->forward(z_hat).to(torch::kFloat32).chunk(2, 1);
  return {both[0], both[1]};
}

GaussianParameters HyperpriorCodecImpl::entropy_parameters(
    const torch::Tensor& hyper_output, const torch::Tensor& y,
    const std::function<torch::Tensor(const torch::Tensor&)>& quantize) {
  if (!context_layers) {
    const auto both = hyper_output.chunk(2, 1);
    return {both[0], both[1]};
  }
  const auto refine = [&](const torch::Tensor& context) {
    return hyper_output + parameter_layers->forward(torch::cat({hyper_output, context}, 1)).to(torch::kFloat32);
  };
  const auto anchors = anchor_mask(y.size(2), y.size(3), y.options());
  const auto [first, first_hat] =
      channel_pass(refine(torch::zeros_like(y)), y, quantize, anchors, torch::zeros_like(y));
  const auto known = first_hat * anchors;
  const auto second = channel_pass(refine(context_layers->forward(known).to(torch::kFloat32)), y,
                                   quantize, 1 - anchors, known).first;
  return {first.mean * anchors + second.mean * (1 - anchors),
          first.log_scale * anchors + second.log_scale * (1 - anchors)};
}

std::pair<GaussianParameters, torch::Tensor> HyperpriorCodecImpl::channel_pass(
    const torch::Tensor& parameters, const torch::Tensor& y,
    const std::function<torch::Tensor(const torch::Tensor&)>& quantize, const torch::Tensor& at,
    const torch::Tensor& known) {
  const int64_t slices = shape_.channel_slices;
  const auto both = parameters.chunk(2, 1);
  const auto means = both[0].chunk(slices, 1), log_scales = both[1].chunk(slices, 1);
  const auto latents = y.chunk(slices, 1), known_slices = known.chunk(slices, 1);
  std::vector<torch::Tensor> mean, log_scale, decoded, given;
  for (int64_t k = 0; k < slices; ++k) {
    auto slice_mean = means[k], slice_log_scale = log_scales[k];
    if (k > 0) {
      auto inputs = given;
      inputs.push_back(slice_mean * at);
      inputs.push_back(slice_log_scale * at);
      const auto correction =
          channel_context_layers[k - 1]->forward(torch::cat(inputs, 1)).to(torch::kFloat32).chunk(2, 1);
      slice_mean = slice_mean + correction[0];
      slice_log_scale = slice_log_scale + correction[1];
    }
    decoded.push_back(quantize(latents[k] - slice_mean) + slice_mean);
    given.push_back(decoded.back() * at + known_slices[k] * (1 - at));
    mean.push_back(slice_mean);
    log_scale.push_back(slice_log_scale);
  }
  return {{torch::cat(mean, 1), torch::cat(log_scale, 1)}, torch::cat(decoded, 1)};
}

torch::Tensor HyperpriorCodecImpl::synthesis(const torch::Tensor& scaled_latent_hat, int level) {
  const auto levels = torch::full({scaled_latent_hat.size(0)}, level, torch::kLong);
  return synthesise(scaled_latent_hat * gains(levels, log_inverse_gain));
}

torch::Tensor HyperpriorCodecImpl::predict_latent(const torch::Tensor& scaled_latent_hat,
                                                 const GaussianParameters& coded_with) {
  if (!residual_prediction_layers) return scaled_latent_hat;
  // Scales below min_scale code as min_scale: the same input whatever the network said below it.
  const auto input = torch::cat(
      {scaled_latent_hat, coded_with.mean, coded_with.log_scale.clamp_min(std::log(min_scale))}, 1);
  return scaled_latent_hat +
         0.5 * torch::tanh(residual_prediction_layers->forward(input).to(torch::kFloat32));
}

TrainingPass HyperpriorCodecImpl::forward_training(const torch::Tensor& images,
                                                  const torch::Tensor& levels,
                                                  at::Generator noise) {
  const auto y = analyse(images) * gains(levels, log_gain);
  const auto z = hyper_analysis(y);
  const auto z_likelihood = z_density->likelihood(z + uniform_noise_like(z, noise));
  const auto parameters = entropy_parameters(
      hyper_synthesis_layers->forward(round_straight_through(z)).to(torch::kFloat32), y,
      round_straight_through);
  const auto y_likelihood = gaussian_likelihood(y + uniform_noise_like(y, noise), parameters);
  const auto y_hat =
      predict_latent(round_straight_through(y - parameters.mean) + parameters.mean, parameters);
  const auto reconstruction = synthesise(y_hat * gains(levels, log_inverse_gain));
  return {reconstruction, y_likelihood, z_likelihood};
}

TrainingPass HyperpriorCodecImpl::forward_rounded(const torch::Tensor& images, int level) {
  const auto y = analysis(images, level);
  const auto z_hat = torch::round(hyper_analysis(y));
  const auto parameters = entropy_parameters(
      hyper_synthesis_layers->forward(z_hat).to(torch::kFloat32), y,
      [](const torch::Tensor& x) { return torch::round(x); });
  const auto y_hat = torch::round(y - parameters.mean) + parameters.mean;
  return {synthesis(predict_latent(y_hat, parameters), level),
          gaussian_likelihood(y_hat, parameters),
          z_density->likelihood(z_hat)};
}

torch::Tensor remap_gain_rows(const torch::Tensor& rows, const std::vector<double>& trained,
                              const std::vector<double>& lambdas) {
  if (trained.empty() || rows.size(0) != static_cast<int64_t>(trained.size()))
    throw InvalidArgument("remap_gain_rows: one gain row per trained λ needed");
  auto result = torch::empty({static_cast<int64_t>(lambdas.size()), rows.size(1)}, rows.options());
  for (size_t level = 0; level < lambdas.size(); ++level) {
    const double lambda = lambdas[level];
    const auto same = std::find(trained.begin(), trained.end(), lambda);
    if (same != trained.end() || trained.size() == 1) {
      result[level].copy_(rows[same != trained.end() ? same - trained.begin() : 0]);
      continue;
    }
    // The two trained levels around λ, or the two nearest ones outside the trained range.
    size_t low = 0;
    while (low + 2 < trained.size() && trained[low + 1] < lambda) ++low;
    const double t = std::log(lambda / trained[low]) / std::log(trained[low + 1] / trained[low]);
    result[level].copy_(rows[low] + t * (rows[low + 1] - rows[low]));
  }
  return result;
}

}  // namespace restora::compression

// The learned image codec's networks: a residual analysis transform g_a (image -> latent y at
// 1/16 resolution), a residual synthesis transform g_s (latent -> image), and a hyperprior
// (h_a: y -> side information z at 1/64; h_s: ẑ -> mean and log-scale of every latent) whose
// Gaussian conditional model codes y, while z is coded with a factorized prior.
//
// Variable rate: quality level l scales the latent by a learned per-channel gain before rounding
// and by a learned inverse gain before synthesis (Cui et al. 2021), so one network serves every
// level; level l was trained for distortion weight λ_l.
//
// Checkerboard context (He et al. 2021, optional): the latents at anchor positions ((row +
// column) even) are coded first with parameters from ẑ alone; the others then also see the
// decoded anchors around them through a context convolution. Both passes are parallel.
//
// Channel context (optional, with the checkerboard): the M channels are cut into equal slices,
// coded one after another within each pass; a slice's parameters are refined by a network from
// the decoded slices before it (Minnen & Singh 2020's channel conditioning). It sees them at
// the same position, or over a window around it where only the values decoded by then are
// given: the anchors in the anchors' pass, everything in the second pass.
//
// h_s, the context convolution and the parameter networks have only convolutions, pixel
// shuffles and ReLUs, so they run exactly in integer arithmetic at coding time
// (compression/integer_network.h); the float versions here train them.
#pragma once

#include <nlohmann/json.hpp>
#include <torch/nn/module.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>

#include <functional>
#include <map>
#include <utility>
#include <vector>

#include "compression/factorized_density.h"

namespace restora::compression {

struct CodecShape {
  int features = 64;         // N: channels of the transforms
  int latent_channels = 96;  // M: channels of y
  int hyper_channels = 64;   // channels of z
  // A linear lapped transform beside each of g_a and g_s: a path image <-> latent the optimizer
  // finds in a few hundred steps, where the deep residual path alone learns slowly
  // (docs/TRAINING.md, codec). g_a's is a strided 24×24 convolution; g_s's is a 1×1 convolution,
  // a 4× shuffle, a 3×3 convolution and a 4× shuffle, a window of 24 pixels too, because a
  // transposed convolution trains 10× slower in bf16 on LibTorch 1.13's CPU backend.
  bool linear_shortcut = false;
  // The checkerboard context: a 3×3 convolution over the decoded anchors (M -> M) and a 1×1
  // parameter network (h_s's 2M outputs and the context -> a correction of the 2M).
  bool checkerboard_context = false;
  // Slices of the channel context (1: none; more needs the checkerboard context and divides M).
  // Slice k > 0 has a network of convolutions (the first channel_context_kernel wide, the others
  // 1×1): the decoded slices 0..k−1 and the slice's own parameters from the passes before -> a
  // correction of them. Its last convolution starts
  // at zero, so a model trained without it codes exactly as before when it is added.
  int channel_slices = 1;
  // The first convolution's kernel in the channel context (odd). Its input outside the pass's
  // positions is zero but for the decoded values known there (the anchors of slices before k in
  // the second pass). A model with a narrower kernel starts a wider one with its kernel in the
  // centre and zeros around (init_from): the same coding.
  int channel_context_kernel = 1;
  // Residual blocks added at the low resolutions, where they cost little: this many at 1/4 and
  // 1/8 in g_a, and at 1/16, 1/8 and 1/4 in g_s. Their second convolution starts at zero, so a
  // model trained without them codes exactly as before when they are added (init_from).
  int extra_blocks = 0;
  // Latent residual prediction (Minnen & Singh 2020): before synthesis, a small network adds
  // to ŷ its estimate of the rounding error y − ŷ (within ±½) from ŷ and the Gaussian parameters
  // that coded it, which the decoder knows too. Float, decoder-side only: the coded symbols do
  // not change. Its last convolution starts at zero, so a model trained without it codes and
  // decodes exactly as before when it is added (init_from).
  bool latent_residual_prediction = false;
  std::vector<double> lambdas;  // one per quality level, ascending (level 1 = smallest files)

  static CodecShape from_json(const nlohmann::json& config);  // strict: unknown keys throw
  nlohmann::json to_json() const;
  int levels() const { return static_cast<int>(lambdas.size()); }
};

// Image side multiple the networks need (y at 1/16, z at 1/64).
constexpr int codec_size_multiple = 64;

// Latents of context a tile of the transforms needs on each side: at least the transforms'
// reach, so tiles join exactly. A change at one latent reaches 7, 10 and 14 latents through g_s
// with 0, 1 and 2 extra blocks (g_a: 4, 5, 7), as the tests measure.
int tile_context_latents(const CodecShape& shape);

// Lower bound of a latent's Gaussian scale, in training and in the coding tables alike.
constexpr double min_scale = 0.11;

struct TrainingPass {
  torch::Tensor reconstruction;  // N×3×H×W float
  torch::Tensor y_likelihood;    // N×M×H/16×W/16 float
  torch::Tensor z_likelihood;    // N×Z×H/64×W/64 float
};

struct GaussianParameters {
  torch::Tensor mean, log_scale;  // N×M×h×w float
};

// 1×1×h×w of `options`' type: 1 at checkerboard anchors ((row + column) even), else 0.
torch::Tensor anchor_mask(int64_t height, int64_t width, const torch::TensorOptions& options);

class HyperpriorCodecImpl : public torch::nn::Module {
 public:
  explicit HyperpriorCodecImpl(const CodecShape& shape);

  // images: N×3×H×W in [0,1], H and W multiples of 64; levels: N int64 in [0, levels).
  // Rates from additive uniform noise drawn from `noise`, the reconstruction from rounded
  // latents (straight-through gradients).
  TrainingPass forward_training(const torch::Tensor& images, const torch::Tensor& levels,
                                at::Generator noise);
  // The same pass with rounding everywhere, as coding does (rates are then the ideal code
  // lengths of the rounded values); the entropy-model networks are the float ones.
  TrainingPass forward_rounded(const torch::Tensor& images, int level);

  // The coding-time pieces. `level` is 0-based.
  torch::Tensor analysis(const torch::Tensor& images, int level);  // -> y·gain, float
  torch::Tensor hyper_analysis(const torch::Tensor& scaled_latent);  // -> z, float
  GaussianParameters hyper_synthesis(const torch::Tensor& z_hat);    // float reference of h_s
  torch::Tensor synthesis(const torch::Tensor& scaled_latent_hat, int level);  // -> image
  // ŷ (scaled, float) plus the predicted rounding error from ŷ and `coded_with`, the parameters
  // that coded it (with latent_residual_prediction; else ŷ itself).
  torch::Tensor predict_latent(const torch::Tensor& scaled_latent_hat,
                               const GaussianParameters& coded_with);

  // The M factors that scale a rounded latent back before synthesis at `level` (0-based).
  torch::Tensor inverse_gains(int level) const { return log_inverse_gain[level].exp(); }
  const CodecShape& shape() const { return shape_; }
  FactorizedDensity z_density{nullptr};
  torch::nn::Sequential hyper_synthesis_layers{nullptr};  // conv / pixel shuffle / ReLU only
  // With checkerboard_context (else null); conv / ReLU only.
  torch::nn::Sequential context_layers{nullptr}, parameter_layers{nullptr};
  torch::nn::Sequential residual_prediction_layers{nullptr};  // with latent_residual_prediction
  // The channel context's networks, for slices 1 … channel_slices − 1; conv / ReLU only.
  std::vector<torch::nn::Sequential> channel_context_layers;

 private:
  torch::Tensor gains(const torch::Tensor& levels, const torch::Tensor& table) const;
  // The latents' Gaussian parameters from h_s's output (2M channels), refined by the
  // checkerboard context when there is one; `quantize` rounds y at the anchors (straight-through
  // or plain).
  GaussianParameters entropy_parameters(const torch::Tensor& hyper_output, const torch::Tensor& y,
                                        const std::function<torch::Tensor(const torch::Tensor&)>& quantize);
  // One pass's parameters (2M channels) refined slice by slice by the channel context, and the
  // latents quantized against them (ŷ = quantize(y − mean) + mean). The pass codes the
  // positions where `at` (1×1×h×w) is 1; `known` holds the ŷ decoded before it elsewhere (zero
  // where none).
  std::pair<GaussianParameters, torch::Tensor> channel_pass(
      const torch::Tensor& parameters, const torch::Tensor& y,
      const std::function<torch::Tensor(const torch::Tensor&)>& quantize, const torch::Tensor& at,
      const torch::Tensor& known);
  torch::Tensor analyse(const torch::Tensor& images);   // unscaled latent, float
  torch::Tensor synthesise(const torch::Tensor& latent);  // image, float

  CodecShape shape_;
  torch::nn::Sequential analysis_layers{nullptr}, synthesis_layers{nullptr},
      hyper_analysis_layers{nullptr};
  // The extra blocks (CodecShape::extra_blocks), each run after the layer of its index.
  std::map<size_t, torch::nn::Sequential> analysis_extra, synthesis_extra;
  torch::nn::Conv2d analysis_shortcut{nullptr};
  torch::nn::Sequential synthesis_shortcut{nullptr};
  torch::Tensor log_gain, log_inverse_gain;  // levels × M
};
TORCH_MODULE(HyperpriorCodec);

// Gain rows (levels × M, as log_gain or log_inverse_gain) for quality levels `lambdas` from rows
// trained for `trained`: a trained λ keeps its row; another λ gets the row interpolated, or
// extrapolated, linearly in log λ from the two nearest trained levels (the optimal log gain is
// about linear in log λ), so a model can go on training with levels added.
torch::Tensor remap_gain_rows(const torch::Tensor& rows, const std::vector<double>& trained,
                              const std::vector<double>& lambdas);

}  // namespace restora::compression

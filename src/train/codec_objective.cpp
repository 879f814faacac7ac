// Training the learned codec: every patch of a batch draws a quality level l and adds
// λ_l·255²·MSE + bits per pixel (Ballé et al.'s rate-distortion loss) to the batch loss.
// Validation codes the held-out images at every level with rounding, as the codec does.
#include <fmt/format.h>
#include <torch/torch.h>

#include <ATen/CPUGeneratorImpl.h>
#include <cmath>
#include <map>

#include "compression/codec_model.h"
#include "degrade/random.h"
#include "image/tensor_bridge.h"
#include "metrics/metrics.h"
#include "nn/weights.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"
#include "train/objective.h"

namespace restora::train {
namespace {

using compression::HyperpriorCodec;
using compression::HyperpriorCodecImpl;

bool is_gain_table(const std::string& name) {
  return name == "log_gain" || name == "log_inverse_gain";
}

// `kernel` (out×in×k×k) in the centre of a zero kernel of `shape`, wider: the same convolution.
model_file::Tensor centred_kernel(const model_file::Tensor& kernel, const std::vector<int64_t>& shape) {
  const auto small = nn::from_file_tensor(kernel);
  const int64_t margin = (shape[2] - small.size(2)) / 2;
  auto wide = torch::zeros(shape, small.options());
  wide.narrow(2, margin, small.size(2)).narrow(3, margin, small.size(3)).copy_(small);
  return nn::to_file_tensor(kernel.name, wide);
}

// −log2 of the likelihoods summed per sample: N×… -> N.
torch::Tensor bits_per_sample(const torch::Tensor& likelihood) {
  return -likelihood.log2().flatten(1).sum(1);
}

class CodecObjective : public Objective {
 public:
  CodecObjective(const ExperimentConfig& experiment, const PatchSource& source,
                 const std::function<void(const std::string&)>& say)
      : experiment_(experiment),
        source_(source),
        shape_(compression::CodecShape::from_json(experiment.arch_config)),
        network_(HyperpriorCodec(shape_)) {
    if (experiment.arch != "hyperprior_codec")
      throw InvalidArgument(fmt::format("task 'codec' trains arch 'hyperprior_codec', not '{}'",
                                        experiment.arch));
    if (source.channels() != 3) throw InvalidArgument("task 'codec' trains on RGB images");
    if (experiment.data.patch_size % compression::codec_size_multiple)
      throw InvalidArgument(fmt::format("task 'codec': patch_size must be a multiple of {}",
                                        compression::codec_size_multiple));
    const auto& start = experiment.training.init_from;
    if (!start.empty()) {
      // Same shape required (import_weights names any mismatch); the float entropy-model
      // networks come from the file's integer copies, so a run can go on from a shipped model.
      // A model without a checkerboard context, a channel context or latent residual prediction
      // can start one, and one with fewer extra blocks more: the new modules keep their
      // initialisation, which leaves the coding unchanged. A channel context's narrower first
      // kernel goes into the centre of the wider one.
      auto loaded = compression::load_codec_model(resolve_model(start));
      const auto loaded_weights = nn::export_weights(*loaded.network);
      std::map<std::string, const model_file::Tensor*> started;
      for (const auto& tensor : loaded_weights) started[tensor.name] = &tensor;
      const auto& loaded_shape = loaded.network->shape();
      const auto& trained_lambdas = loaded_shape.lambdas;
      const bool adds_context = shape_.checkerboard_context && !loaded_shape.checkerboard_context;
      const bool adds_blocks = shape_.extra_blocks > loaded_shape.extra_blocks;
      const bool adds_prediction =
          shape_.latent_residual_prediction && !loaded_shape.latent_residual_prediction;
      const bool adds_slices = shape_.channel_slices > 1 && loaded_shape.channel_slices == 1;
      const bool widens_channel_context =
          loaded_shape.channel_slices == shape_.channel_slices &&
          shape_.channel_context_kernel > loaded_shape.channel_context_kernel;
      // Of a widened channel context, only the first kernels differ in shape.
      const auto widened = [&](const model_file::Tensor& tensor, const model_file::Tensor& loaded) {
        return widens_channel_context && tensor.name.rfind("channel_context", 0) == 0 &&
               tensor.shape != loaded.shape;
      };
      const auto is_new = [&](const std::string& name) {
        const auto starts = [&](const char* prefix) { return name.rfind(prefix, 0) == 0; };
        return (adds_context && (starts("context.") || starts("parameters."))) ||
               (adds_blocks && (starts("analysis_extra") || starts("synthesis_extra"))) ||
               (adds_prediction && starts("residual_prediction.")) ||
               (adds_slices && starts("channel_context"));
      };
      const bool new_levels = trained_lambdas != shape_.lambdas;
      auto weights = nn::export_weights(*network_);
      size_t taken = 0;
      for (auto& tensor : weights) {
        const auto found = started.find(tensor.name);
        if (new_levels && is_gain_table(tensor.name)) {
          ++taken;  // remapped below
        } else if (found != started.end()) {
          const auto& loaded_tensor = *found->second;
          tensor = widened(tensor, loaded_tensor) ? centred_kernel(loaded_tensor, tensor.shape) : loaded_tensor;
          ++taken;
        } else if (!is_new(tensor.name)) {
          throw FormatError(fmt::format("init_from '{}': no tensor '{}'", start, tensor.name));
        }
      }
      if (taken != started.size())
        throw FormatError(fmt::format("init_from '{}': the model has tensors this network lacks", start));
      nn::import_weights(*network_, weights, start);
      if (new_levels) {
        torch::NoGradGuard no_grad;
        const auto trained = loaded.network->named_parameters();
        for (auto& parameter : network_->named_parameters())
          if (is_gain_table(parameter.key()))
            parameter.value().copy_(compression::remap_gain_rows(
                trained[parameter.key()], trained_lambdas, shape_.lambdas));
      }
      say(fmt::format("initialised from {}{}{}{}{}{}{}", start,
                      adds_context ? " (the checkerboard context is new)" : "",
                      adds_slices ? " (the channel context is new)" : "",
                      widens_channel_context ? " (the channel context's kernel widened)" : "",
                      adds_blocks ? " (extra blocks added)" : "",
                      adds_prediction ? " (latent residual prediction added)" : "",
                      new_levels ? " (quality levels remapped by λ)" : ""));
    }
  }

  torch::nn::Module& network() override { return *network_; }

  std::shared_ptr<torch::nn::Module> make_twin() const override {
    return HyperpriorCodec(shape_).ptr();
  }

  torch::Tensor loss(const Batch& batch, nn::Precision precision) override {
    const int64_t n = batch.gt.size(0);
    const uint64_t seed = Rng::mix(experiment_.training.seed ^ 0xc0dec, batch.step);
    Rng rng(seed);
    auto levels = torch::empty({n}, torch::kLong);
    auto lambdas = torch::empty({n});
    for (int64_t i = 0; i < n; ++i) {
      const int level = rng.uniform_int(0, shape_.levels() - 1);
      levels[i] = level;
      lambdas[i] = shape_.lambdas[level];
    }
    const auto images = nn::in_layout(batch.gt, nn::preferred_layout(precision, torch::kCPU));
    compression::TrainingPass pass;
    {
      nn::AutocastScope autocast(precision, torch::kCPU);
      pass = network_->forward_training(images, levels, at::make_generator<at::CPUGeneratorImpl>(seed));
    }
    const double pixels = static_cast<double>(images.size(2) * images.size(3));
    const auto bpp = (bits_per_sample(pass.y_likelihood) + bits_per_sample(pass.z_likelihood)) / pixels;
    const auto mse = (pass.reconstruction - batch.gt).square().flatten(1).mean(1);
    return (lambdas * 255.0 * 255.0 * mse + bpp).mean();
  }

  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override {
    auto& codec = dynamic_cast<HyperpriorCodecImpl&>(weights);
    torch::NoGradGuard no_grad;
    const int levels = shape_.levels();
    std::vector<double> bpp(levels, 0.0), psnr(levels, 0.0), rd(levels, 0.0);
    const auto& cases = source_.validation();
    for (const auto& item : cases) {
      const int m = compression::codec_size_multiple;
      const cv::Rect crop(0, 0, item.gt_u8.cols / m * m, item.gt_u8.rows / m * m);
      if (crop.empty()) throw InvalidArgument("a validation image is smaller than 64×64");
      const cv::Mat gt = item.gt_u8(crop).clone();
      const auto image = nn::in_layout(mat_to_tensor(to_float01(gt)),
                                       nn::preferred_layout(precision, torch::kCPU));
      for (int level = 0; level < levels; ++level) {
        compression::TrainingPass pass;
        {
          nn::AutocastScope autocast(precision, torch::kCPU);
          pass = codec.forward_rounded(image, level);
        }
        const double bits = (bits_per_sample(pass.y_likelihood) + bits_per_sample(pass.z_likelihood)).item<double>();
        const cv::Mat decoded = quantize_u8(tensor_to_mat(pass.reconstruction.clamp(0, 1)));
        const double mse =
            metrics::measure(decoded, gt, metrics::Space::all_channels, 0, false).mse / (255.0 * 255.0);
        bpp[level] += bits / crop.area();
        psnr[level] += 10.0 * std::log10(1.0 / std::max(mse, 1e-12));
        rd[level] += shape_.lambdas[level] * 255.0 * 255.0 * mse + bits / crop.area();
      }
    }
    ValidationScores result;
    nlohmann::json per_level = nlohmann::json::array();
    double mean_bpp = 0, mean_psnr = 0, mean_rd = 0;
    for (int level = 0; level < levels; ++level) {
      const double images = std::max<size_t>(1, cases.size());
      per_level.push_back({{"level", level + 1}, {"bpp", bpp[level] / images},
                           {"psnr", psnr[level] / images}});
      mean_bpp += bpp[level] / images / levels;
      mean_psnr += psnr[level] / images / levels;
      mean_rd += rd[level] / images / levels;
    }
    result.score = -mean_rd;
    result.columns = fmt::format("{:.4f},{:.5f}", mean_psnr, mean_bpp);
    result.summary = fmt::format("validation RD loss {:.4f}, level 1: {:.3f} bpp {:.2f} dB, level {}: {:.3f} bpp {:.2f} dB",
                                 mean_rd, per_level.front()["bpp"].get<double>(),
                                 per_level.front()["psnr"].get<double>(), levels,
                                 per_level.back()["bpp"].get<double>(),
                                 per_level.back()["psnr"].get<double>());
    result.record = {{"rd_loss", mean_rd},
                     {"levels", per_level},
                     {"images", "held-out training images, cut to multiples of 64"},
                     {"rate", "ideal code length of the rounded latents (no file)"}};
    return result;
  }

  std::string validation_header() const override { return "validation_psnr,validation_bpp"; }

  model_file::ModelFile package(torch::nn::Module& weights) override {
    return compression::make_codec_model_file(dynamic_cast<HyperpriorCodecImpl&>(weights),
                                              experiment_.name, experiment_.description);
  }

 private:
  const ExperimentConfig& experiment_;
  const PatchSource& source_;
  compression::CodecShape shape_;
  HyperpriorCodec network_;
};

}  // namespace

std::unique_ptr<Objective> make_codec_objective(const ExperimentConfig& experiment,
                                                const PatchSource& source,
                                                const std::function<void(const std::string&)>& say) {
  return std::make_unique<CodecObjective>(experiment, source, say);
}

}  // namespace restora::train

// Training a restoration network: degraded patch in, clean patch out, a pixel loss; validated
// by the task's own protocol on held-out images through the inference engine.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "archs/network.h"
#include "image/tiles.h"
#include "metrics/metrics.h"
#include "nn/weights.h"
#include "restora/image_io.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "restore/video_engine.h"
#include "train/losses.h"
#include "train/restoration_objective.h"
#include "restora/errors.h"

namespace restora::train {
namespace {

model_file::ModelMeta describe(const ExperimentConfig& experiment, int channels) {
  model_file::ModelMeta meta;
  meta.name = experiment.name;
  meta.description = experiment.description;
  meta.arch = experiment.arch;
  meta.arch_config = experiment.arch_config;
  meta.task = experiment.task->id();
  meta.scales = experiment.data.scales;
  meta.in_channels = meta.out_channels = channels;
  meta.color_space = channels == 1 ? model_file::ColorSpace::gray : model_file::ColorSpace::rgb;
  meta.conditioning = experiment.conditioning_kind();
  meta.precision = {model_file::Precision::fp32};
  return meta;
}

// Whether `from` equals `to` but for fewer entries in dimension 1 (input channels).
bool widens(const std::vector<int64_t>& from, const std::vector<int64_t>& to) {
  if (from.size() != to.size() || from.size() < 2 || from[1] >= to[1]) return false;
  for (size_t d = 0; d < from.size(); ++d)
    if (d != 1 && from[d] != to[d]) return false;
  return true;
}

}  // namespace

RestorationObjective::RestorationObjective(const ExperimentConfig& experiment,
                                           const PatchSource& source,
                                           const std::function<void(const std::string&)>& say)
    : experiment_(experiment), source_(source), meta_(describe(experiment, source.channels())) {
  network_ = archs::build_network(meta_.arch, meta_.arch_config);
  const auto traits = network_->traits();
  meta_.out_channels = traits.output_channels();
  meta_.size_multiple = traits.size_multiple;
  meta_.tile_overlap =
      experiment.tile_overlap >= 0
          ? experiment.tile_overlap
          : static_cast<int>(round_up(traits.receptive_radius, traits.size_multiple));
  build_from_meta(meta_);  // validates the metadata against the network
  condition_names_ = model_file::condition_map_names(meta_.conditioning);
  const auto& start = experiment.training.init_from;
  if (!start.empty()) {
    auto loaded = load_model(resolve_model(start));
    auto tensors = nn::export_weights(*loaded.network);
    if (experiment.training.init_partial) {
      // Keep the file's tensors that the network has with the same shape; the rest of the
      // network keeps its fresh initialisation (e.g. a head for another scale). A tensor that
      // differs only by having fewer input channels (dimension 1) fills the leading ones and the
      // others start at zero: a convolution widened for more inputs (a video network's first
      // convolution, started from an image network's) computes what it computed.
      auto own = nn::export_weights(*network_);
      std::vector<model_file::Tensor> kept;
      int taken = 0, widened = 0;
      for (auto& tensor : own) {
        const auto found = std::find_if(tensors.begin(), tensors.end(),
                                        [&](const auto& other) { return other.name == tensor.name; });
        if (found != tensors.end() && found->shape == tensor.shape) {
          kept.push_back(*found);
          ++taken;
        } else if (found != tensors.end() && widens(found->shape, tensor.shape)) {
          auto wide = torch::zeros(tensor.shape);
          wide.slice(1, 0, found->shape[1]).copy_(nn::from_file_tensor(*found));
          kept.push_back(nn::to_file_tensor(tensor.name, wide));
          ++widened;
        } else {
          kept.push_back(tensor);
        }
      }
      say(fmt::format("initialised {} of {} tensors from {} (init_partial), {} of them widened",
                      taken + widened, own.size(), start, widened));
      tensors = std::move(kept);
    } else {
      say(fmt::format("initialised from {}", start));
      // A fine-tune of another model of the same network: strength 0 (restora restore
      // --strength) runs the start, 1 this model, between them the interpolated weights.
      if (loaded.meta.name != meta_.name) meta_.strength_base = loaded.meta.name;
    }
    nn::import_weights(*network_, tensors, start);
  }
}

std::shared_ptr<torch::nn::Module> RestorationObjective::make_twin() const {
  return archs::build_network(meta_.arch, meta_.arch_config);
}

torch::Tensor RestorationObjective::restore(const Batch& batch, nn::Precision precision) {
  archs::NetworkInput input;
  const auto layout = nn::preferred_layout(precision, torch::kCPU);
  input.lq = nn::in_layout(batch.lq, layout);
  if (!condition_names_.empty()) {
    std::vector<int64_t> channels;
    for (const auto& name : condition_names_) {
      const auto found = std::find(batch.map_names.begin(), batch.map_names.end(), name);
      channels.push_back(found - batch.map_names.begin());  // the config check found it
    }
    input.condition = nn::in_layout(batch.maps.index_select(1, torch::tensor(channels)), layout);
  }
  input.scale = batch.scale;
  if (meta_.conditioning == model_file::Conditioning::kernel) {
    if (!batch.kernels.defined())
      throw InvalidArgument("a kernel-conditioned network needs a training chain that blurs");
    input.kernel = batch.kernels;
  }
  nn::AutocastScope autocast(precision, torch::kCPU);
  return network_->forward(input);
}

torch::Tensor RestorationObjective::loss(const Batch& batch, nn::Precision precision) {
  const auto& region = experiment_.training.loss_region;
  torch::Tensor weight;
  if (!region.empty()) {
    const auto found = std::find(batch.map_names.begin(), batch.map_names.end(), region);
    weight = batch.maps.select(1, found - batch.map_names.begin()).unsqueeze(1);  // the config check found it
  }
  return pixel_loss(experiment_.training.loss, restore(batch, precision), batch.gt, weight);
}

std::vector<cv::Mat> RestorationObjective::restore_validation(torch::nn::Module& weights,
                                                              nn::Precision precision) {
  auto& network = dynamic_cast<archs::RestorationNetworkImpl&>(weights);
  EngineOptions engine;
  engine.precision = precision;
  const bool needs_kernel = meta_.conditioning == model_file::Conditioning::kernel;
  std::vector<cv::Mat> restored;
  for (const auto& item : source_.validation()) {
    ConditionMaps maps;
    for (const auto& name : condition_names_) maps.push_back(*find_map(item.maps, name));
    restored.push_back(quantize_u8(run_tiled(network, item.lq, maps, item.scale, engine,
                                             needs_kernel ? item.kernel : cv::Mat())));
  }
  return restored;
}

RestorationObjective::Fidelity RestorationObjective::fidelity(
    const std::vector<cv::Mat>& restored) const {
  Fidelity mean;
  const auto& cases = source_.validation();
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto protocol = experiment_.task->protocol(cases[i].scale);
    const auto scores = metrics::measure(restored[i], cases[i].gt_u8, protocol.space,
                                         protocol.crop_border, false);
    mean.psnr += scores.psnr;
    mean.ssim += scores.ssim;
  }
  if (!cases.empty()) {
    mean.psnr /= static_cast<double>(cases.size());
    mean.ssim /= static_cast<double>(cases.size());
  }
  return mean;
}

RestorationObjective::Fidelity RestorationObjective::clip_fidelity(torch::nn::Module& weights,
                                                                   nn::Precision precision) const {
  auto& network = dynamic_cast<archs::RecurrentNetworkImpl&>(weights);
  VideoEngineOptions options;
  options.precision = precision;
  Fidelity mean;
  const auto& clips = source_.validation_clips();
  for (const auto& clip : clips) {
    VideoEngine engine(network, clip.scale, options);
    const auto protocol = experiment_.task->protocol(clip.scale);
    Fidelity clip_mean;
    for (size_t t = 0; t < clip.lq.size(); ++t) {
      const auto scores = metrics::measure(quantize_u8(engine.push(clip.lq[t])), clip.gt_u8[t],
                                           protocol.space, protocol.crop_border, false);
      clip_mean.psnr += scores.psnr / static_cast<double>(clip.lq.size());
      clip_mean.ssim += scores.ssim / static_cast<double>(clip.lq.size());
    }
    mean.psnr += clip_mean.psnr / static_cast<double>(clips.size());
    mean.ssim += clip_mean.ssim / static_cast<double>(clips.size());
  }
  return mean;
}

ValidationScores RestorationObjective::validate(torch::nn::Module& weights,
                                                nn::Precision precision) {
  const auto mean = source_.validation_clips().empty()
                        ? fidelity(restore_validation(weights, precision))
                        : clip_fidelity(weights, precision);
  ValidationScores result;
  result.score = mean.psnr;
  result.columns = fmt::format("{:.4f},{:.5f}", mean.psnr, mean.ssim);
  result.summary = fmt::format("validation PSNR {:.3f} dB, SSIM {:.4f}", mean.psnr, mean.ssim);
  result.record = {{"psnr", mean.psnr}, {"ssim", mean.ssim},
                   {"images", source_.validation_clips().empty()
                                  ? "held-out training images"
                                  : "synthetic clips of held-out training images, mean over frames"}};
  return result;
}

model_file::ModelFile RestorationObjective::package(torch::nn::Module& weights) {
  model_file::ModelFile file;
  file.meta = meta_;
  file.tensors = nn::export_weights(weights);
  return file;
}

std::unique_ptr<Objective> make_restoration_objective(
    const ExperimentConfig& experiment, const PatchSource& source,
    const std::function<void(const std::string&)>& say) {
  return std::make_unique<RestorationObjective>(experiment, source, say);
}

}  // namespace restora::train

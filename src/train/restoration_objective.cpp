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
#include "train/losses.h"
#include "train/objective.h"

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
  meta.conditioning = experiment.conditioning == "sigma"     ? model_file::Conditioning::sigma
                      : experiment.conditioning == "quality" ? model_file::Conditioning::quality
                                                             : model_file::Conditioning::none;
  meta.precision = {model_file::Precision::fp32};
  return meta;
}

class RestorationObjective : public Objective {
 public:
  RestorationObjective(const ExperimentConfig& experiment, const PatchSource& source,
                       const std::function<void(const std::string&)>& say)
      : experiment_(experiment), source_(source), meta_(describe(experiment, source.channels())) {
    network_ = archs::build_network(meta_.arch, meta_.arch_config);
    const auto traits = network_->traits();
    meta_.size_multiple = traits.size_multiple;
    meta_.tile_overlap = experiment.tile_overlap >= 0
                             ? experiment.tile_overlap
                             : static_cast<int>(
                                   round_up(traits.receptive_radius, traits.size_multiple));
    build_from_meta(meta_);  // validates the metadata against the network
    condition_names_ = model_file::condition_map_names(meta_.conditioning);
    const auto& start = experiment.training.init_from;
    if (!start.empty()) {
      auto loaded = load_model(resolve_model(start));
      nn::import_weights(*network_, nn::export_weights(*loaded.network), start);
      say(fmt::format("initialised from {}", start));
    }
  }

  torch::nn::Module& network() override { return *network_; }

  std::shared_ptr<torch::nn::Module> make_twin() const override {
    return archs::build_network(meta_.arch, meta_.arch_config);
  }

  torch::Tensor loss(const Batch& batch, nn::Precision precision) override {
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
    torch::Tensor output;
    {
      nn::AutocastScope autocast(precision, torch::kCPU);
      output = network_->forward(input);
    }
    return pixel_loss(experiment_.training.loss, output, batch.gt);
  }

  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override {
    auto& network = dynamic_cast<archs::RestorationNetworkImpl&>(weights);
    EngineOptions engine;
    engine.precision = precision;
    double psnr = 0.0, ssim = 0.0;
    const auto& cases = source_.validation();
    for (const auto& item : cases) {
      ConditionMaps maps;
      for (const auto& name : condition_names_) maps.push_back(*find_map(item.maps, name));
      const auto restored = run_tiled(network, item.lq, maps, item.scale, engine);
      const auto protocol = experiment_.task->protocol(item.scale);
      const auto scores = metrics::measure(quantize_u8(restored), item.gt_u8, protocol.space,
                                           protocol.crop_border, false);
      psnr += scores.psnr;
      ssim += scores.ssim;
    }
    if (!cases.empty()) {
      psnr /= cases.size();
      ssim /= cases.size();
    }
    ValidationScores result;
    result.score = psnr;
    result.columns = fmt::format("{:.4f},{:.5f}", psnr, ssim);
    result.summary = fmt::format("validation PSNR {:.3f} dB, SSIM {:.4f}", psnr, ssim);
    result.record = {{"psnr", psnr}, {"ssim", ssim}, {"images", "held-out training images"}};
    return result;
  }

  std::string validation_header() const override { return "validation_psnr,validation_ssim"; }

  model_file::ModelFile package(torch::nn::Module& weights) override {
    model_file::ModelFile file;
    file.meta = meta_;
    file.tensors = nn::export_weights(weights);
    return file;
  }

 private:
  const ExperimentConfig& experiment_;
  const PatchSource& source_;
  model_file::ModelMeta meta_;
  std::vector<std::string> condition_names_;  // the maps the network takes, in order
  archs::RestorationNetwork network_;
};

}  // namespace

std::unique_ptr<Objective> make_restoration_objective(
    const ExperimentConfig& experiment, const PatchSource& source,
    const std::function<void(const std::string&)>& say) {
  return std::make_unique<RestorationObjective>(experiment, source, say);
}

}  // namespace restora::train

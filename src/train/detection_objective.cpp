// Training a detector (a task with a target map, such as repair's "damage"): the degraded patch
// in, one logit per pixel out, binary cross-entropy plus a soft Dice term against the map the
// chain emits (the damaged pixels are few: Dice keeps the rare class from being ignored).
// Validated by IoU, precision and recall on the held-out images through the tiled engine, at the
// probability threshold (0.05 … 0.95) with the best IoU: that IoU decides the best weights, and
// the threshold goes into the model file as the one detect() uses by default.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restore/engine.h"
#include "train/restoration_objective.h"

namespace restora::train {
namespace {

constexpr double thresholds[] = {0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5,
                                  0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95};
static_assert(std::size(thresholds) % 2 == 1, "the middle threshold is 0.5");

class DetectionObjective : public RestorationObjective {
 public:
  DetectionObjective(const ExperimentConfig& experiment, const PatchSource& source,
                     const std::function<void(const std::string&)>& say)
      : RestorationObjective(experiment, source, say), target_(experiment.task->target_map()) {
    if (network_traits().output_channels() != 1)
      throw InvalidArgument(fmt::format("config '{}': a detector for '{}' has one output channel "
                                        "(set the arch's out_channels to 1)", experiment.name, target_));
  }

  torch::Tensor loss(const Batch& batch, nn::Precision precision) override {
    const auto found = std::find(batch.map_names.begin(), batch.map_names.end(), target_);
    if (found == batch.map_names.end())
      throw InvalidArgument(fmt::format("the training batch has no '{}' map", target_));
    const auto target = batch.maps.select(1, found - batch.map_names.begin()).unsqueeze(1).to(torch::kFloat);
    const auto logits = restore(batch, precision).to(torch::kFloat).contiguous();
    const auto cross_entropy = torch::binary_cross_entropy_with_logits(logits, target);
    const auto probability = torch::sigmoid(logits);
    const auto overlap = (probability * target).sum();
    const auto dice = (2 * overlap + 1) / (probability.sum() + target.sum() + 1);
    return cross_entropy + (1 - dice);
  }

  // The threshold is part of the detector: validation tries each of `thresholds` on the held-out
  // images and keeps the one with the best IoU, which the model file records and detect() uses.
  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override {
    auto& network = dynamic_cast<archs::RestorationNetworkImpl&>(weights);
    EngineOptions engine;
    engine.precision = precision;
    std::vector<metrics::MaskCounts> counts(std::size(thresholds));
    for (const auto& item : source().validation()) {
      const cv::Mat logits = run_tiled(network, item.lq, {}, 1, engine);
      const auto* truth_map = find_map(item.maps, target_);
      const cv::Mat truth = truth_map ? truth_map->full(item.lq.size()) > 0.5f
                                      : cv::Mat::zeros(item.lq.size(), CV_8UC1);
      for (size_t i = 0; i < std::size(thresholds); ++i)
        counts[i] += metrics::count_mask(logits > static_cast<float>(std::log(thresholds[i] / (1 - thresholds[i]))), truth);
    }
    size_t best = 0;
    for (size_t i = 1; i < counts.size(); ++i)
      if (counts[i].iou() > counts[best].iou()) best = i;
    const auto& kept = counts[best];
    const double half = counts[std::size(thresholds) / 2].iou();  // thresholds' middle is ½
    ValidationScores result;
    result.score = kept.iou();
    result.columns = fmt::format("{:.5f},{:.5f},{:.5f},{:.2f}", kept.iou(), kept.precision(),
                                 kept.recall(), thresholds[best]);
    result.summary = fmt::format("validation IoU {:.4f} at threshold {:.2f} (precision {:.4f}, "
                                 "recall {:.4f}; IoU {:.4f} at 0.5)",
                                 kept.iou(), thresholds[best], kept.precision(), kept.recall(), half);
    result.record = {{"iou", kept.iou()},           {"precision", kept.precision()},
                     {"recall", kept.recall()},     {"threshold", thresholds[best]},
                     {"iou_at_half", half},         {"images", "held-out training images"}};
    return result;
  }

  std::string validation_header() const override {
    return "validation_iou,validation_precision,validation_recall,validation_threshold";
  }

 private:
  std::string target_;
};

}  // namespace

std::unique_ptr<Objective> make_detection_objective(const ExperimentConfig& experiment,
                                                    const PatchSource& source,
                                                    const std::function<void(const std::string&)>& say) {
  return std::make_unique<DetectionObjective>(experiment, source, say);
}

}  // namespace restora::train

// Training a detector (a task with a target map, such as repair's "damage"): the degraded patch
// in, one logit per pixel out, binary cross-entropy plus a soft Dice term against the map the
// chain emits (the damaged pixels are few: Dice keeps the rare class from being ignored).
// Validated by IoU, precision and recall of the thresholded output (logit > 0) on the held-out
// images through the tiled engine; the IoU decides the best weights.
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>

#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restore/engine.h"
#include "train/restoration_objective.h"

namespace restora::train {
namespace {

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

  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override {
    auto& network = dynamic_cast<archs::RestorationNetworkImpl&>(weights);
    EngineOptions engine;
    engine.precision = precision;
    metrics::MaskCounts counts;
    for (const auto& item : source().validation()) {
      const cv::Mat logits = run_tiled(network, item.lq, {}, 1, engine);
      const auto* truth_map = find_map(item.maps, target_);
      const cv::Mat truth = truth_map ? truth_map->full(item.lq.size()) > 0.5f
                                      : cv::Mat::zeros(item.lq.size(), CV_8UC1);
      counts += metrics::count_mask(logits > 0.0f, truth);
    }
    ValidationScores result;
    result.score = counts.iou();
    result.columns = fmt::format("{:.5f},{:.5f},{:.5f}", counts.iou(), counts.precision(), counts.recall());
    result.summary = fmt::format("validation IoU {:.4f}, precision {:.4f}, recall {:.4f}", counts.iou(),
                                 counts.precision(), counts.recall());
    result.record = {{"iou", counts.iou()}, {"precision", counts.precision()},
                     {"recall", counts.recall()}, {"images", "held-out training images"}};
    return result;
  }

  std::string validation_header() const override {
    return "validation_iou,validation_precision,validation_recall";
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

#include "train/objective.h"

#include <torch/torch.h>

namespace restora::train {

std::vector<TrainedPart> Objective::parts(const OptimizerConfig& network_optimizer) {
  return {{"network", &network(), network_optimizer}};
}

std::vector<double> Objective::train_step(const Batch& batch, nn::Precision precision,
                                          const std::vector<torch::optim::Optimizer*>& optimizers,
                                          double grad_clip, const GradientSync& sync) {
  auto value = loss(batch, precision);
  optimizers[0]->zero_grad();
  value.backward();
  if (sync) sync(network());
  if (grad_clip > 0) torch::nn::utils::clip_grad_norm_(network().parameters(), grad_clip);
  optimizers[0]->step();
  return {value.item<double>()};
}

std::unique_ptr<Objective> make_objective(const ExperimentConfig& experiment,
                                          const PatchSource& source,
                                          const std::function<void(const std::string&)>& say) {
  if (experiment.adversarial.enabled) return make_adversarial_objective(experiment, source, say);
  if (experiment.task->id() == "codec") return make_codec_objective(experiment, source, say);
  if (!experiment.task->target_map().empty()) return make_detection_objective(experiment, source, say);
  return make_restoration_objective(experiment, source, say);
}

}  // namespace restora::train

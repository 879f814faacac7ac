// What a training run optimizes: a network, its loss on a batch, how a validation scores it and
// how its weights become a model file. trainer.cpp runs the same loop for every objective.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model_file/model_meta.h"
#include "nn/precision.h"
#include "train/config.h"
#include "train/dataset.h"

namespace restora::train {

struct ValidationScores {
  double score = 0.0;      // higher is better: decides which weights are kept as best
  std::string columns;     // this validation's log.csv cells, matching validation_header()
  std::string summary;     // one line for the progress messages
  nlohmann::json record;   // stored in the model file as scores.validation
};

// A set of weights the run trains with its own optimizer. parts()[0] is always network(): the
// weights that become the model and are averaged into the EMA twin; others (a discriminator)
// are checkpointed beside it.
struct TrainedPart {
  std::string name;  // "network", "discriminator": names its checkpoint file and log columns
  torch::nn::Module* module = nullptr;
  OptimizerConfig optimizer;
};

class Objective {
 public:
  virtual ~Objective() = default;
  virtual torch::nn::Module& network() = 0;
  // What the run optimizes; by default the network alone with the experiment's optimizer.
  virtual std::vector<TrainedPart> parts(const OptimizerConfig& network_optimizer);
  // The losses train_step returns, in order: [0] is logged as `loss` (and checked for
  // divergence), the others as extra log.csv columns after the validation's.
  virtual std::vector<std::string> loss_names() const { return {"loss"}; }
  // One optimisation step over every part: computes the losses, zeroes, back-propagates, calls
  // `sync` on the part (distributed training averages the gradients over the ranks there),
  // clips (grad_clip > 0: the global norm of each part's gradients) and steps optimizers[i] for
  // parts()[i]. The default back-propagates loss() into the network alone.
  using GradientSync = std::function<void(torch::nn::Module& part)>;
  virtual std::vector<double> train_step(const Batch& batch, nn::Precision precision,
                                         const std::vector<torch::optim::Optimizer*>& optimizers,
                                         double grad_clip, const GradientSync& sync);
  // A fresh instance of the same architecture (holds the EMA weights).
  virtual std::shared_ptr<torch::nn::Module> make_twin() const = 0;
  // The loss of one batch, differentiable; the network runs under `precision`.
  virtual torch::Tensor loss(const Batch& batch, nn::Precision precision) = 0;
  // Scores `weights` (the network or its twin) on the held-out images.
  virtual ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) = 0;
  virtual std::string validation_header() const = 0;  // log.csv columns, "validation_psnr,…"
  // The model file of `weights`; the loop adds the recipe and the validation scores.
  virtual model_file::ModelFile package(torch::nn::Module& weights) = 0;
};

// The objective an experiment names: adversarial when it has an `adversarial` section, the
// codec's for the codec task, detection for a task with a target map, otherwise restoration.
std::unique_ptr<Objective> make_objective(const ExperimentConfig& experiment,
                                          const PatchSource& source,
                                          const std::function<void(const std::string&)>& say);

// Restoration tasks (denoise, super_resolution, dejpeg): one of archs/'s networks, a pixel loss.
std::unique_ptr<Objective> make_restoration_objective(const ExperimentConfig& experiment,
                                                      const PatchSource& source,
                                                      const std::function<void(const std::string&)>& say);
// A restoration network trained against a discriminator (GAN), after a pixel-loss start.
std::unique_ptr<Objective> make_adversarial_objective(
    const ExperimentConfig& experiment, const PatchSource& source,
    const std::function<void(const std::string&)>& say);
// A detector for a task with a target map (repair's damage): per-pixel logits, cross-entropy
// and Dice, validated by IoU.
std::unique_ptr<Objective> make_detection_objective(
    const ExperimentConfig& experiment, const PatchSource& source,
    const std::function<void(const std::string&)>& say);
// The learned codec: rate + λ·distortion over the quality levels.
std::unique_ptr<Objective> make_codec_objective(const ExperimentConfig& experiment,
                                                const PatchSource& source,
                                                const std::function<void(const std::string&)>& say);

}  // namespace restora::train

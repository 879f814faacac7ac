// What a training run optimizes: a network, its loss on a batch, how a validation scores it and
// how its weights become a model file. trainer.cpp runs the same loop for every objective.
#pragma once

#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

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

class Objective {
 public:
  virtual ~Objective() = default;
  virtual torch::nn::Module& network() = 0;
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

// Restoration tasks (denoise, super_resolution, dejpeg): one of archs/'s networks, a pixel loss.
std::unique_ptr<Objective> make_restoration_objective(const ExperimentConfig& experiment,
                                                      const PatchSource& source,
                                                      const std::function<void(const std::string&)>& say);
// The learned codec: rate + λ·distortion over the quality levels.
std::unique_ptr<Objective> make_codec_objective(const ExperimentConfig& experiment,
                                                const PatchSource& source,
                                                const std::function<void(const std::string&)>& say);

}  // namespace restora::train

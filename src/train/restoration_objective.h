// Training a restoration network: degraded patch in, clean patch out, a pixel loss; validated
// by the task's own protocol on held-out images through the inference engine. The adversarial
// objective builds on it.
#pragma once

#include <opencv2/core.hpp>

#include "archs/network.h"
#include "train/objective.h"

namespace restora::train {

class RestorationObjective : public Objective {
 public:
  RestorationObjective(const ExperimentConfig& experiment, const PatchSource& source,
                       const std::function<void(const std::string&)>& say);

  torch::nn::Module& network() override { return *network_; }
  std::shared_ptr<torch::nn::Module> make_twin() const override;
  torch::Tensor loss(const Batch& batch, nn::Precision precision) override;
  ValidationScores validate(torch::nn::Module& weights, nn::Precision precision) override;
  std::string validation_header() const override { return "validation_psnr,validation_ssim"; }
  model_file::ModelFile package(torch::nn::Module& weights) override;

  // The network's output for the batch (N×C×sH×sW, in the precision's layout), differentiable.
  torch::Tensor restore(const Batch& batch, nn::Precision precision);
  // `weights` run over the held-out cases by the tiled engine: 8-bit images, one per case.
  std::vector<cv::Mat> restore_validation(torch::nn::Module& weights, nn::Precision precision);
  struct Fidelity {
    double psnr = 0.0, ssim = 0.0;  // means over the cases, by the task's protocol
  };
  Fidelity fidelity(const std::vector<cv::Mat>& restored) const;
  // A recurrent network over the held-out clips (data > sequence) by the video engine: the mean
  // over clips of the mean over frames.
  Fidelity clip_fidelity(torch::nn::Module& weights, nn::Precision precision) const;
  const ExperimentConfig& experiment() const { return experiment_; }
  const PatchSource& source() const { return source_; }
  // The init_from model's name when the run fine-tunes another model of this network.
  const std::string& strength_base() const { return meta_.strength_base; }
  archs::NetworkTraits network_traits() const { return network_->traits(); }

 private:
  const ExperimentConfig& experiment_;
  const PatchSource& source_;
  model_file::ModelMeta meta_;
  std::vector<std::string> condition_names_;  // the maps the network takes, in order
  archs::RestorationNetwork network_;
};

}  // namespace restora::train

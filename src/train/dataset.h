// Training data: image folders held in memory, cut into degraded/clean patch pairs on the fly.
// Every batch is a pure function of (seed, step), so a resumed run sees the same data.
#pragma once

#include <torch/types.h>

#include <filesystem>
#include <map>
#include <opencv2/core.hpp>
#include <vector>

#include "train/config.h"

namespace restora::train {

struct Batch {
  int64_t step = 0;
  int scale = 1;
  torch::Tensor lq;         // N×C×h×w float
  torch::Tensor gt;         // N×C×(scale·h)×(scale·w) float in [0,1]
  torch::Tensor condition;  // N×1×h×w: σ/255 or quality/100 of each sample
};

// One held-out image with a fixed degradation, to validate on.
struct ValidationCase {
  cv::Mat lq;     // CV_32F, the network's input
  cv::Mat gt_u8;  // matching ground truth
  float condition = 0.0f;
  Degradation degradation;
};

class PatchSource {
 public:
  // Reads every image of the configured folders under data_root; throws if too few.
  PatchSource(const ExperimentConfig& experiment, const std::filesystem::path& data_root);

  Batch make_batch(int64_t step) const;
  const std::vector<ValidationCase>& validation() const { return validation_; }
  size_t training_images() const { return images_.size(); }
  int channels() const { return channels_; }

 private:
  struct Item {
    cv::Mat gt;                 // CV_8UC1/C3
    std::map<int, cv::Mat> lr;  // super-resolution: the whole image downscaled per scale
  };
  const ExperimentConfig& experiment_;
  std::vector<Item> images_;
  std::vector<ValidationCase> validation_;
  int channels_ = 3;
};

}  // namespace restora::train

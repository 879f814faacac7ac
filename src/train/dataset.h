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
  // Clips (data > sequence) add a frame dimension: N×T×C×h×w and N×T×C×(scale·h)×(scale·w).
  torch::Tensor lq;    // N×C×h×w float
  torch::Tensor gt;    // N×C×(scale·h)×(scale·w) float in [0,1]
  // N×M×h×w: each sample's condition maps (σ/255, quality/100, ...), named by map_names (the
  // chain's maps, chain_maps order; a map a sample's chain did not make holds its undamaged
  // value). Undefined when the chain makes none.
  torch::Tensor maps;
  std::vector<std::string> map_names;
  // N×1×k×k: each sample's blur kernel (the chain's, degrade/chain.h), centred in the batch's
  // largest odd side with zeros (a sample without blur: a delta). Undefined when no sample of
  // the batch was blurred.
  torch::Tensor kernels;
};

// One held-out image with a fixed degradation chain, to validate on.
struct ValidationCase {
  cv::Mat lq;          // CV_32F, the network's input
  cv::Mat gt_u8;       // matching ground truth
  ConditionMaps maps;  // the chain's maps (as Batch::map_names)
  cv::Mat kernel;      // the chain's blur kernel, or empty
  Chain chain;
  int scale = 1;
};

// One held-out clip (data > sequence): a synthetic clip of a held-out image, degraded per frame
// with one chain.
struct ValidationClip {
  std::vector<cv::Mat> lq;     // CV_32F frames, the network's input
  std::vector<cv::Mat> gt_u8;  // matching ground-truth frames
  Chain chain;
  int scale = 1;
};

class PatchSource {
 public:
  // Reads every image of the configured folders under data_root; throws if too few.
  PatchSource(const ExperimentConfig& experiment, const std::filesystem::path& data_root);

  // The batch of `step`; with shards > 1 only this shard's samples of it (sample i of the whole
  // batch is the same wherever it is made, so N shards of B/N together are the batch of B).
  // InvalidArgument when the batch size is not a multiple of `shards`.
  Batch make_batch(int64_t step, int shard = 0, int shards = 1) const;
  const std::vector<ValidationCase>& validation() const { return validation_; }
  // data > sequence: the held-out clips (validation() is then empty).
  const std::vector<ValidationClip>& validation_clips() const { return validation_clips_; }
  size_t training_images() const { return images_.size(); }
  int channels() const { return channels_; }
  // Relative paths of the experiment (folders, NIQE parameters) are read under it.
  const std::filesystem::path& data_root() const { return data_root_; }

 private:
  // make_batch for data > sequence: clips instead of patches.
  Batch make_clip_batch(Batch batch, uint64_t step_seed, int first, int n) const;
  struct Item {
    cv::Mat gt;                 // CV_8UC1/C3
    std::map<int, cv::Mat> lr;  // super-resolution: the whole image downscaled per scale
  };
  const ExperimentConfig& experiment_;
  std::filesystem::path data_root_;
  std::vector<MapInfo> maps_;  // what the chain may make
  // Whether the degradation is one size-changing step applied to whole images once per scale
  // (the super-resolution protocol's bicubic), instead of a chain applied to each patch.
  bool whole_image_ = false;
  std::vector<Item> images_;
  std::vector<ValidationCase> validation_;
  std::vector<ValidationClip> validation_clips_;
  int channels_ = 3;
};

}  // namespace restora::train

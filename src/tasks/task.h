// The task registry: what each restoration task means — the degradation it undoes, the
// conditioning its networks may take, how it is measured (PROTOCOLS.md) and its shipped model.
// The same code makes training pairs, evaluation inputs and `restora degrade` output.
//
//   tasks::Task task = tasks::find_task("denoise");
//   const auto degradation = task->degradation().with_value(25);
//   cv::Mat noisy = task->degrade(clean_u8, degradation, rng);
//   auto measuring = task->protocol(task->degradation().scale(degradation));
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "degrade/chain.h"
#include "metrics/metrics.h"

namespace restora::tasks {

// How a task is measured.
struct Protocol {
  metrics::Space space = metrics::Space::all_channels;
  int crop_border = 0;
  bool psnr_b = false;
  std::string description;
};

class TaskSpec {
 public:
  explicit TaskSpec(const DegradationKind& degradation) : degradation_(degradation) {}
  virtual ~TaskSpec() = default;

  virtual std::string id() const = 0;  // stable, written in model files: "denoise", ...
  const DegradationKind& degradation() const { return degradation_; }
  // How results at this scale (ground truth / input size) are measured.
  virtual Protocol protocol(int scale) const = 0;
  // The shipped model serving `channels`-channel images at `scale` ("denoise-gray", "sr").
  virtual std::string default_model(int channels, int scale = 1) const = 0;
  // The shipped model that is given the blur kernel ("" when the task has none).
  virtual std::string non_blind_model() const { return ""; }
  // A detection task's networks predict this per-pixel map of the degradation (one logit per
  // pixel, trained against the map the chain emits) instead of the clean image; "" for the
  // restoration tasks.
  virtual std::string target_map() const { return ""; }
  // A video task's image counterpart, whose models may restore a clip frame by frame
  // ("super_resolution" for "video_sr"); "" for the image tasks.
  virtual std::string image_task() const { return ""; }

  // The degraded input (CV_32F) for gt_u8 under `setting` of degradation().
  cv::Mat degrade(const cv::Mat& gt_u8, const Degradation& setting, Rng& rng) const;
  // The ground truth that matches degrade()'s output (modcropped for super-resolution).
  cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation& setting) const {
    return degradation().ground_truth(gt_u8, setting);
  }

 private:
  const DegradationKind& degradation_;
};

// Tasks are registered once and live for the whole program: a Task is a plain handle.
using Task = const TaskSpec*;

// The task with this id; unknown ids -> InvalidArgument listing the known ones.
Task find_task(const std::string& id);
std::vector<std::string> known_tasks();

}  // namespace restora::tasks

// What each restoration task means: its degradation, its conditioning and how it is measured.
// The same code makes training pairs, evaluation inputs and `restora degrade` output.
#pragma once

#include <opencv2/core.hpp>

#include <string>
#include <vector>

#include "degrade/random.h"
#include "metrics/metrics.h"

namespace restora::tasks {

enum class Task { denoise, super_resolution, dejpeg };

Task parse_task(const std::string& name);  // "denoise" | "super_resolution" | "dejpeg"
std::string task_name(Task task);
std::vector<std::string> known_tasks();

// One concrete degradation. Only the field of the task matters.
struct Degradation {
  double sigma = 0.0;  // denoise: Gaussian σ on the 0..255 scale
  int quality = 0;     // dejpeg: JPEG quality 1..100
  int scale = 1;       // super_resolution: 2, 3, 4, ...
};

// The ranges blind training samples from.
struct DegradationRange {
  double sigma_min = 0.0, sigma_max = 0.0;
  int quality_min = 0, quality_max = 0;
  std::vector<int> scales{1};
};

Degradation sample_degradation(Task task, const DegradationRange& range, Rng& rng);

// gt_u8: H×W CV_8UC1/C3 (RGB). -> lq, CV_32F in [0,1] (unclipped for noise):
//   denoise: gt + N(0, σ²) in float (rng draws the noise);
//   dejpeg: libjpeg round trip at `quality`;
//   super_resolution: MATLAB bicubic downscale of modcrop(gt, scale), rounded to 8 bits.
cv::Mat degrade(const cv::Mat& gt_u8, Task task, const Degradation& degradation, Rng& rng);

// The ground truth that matches degrade()'s output (modcropped for super-resolution).
cv::Mat matching_ground_truth(const cv::Mat& gt_u8, Task task, const Degradation& degradation);

// Value of the conditioning map fed to networks that take one: σ/255 or quality/100.
float condition_value(Task task, const Degradation& degradation);

// How a task is measured (PROTOCOLS.md).
struct Protocol {
  metrics::Space space = metrics::Space::all_channels;
  int crop_border = 0;
  bool psnr_b = false;
  std::string description;
};
Protocol protocol(Task task, const Degradation& degradation);

}  // namespace restora::tasks

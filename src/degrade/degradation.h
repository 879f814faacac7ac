// The degradation registry: each kind of damage by a stable id, as a pure function of the clean
// 8-bit image plus the sampler blind training draws its parameter with. Tasks (src/tasks) are
// built on these; training pairs, evaluation inputs and `restora degrade` all come from apply().
//
//   const auto& noise = restora::find_degradation("gaussian_noise");
//   cv::Mat noisy = noise.apply(clean_u8, noise.with_value(25), rng);  // σ = 25, unclipped float
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "degrade/random.h"

namespace restora {

// One concrete degradation. Each kind reads only its own field.
struct Degradation {
  double sigma = 0.0;  // gaussian_noise: σ on the 0..255 scale
  int quality = 0;     // jpeg: quality 1..100
  int scale = 1;       // bicubic_down: 2..8
};

// The ranges blind training samples from (each kind reads its own).
struct DegradationRange {
  double sigma_min = 0.0, sigma_max = 0.0;
  int quality_min = 0, quality_max = 0;
  std::vector<int> scales{1};
};

class DegradationKind {
 public:
  virtual ~DegradationKind() = default;

  virtual std::string id() const = 0;         // stable: "gaussian_noise", "jpeg", "bicubic_down"
  virtual std::string parameter() const = 0;  // the field it reads: "sigma", "quality", "scale"
  virtual double value(const Degradation& degradation) const = 0;
  // The degradation with this parameter value; an invalid value -> InvalidArgument naming it.
  virtual Degradation with_value(double value) const = 0;
  virtual std::string label(const Degradation& degradation) const = 0;  // "σ=25", "q10", "x2"

  // Checks a training range (InvalidArgument naming the problem) and draws from it.
  virtual void check_range(const DegradationRange& range) const = 0;
  virtual Degradation sample(const DegradationRange& range, Rng& rng) const = 0;
  // The settings validation uses when a config names none.
  virtual std::vector<double> default_validation(const DegradationRange& range) const = 0;

  // gt_u8: H×W CV_8UC1 or CV_8UC3 (RGB) -> the degraded image, CV_32F in [0,1], H/scale × W/scale
  // (the ground truth must be cut to ground_truth() to match it).
  virtual cv::Mat apply(const cv::Mat& gt_u8, const Degradation& degradation, Rng& rng) const = 0;
  virtual cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation&) const { return gt_u8; }
  virtual int scale(const Degradation&) const { return 1; }  // ground-truth size / degraded size
  virtual bool changes_size() const { return false; }
  // Whether apply() gives exact 8-bit samples (an 8-bit file holds them without loss).
  virtual bool quantized() const { return true; }
};

// The kind with this id; unknown ids -> InvalidArgument listing the known ones.
const DegradationKind& find_degradation(const std::string& id);
std::vector<std::string> known_degradations();

}  // namespace restora

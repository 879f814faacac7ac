// The registered degradation kinds; a new kind is one class here and one registry line.
#include "degrade/degradation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <memory>
#include <utility>

#include "degrade/jpeg.h"
#include "degrade/noise.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora {
namespace {

void require_u8(const cv::Mat& gt_u8) {
  if (gt_u8.depth() != CV_8U) throw InvalidArgument("degrade: ground truth must be 8-bit");
}

// The integer in [lo, hi] that `value` is exactly, else InvalidArgument.
int integer_in(const std::string& parameter, double value, int lo, int hi) {
  if (!(value >= lo && value <= hi) || value != std::floor(value))
    throw InvalidArgument(
        fmt::format("{} {} is not supported; use an integer in {}..{}", parameter, value, lo, hi));
  return static_cast<int>(value);
}

class GaussianNoise : public DegradationKind {
 public:
  std::string id() const override { return "gaussian_noise"; }
  std::string parameter() const override { return "sigma"; }
  double value(const Degradation& degradation) const override { return degradation.sigma; }
  Degradation with_value(double value) const override {
    if (!(value >= 0.0 && value <= 255.0))
      throw InvalidArgument(fmt::format("sigma {} is not supported; use 0..255", value));
    Degradation degradation;
    degradation.sigma = value;
    return degradation;
  }
  std::string label(const Degradation& degradation) const override {
    return fmt::format("σ={}", degradation.sigma);
  }
  void check_range(const DegradationRange& range) const override {
    if (!(range.sigma_min >= 0 && range.sigma_min <= range.sigma_max && range.sigma_max <= 255))
      throw InvalidArgument("sigma range must be [min, max] with 0 <= min <= max <= 255");
  }
  Degradation sample(const DegradationRange& range, Rng& rng) const override {
    return with_value(sample_sigma(range.sigma_min, range.sigma_max, rng));
  }
  std::vector<double> default_validation(const DegradationRange&) const override { return {25}; }
  cv::Mat apply(const cv::Mat& gt_u8, const Degradation& degradation, Rng& rng) const override {
    require_u8(gt_u8);
    return add_gaussian_noise(to_float01(gt_u8), degradation.sigma, rng);
  }
  bool quantized() const override { return false; }  // float, unclipped (PROTOCOLS.md)
};

class Jpeg : public DegradationKind {
 public:
  std::string id() const override { return "jpeg"; }
  std::string parameter() const override { return "quality"; }
  double value(const Degradation& degradation) const override { return degradation.quality; }
  Degradation with_value(double value) const override {
    Degradation degradation;
    degradation.quality = integer_in("quality", value, 1, 100);
    return degradation;
  }
  std::string label(const Degradation& degradation) const override {
    return fmt::format("q{}", degradation.quality);
  }
  void check_range(const DegradationRange& range) const override {
    if (!(range.quality_min >= 1 && range.quality_min <= range.quality_max &&
          range.quality_max <= 100))
      throw InvalidArgument("quality range must be [min, max] with 1 <= min <= max <= 100");
  }
  Degradation sample(const DegradationRange& range, Rng& rng) const override {
    return with_value(sample_quality(range.quality_min, range.quality_max, rng));
  }
  std::vector<double> default_validation(const DegradationRange&) const override { return {20}; }
  cv::Mat apply(const cv::Mat& gt_u8, const Degradation& degradation, Rng&) const override {
    require_u8(gt_u8);
    return to_float01(jpeg_roundtrip(gt_u8, degradation.quality));
  }
};

// MATLAB imresize(modcrop(gt, s), 1/s, 'bicubic'), rounded to 8 bits like MATLAB's.
class BicubicDown : public DegradationKind {
 public:
  std::string id() const override { return "bicubic_down"; }
  std::string parameter() const override { return "scale"; }
  double value(const Degradation& degradation) const override { return degradation.scale; }
  Degradation with_value(double value) const override {
    Degradation degradation;
    degradation.scale = integer_in("scale", value, 2, 8);
    return degradation;
  }
  std::string label(const Degradation& degradation) const override {
    return fmt::format("x{}", degradation.scale);
  }
  void check_range(const DegradationRange& range) const override {
    if (range.scales.empty()) throw InvalidArgument("scales must name at least one scale");
    for (int scale : range.scales) with_value(scale);
  }
  Degradation sample(const DegradationRange& range, Rng& rng) const override {
    return with_value(
        range.scales.at(rng.uniform_int(0, static_cast<int>(range.scales.size()) - 1)));
  }
  std::vector<double> default_validation(const DegradationRange& range) const override {
    return {range.scales.begin(), range.scales.end()};
  }
  cv::Mat apply(const cv::Mat& gt_u8, const Degradation& degradation, Rng&) const override {
    require_u8(gt_u8);
    with_value(degradation.scale);
    return to_float01(imresize_matlab(ground_truth(gt_u8, degradation), 1.0 / degradation.scale));
  }
  cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation& degradation) const override {
    return modcrop(gt_u8, degradation.scale);
  }
  int scale(const Degradation& degradation) const override { return degradation.scale; }
  bool changes_size() const override { return true; }
};

// No damage: the clean image itself, for tasks that learn to reproduce it (compression).
class NoDegradation : public DegradationKind {
 public:
  std::string id() const override { return "none"; }
  std::string parameter() const override { return "none"; }
  double value(const Degradation&) const override { return 0.0; }
  Degradation with_value(double) const override { return {}; }
  std::string label(const Degradation&) const override { return "clean"; }
  void check_range(const DegradationRange&) const override {}
  Degradation sample(const DegradationRange&, Rng&) const override { return {}; }
  std::vector<double> default_validation(const DegradationRange&) const override { return {0}; }
  cv::Mat apply(const cv::Mat& gt_u8, const Degradation&, Rng&) const override {
    require_u8(gt_u8);
    return to_float01(gt_u8);
  }
};

const std::vector<std::unique_ptr<DegradationKind>>& registry() {
  static const auto kinds = [] {
    std::vector<std::unique_ptr<DegradationKind>> entries;
    entries.push_back(std::make_unique<GaussianNoise>());
    entries.push_back(std::make_unique<Jpeg>());
    entries.push_back(std::make_unique<BicubicDown>());
    entries.push_back(std::make_unique<NoDegradation>());
    return entries;
  }();
  return kinds;
}

}  // namespace

const DegradationKind& find_degradation(const std::string& id) {
  for (const auto& kind : registry())
    if (kind->id() == id) return *kind;
  throw InvalidArgument(fmt::format("unknown degradation '{}'; known: {}", id,
                                    fmt::join(known_degradations(), ", ")));
}

std::vector<std::string> known_degradations() {
  std::vector<std::string> ids;
  for (const auto& kind : registry()) ids.push_back(kind->id());
  return ids;
}

}  // namespace restora

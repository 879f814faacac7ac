// The degradation contract's shared code, the registry, and the kinds of the benchmark
// protocols (Gaussian noise, JPEG, MATLAB-bicubic downscaling). A new kind is one class in a
// family file and one registry line.
#include "degrade/degradation.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cmath>
#include <memory>

#include "degrade/jpeg.h"
#include "degrade/kinds.h"
#include "degrade/noise.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora {

double Degradation::at(const std::string& name) const {
  const auto found = values.find(name);
  if (found == values.end())
    throw InvalidArgument(fmt::format("{} has no parameter '{}'", kind, name));
  return found->second;
}

DegradedImage start_degrading(const cv::Mat& gt_u8) {
  if (gt_u8.empty() || gt_u8.depth() != CV_8U || (gt_u8.channels() != 1 && gt_u8.channels() != 3))
    throw InvalidArgument("degrade: the ground truth must be a non-empty 8-bit gray or RGB image");
  return {gt_u8, gt_u8.size(), {}};
}

Degradation DegradationKind::make(const std::map<std::string, double>& given) const {
  const auto infos = parameters();
  Degradation setting{id(), {}};
  for (const auto& [name, value] : given) {
    bool known = false;
    for (const auto& info : infos) known = known || info.name == name;
    if (!known) {
      std::vector<std::string> names;
      for (const auto& info : infos) names.push_back(info.name);
      throw InvalidArgument(fmt::format("{} has no parameter '{}'; it has: {}", id(), name,
                                        names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
    }
  }
  for (const auto& info : infos) {
    const auto found = given.find(info.name);
    const double value = found == given.end() ? info.default_value : found->second;
    const bool integer = info.integer || !info.choices.empty();
    if (!(value >= info.min && value <= info.max) || (integer && value != std::floor(value))) {
      if (!info.choices.empty())
        throw InvalidArgument(fmt::format("{}: {} {} is not one of {}", id(), info.name, value,
                                          fmt::join(info.choices, ", ")));
      throw InvalidArgument(fmt::format("{}: {} {} is not supported; use {} in {}..{}", id(),
                                        info.name, value, integer ? "an integer" : "a value",
                                        info.min, info.max));
    }
    setting.values[info.name] = value;
  }
  check(setting);
  return setting;
}

std::string DegradationKind::label(const Degradation& setting) const { return describe(setting); }

std::string describe(const Degradation& setting) {
  const auto& kind = find_degradation(setting.kind);
  std::string text = setting.kind;
  for (const auto& info : kind.parameters()) {
    const double value = setting.at(info.name);
    if (!info.choices.empty())
      text += fmt::format(":{}={}", info.name, info.choices.at(static_cast<size_t>(value)));
    else
      text += fmt::format(":{}={}", info.name, value);
  }
  return text;
}

namespace kinds {

cv::Mat float_image(const DegradedImage& state) {
  return state.image.depth() == CV_32F ? state.image : to_float01(state.image);
}

cv::Mat u8_image(const DegradedImage& state) {
  return state.image.depth() == CV_8U ? state.image : quantize_u8(state.image);
}

void replace_image(DegradedImage& state, cv::Mat image) {
  if (image.size() != state.image.size()) {
    state.maps = resize_maps(state.maps, image.size());
    state.kernel = cv::Mat();
  }
  state.image = std::move(image);
}

int int_at(const Degradation& setting, const std::string& name) {
  return static_cast<int>(setting.at(name));
}

namespace {

class GaussianNoise : public DegradationKind {
 public:
  std::string id() const override { return "gaussian_noise"; }
  std::string summary() const override {
    return "additive white Gaussian noise, unclipped (the denoising protocol's)";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"sigma", 0, 255, 25, false, {}, "standard deviation on the 0..255 scale"},
            {"gray", 0, 1, 0, true, {}, "1: the same noise in every channel"}};
  }
  std::vector<MapInfo> maps() const override { return {{"sigma", 0.0f}}; }
  ConditionMaps condition_maps(const Degradation& setting) const override {
    return {{"sigma", {}, static_cast<float>(setting.at("sigma") / 255.0)}};
  }
  std::string label(const Degradation& setting) const override {
    return fmt::format("σ={}", setting.at("sigma"));
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const override {
    const cv::Mat clean = float_image(state);
    const double sigma = setting.at("sigma");
    if (int_at(setting, "gray") == 0 || clean.channels() == 1) {
      state.image = add_gaussian_noise(clean, sigma, rng);
    } else {  // one draw per pixel, the same in each channel
      cv::Mat plane = add_gaussian_noise(cv::Mat::zeros(clean.size(), CV_32FC1), sigma, rng);
      cv::Mat planes[] = {plane, plane, plane}, noise;
      cv::merge(planes, 3, noise);
      state.image = clean + noise;
    }
    for (auto& map : condition_maps(setting)) state.maps.push_back(map);
  }
  bool quantized() const override { return false; }  // float, unclipped (PROTOCOLS.md)
};

class Jpeg : public DegradationKind {
 public:
  std::string id() const override { return "jpeg"; }
  std::string summary() const override {
    return "JPEG round trip through libjpeg (4:2:0 for colour), 8-bit samples";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"quality", 1, 100, 75, true, {}, "JPEG quality"}};
  }
  double typical_value() const override { return 20; }
  std::vector<MapInfo> maps() const override { return {{"quality", 1.0f}}; }
  ConditionMaps condition_maps(const Degradation& setting) const override {
    return {{"quality", {}, static_cast<float>(setting.at("quality") / 100.0)}};
  }
  std::string label(const Degradation& setting) const override {
    return fmt::format("q{}", int_at(setting, "quality"));
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    state.image = jpeg_roundtrip(u8_image(state), int_at(setting, "quality"));
    for (auto& map : condition_maps(setting)) state.maps.push_back(map);
  }
};

// MATLAB imresize(modcrop(image, s), 1/s, 'bicubic'); 8-bit input is rounded to 8 bits like
// MATLAB's, float input stays float.
class BicubicDown : public DegradationKind {
 public:
  std::string id() const override { return "bicubic_down"; }
  std::string summary() const override {
    return "MATLAB-bicubic downscale by an integer factor (the super-resolution protocol's)";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 2, 8, 4, true, {}, "downscaling factor"}};
  }
  std::string label(const Degradation& setting) const override {
    return fmt::format("x{}", int_at(setting, "scale"));
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    const int scale = int_at(setting, "scale");
    replace_image(state, imresize_matlab(modcrop(state.image, scale), 1.0 / scale));
  }
  cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation& setting) const override {
    return modcrop(gt_u8, int_at(setting, "scale"));
  }
  int scale(const Degradation& setting) const override { return int_at(setting, "scale"); }
  bool changes_size() const override { return true; }
};

// No damage: the clean image itself, for tasks that learn to reproduce it (compression).
class NoDegradation : public DegradationKind {
 public:
  std::string id() const override { return "none"; }
  std::string summary() const override { return "no damage"; }
  std::vector<ParameterInfo> parameters() const override { return {}; }
  std::string label(const Degradation&) const override { return "clean"; }
  void apply(DegradedImage&, const Degradation&, Rng&) const override {}
};

// The damage a paired test set's input photos already carry (real camera noise): measured, never
// made; applying it is an error.
class Recorded : public DegradationKind {
 public:
  std::string id() const override { return "recorded"; }
  std::string summary() const override {
    return "the damage already in a paired test set's input photos (evaluation only)";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 1, 8, 1, true, {}, "the output scale the methods are asked for"}};
  }
  std::string label(const Degradation& setting) const override {
    const int scale = int_at(setting, "scale");
    return scale == 1 ? "real" : fmt::format("real x{}", scale);
  }
  int scale(const Degradation& setting) const override { return int_at(setting, "scale"); }
  void apply(DegradedImage&, const Degradation&, Rng&) const override {
    throw InvalidArgument("'recorded' damage comes with a test set's input photos; it cannot be "
                          "applied to a clean image");
  }
};

}  // namespace

std::unique_ptr<DegradationKind> make_recorded() { return std::make_unique<Recorded>(); }
std::unique_ptr<DegradationKind> make_gaussian_noise() { return std::make_unique<GaussianNoise>(); }
std::unique_ptr<DegradationKind> make_jpeg() { return std::make_unique<Jpeg>(); }
std::unique_ptr<DegradationKind> make_bicubic_down() { return std::make_unique<BicubicDown>(); }
std::unique_ptr<DegradationKind> make_none() { return std::make_unique<NoDegradation>(); }

}  // namespace kinds
}  // namespace restora

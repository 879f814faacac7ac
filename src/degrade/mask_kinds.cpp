// Missing regions: a mask of one of the generator families (degrade/masks.h) drawn from the
// random stream, the masked pixels set to 0 and a per-pixel "mask" map (1 = missing) emitted,
// which inpainting networks take as input. Damage: scratches, dust, cracks and stains painted
// over the photo (degrade/damage.h), with a "damage" map of where, which repair's detector
// learns to predict.
#include <fmt/format.h>

#include "degrade/damage.h"
#include "degrade/kinds.h"
#include "degrade/masks.h"

namespace restora::kinds {
namespace {

class Mask : public DegradationKind {
 public:
  std::string id() const override { return "mask"; }
  std::string summary() const override {
    return "missing regions (strokes, scratches, blobs, boxes, large holes) set to 0, with a mask map";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"family", 0, 4, 0, true, {"strokes", "scratches", "blobs", "boxes", "large"}, "mask generator"},
            {"coverage", 0, 0.9, 0, false, {}, "fraction of pixels missing; 0 = the family's random range"},
            {"side", 0, 16384, 0, true, {}, "image side the element sizes refer to; 0 = this image's shorter side"}};
  }
  std::vector<MapInfo> maps() const override { return {{"mask", 0.0f}}; }
  std::string label(const Degradation& setting) const override {
    const auto family = mask_family_name(static_cast<MaskFamily>(int_at(setting, "family")));
    const double coverage = setting.at("coverage");
    return coverage > 0 ? fmt::format("{} {:.0f}%", family, 100 * coverage) : family;
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const override {
    const auto family = static_cast<MaskFamily>(int_at(setting, "family"));
    double coverage = setting.at("coverage");
    if (coverage <= 0) coverage = random_coverage(family, rng);
    const cv::Mat mask = random_mask(family, state.image.size(), coverage, rng, setting.at("side"));
    state.image = state.image.clone();
    state.image.setTo(cv::Scalar::all(0), mask);
    cv::Mat missing;
    mask.convertTo(missing, CV_32F, 1.0 / 255);
    state.maps.push_back({"mask", missing, 0.0f});
  }
};

class PaintedDamage : public DegradationKind {
 public:
  std::string id() const override { return "damage"; }
  std::string summary() const override {
    return "old-print damage (scratches, dust, cracks, stains) painted over, with a damage map";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"amount", 0, 1, 0, false, {}, "how much damage; 0 = random in [0.1, 1]"},
            {"side", 0, 16384, 0, true, {}, "image side the element sizes refer to; 0 = this image's shorter side"}};
  }
  std::vector<MapInfo> maps() const override { return {{"damage", 0.0f}}; }
  std::string label(const Degradation& setting) const override {
    const double amount = setting.at("amount");
    return amount > 0 ? fmt::format("damage {:.2f}", amount) : "damage";
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const override {
    const auto damage = random_damage(float_image(state), rng, setting.at("side"), setting.at("amount"));
    state.image = damage.image;
    cv::Mat damaged;
    damage.mask.convertTo(damaged, CV_32F, 1.0 / 255);
    state.maps.push_back({"damage", damaged, 0.0f});
  }
  bool quantized() const override { return false; }
};

}  // namespace

std::unique_ptr<DegradationKind> make_mask() { return std::make_unique<Mask>(); }
std::unique_ptr<DegradationKind> make_damage() { return std::make_unique<PaintedDamage>(); }

}  // namespace restora::kinds

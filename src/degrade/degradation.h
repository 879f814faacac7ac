// The open degradation contract. A kind of damage (noise, blur, JPEG, resizing…) is registered by
// a stable id with its named parameters; one concrete setting is a Degradation (the kind and a
// value for every parameter). apply() is a pure function of the image, the setting and the
// random stream it is handed (noise and masks draw from it; nothing else does). Kinds are chained
// (degrade/chain.h), and the chain's sampler draws the settings: the same code makes training
// pairs, evaluation inputs and `restora degrade` output.
//
//   const auto& noise = restora::find_degradation("gaussian_noise");
//   DegradedImage state = start_degrading(clean_u8);
//   noise.apply(state, noise.make({{"sigma", 25}}), rng);   // state.image: unclipped float
#pragma once

#include <map>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "degrade/random.h"
#include "image/condition_maps.h"

namespace restora {

// One named parameter of a kind.
struct ParameterInfo {
  std::string name;
  double min = 0.0, max = 0.0;         // inclusive range
  double default_value = 0.0;          // used when a setting leaves the parameter out
  bool integer = false;                // integers only (choices are integers too)
  std::vector<std::string> choices;    // named values: the parameter holds the choice's index
  std::string help;
};

// One concrete degradation: a kind and the value of each of its parameters.
struct Degradation {
  std::string kind;
  std::map<std::string, double> values;
  // The value of `name`; a parameter the setting lacks -> InvalidArgument.
  double at(const std::string& name) const;
};

// An image part-way through a chain of degradations.
struct DegradedImage {
  cv::Mat image;       // CV_8U (exact 8-bit samples) or CV_32F (nominal [0,1], not clipped)
  cv::Size gt_size;    // the ground truth's size, which size-changing steps refer to
  ConditionMaps maps;  // at image's size
  // The blur applied so far (CV_32FC1, odd sides, sum 1; consecutive blurs composed), or empty.
  // A later size change forgets it: it no longer describes the image.
  cv::Mat kernel;
};

// gt_u8 (CV_8UC1 or CV_8UC3 RGB) as the start of a chain.
DegradedImage start_degrading(const cv::Mat& gt_u8);

// What a map a kind emits holds when the step did not run ("no damage of this kind").
struct MapInfo {
  std::string name;
  float undamaged = 0.0f;
};

class DegradationKind {
 public:
  virtual ~DegradationKind() = default;

  virtual std::string id() const = 0;  // stable: "gaussian_noise", "blur", "jpeg", ...
  virtual std::string summary() const = 0;
  // Its parameters; the first is the primary one (`kind:VALUE` in a chain sets it).
  virtual std::vector<ParameterInfo> parameters() const = 0;
  // The condition maps apply() adds.
  virtual std::vector<MapInfo> maps() const { return {}; }

  // Degrades `state` in place. The setting must come from make().
  virtual void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const = 0;

  // The setting with these values (the rest at their defaults), checked: an unknown parameter or
  // a value out of range -> InvalidArgument naming the kind, the parameter and the range.
  Degradation make(const std::map<std::string, double>& given) const;
  // The constant condition maps apply() adds for `setting` (what a model conditioned on this
  // kind is given at inference).
  virtual ConditionMaps condition_maps(const Degradation&) const { return {}; }

  // The size ratio this step imposes: input / output (integer downscalers), or, where
  // scale_is_absolute(), ground truth / output (resize_to); 0: not an integer ratio (resize).
  virtual int scale(const Degradation&) const { return 1; }
  virtual bool scale_is_absolute() const { return false; }
  virtual bool changes_size() const { return false; }
  // The ground truth matching apply()'s output (cropped to the scale's multiple).
  virtual cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation&) const { return gt_u8; }
  // Whether the result holds exact 8-bit samples (an 8-bit file stores it without loss).
  virtual bool quantized() const { return true; }

  // The primary parameter, for tasks measured over one parameter (σ, quality, scale).
  // A kind without parameters has the primary parameter "" and the value 0.
  std::string parameter() const;
  double value(const Degradation& setting) const;
  Degradation with_value(double value) const;
  // A short label for tables ("σ=25", "q10", "x2"); by default the setting in chain syntax.
  virtual std::string label(const Degradation& setting) const;
  // The setting a training run validates on when its config names none.
  virtual double typical_value() const;

 protected:
  // Checks relations between parameters that make() cannot see alone.
  virtual void check(const Degradation&) const {}
};

// The kind with this id; unknown ids -> InvalidArgument listing the known ones.
const DegradationKind& find_degradation(const std::string& id);
std::vector<std::string> known_degradations();

// `setting` in chain syntax with every parameter: "blur:sigma=2:sigma_minor=0:...".
std::string describe(const Degradation& setting);

}  // namespace restora

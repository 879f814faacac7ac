// Chains of degradations: kind₁ → kind₂ → …, written as text, sampled with a seeded generator,
// applied to a clean image. A chain specification may leave parameters random (a range or a list
// of choices) and steps optional (p=); sampling it gives a concrete Chain, whose text is itself a
// specification that reproduces it.
//
//   ChainSpec spec = parse_chain("blur:sigma=0.5~3,resize_to:4,camera_noise:p=0.5,jpeg:30~95");
//   Chain chain = sample_chain(spec, rng);           // e.g. blur:sigma=1.7:...,resize_to:...
//   DegradedSample sample = degrade(chain, clean_u8, rng);   // lq, matching gt, maps
//
// Syntax: steps separated by ',', a step is KIND then ':'-separated arguments; an argument is
// NAME=VALUE or a bare VALUE for the kind's first parameter. VALUE is a number, a choice's name,
// LO~HI (uniform; integers for integer parameters) or A|B|C (one of them, equally likely). The
// argument p=P applies the step with probability P. A whole chain may be a preset's name
// (chain_presets()). Spaces are ignored.
#pragma once

#include <map>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "degrade/degradation.h"

namespace restora {

// A parameter's value in a specification: fixed (one choice), uniform in [lo, hi], or one of
// several choices.
struct ValueSpec {
  bool uniform = false;
  double lo = 0.0, hi = 0.0;   // uniform
  std::vector<double> choices; // otherwise; one = fixed
};

struct StepSpec {
  std::string kind;
  std::map<std::string, ValueSpec> values;  // parameters left out take their defaults
  double probability = 1.0;
};

struct ChainSpec {
  std::vector<StepSpec> steps;
  std::string text;  // as written (a preset: its expansion)
};

struct Chain {
  std::vector<Degradation> steps;
};

// Parses and checks every step, kind, parameter and range; a problem -> InvalidArgument naming
// the step.
ChainSpec parse_chain(const std::string& text);
// A one-step specification (the legacy `sigma: [lo, hi]` style of training configs).
ChainSpec single_step(const std::string& kind, const std::string& parameter, ValueSpec value);

// Draws a concrete chain. The draws, in order: per step, one uniform for p < 1, then one per
// random parameter in the kind's parameter order (uniform: rng.uniform(lo, hi), integers
// rng.uniform_int(lo, hi); choices: rng.uniform_int(0, n - 1)).
Chain sample_chain(const ChainSpec& spec, Rng& rng);

// The chain in specification syntax, every parameter written out.
std::string chain_text(const Chain& chain);

// Ground truth size / output size of the chain, an integer >= 1; a chain that does not end at
// one (a resize without a later resize_to) -> InvalidArgument.
int chain_scale(const Chain& chain);

struct DegradedSample {
  cv::Mat lq;          // CV_32F, the network's input (unclipped where the chain ends in float)
  cv::Mat gt_u8;       // the ground truth cropped to scale × lq's size
  ConditionMaps maps;  // what the steps emitted, at lq's size
  cv::Mat kernel;      // the chain's blur (DegradedImage::kernel), or empty
  bool quantized = true;  // whether lq holds exact 8-bit samples
};

// Applies the chain to gt_u8 (CV_8UC1 or CV_8UC3 RGB); noise draws from rng.
DegradedSample degrade(const Chain& chain, const cv::Mat& gt_u8, Rng& rng);

// The maps any sample of `spec` may carry, each once, in step order.
std::vector<MapInfo> chain_maps(const ChainSpec& spec);
// `maps` reordered as `wanted`, a missing one filled with its undamaged value; maps not wanted
// are dropped.
ConditionMaps select_maps(const ConditionMaps& maps, const std::vector<MapInfo>& wanted);

// The named chains: "realesrgan-x4" (the second-order chain Real-ESRGAN trains with), ...
std::vector<std::string> chain_presets();
std::string preset_text(const std::string& name);  // unknown -> InvalidArgument listing them

}  // namespace restora

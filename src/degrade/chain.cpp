#include "degrade/chain.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <utility>

#include "degrade/kinds.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora {
namespace {

std::vector<std::string> split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  std::string part;
  for (char c : text) {
    if (c == separator) {
      parts.push_back(part);
      part.clear();
    } else if (!std::isspace(static_cast<unsigned char>(c))) {
      part += c;
    }
  }
  parts.push_back(part);
  return parts;
}

bool parse_number(const std::string& text, double& value) {
  if (text.empty()) return false;
  char* end = nullptr;
  value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(value);
}

// A number, or the index of one of the parameter's named choices.
double parse_value(const std::string& text, const ParameterInfo& info) {
  double value = 0;
  if (parse_number(text, value)) return value;
  const auto found = std::find(info.choices.begin(), info.choices.end(), text);
  if (found != info.choices.end()) return static_cast<double>(found - info.choices.begin());
  if (!info.choices.empty())
    throw InvalidArgument(fmt::format("{} '{}' is not one of {}", info.name, text,
                                      fmt::join(info.choices, ", ")));
  throw InvalidArgument(fmt::format("{} '{}' is not a number", info.name, text));
}

ValueSpec parse_value_spec(const std::string& text, const ParameterInfo& info,
                           const DegradationKind& kind) {
  ValueSpec spec;
  const auto check = [&](double value) { kind.make({{info.name, value}}); };  // range, integer
  if (text.find('~') != std::string::npos) {
    const auto bounds = split(text, '~');
    if (bounds.size() != 2) throw InvalidArgument(fmt::format("{} '{}': write LO~HI", info.name, text));
    spec.uniform = true;
    spec.lo = parse_value(bounds[0], info);
    spec.hi = parse_value(bounds[1], info);
    if (spec.lo > spec.hi)
      throw InvalidArgument(fmt::format("{} '{}': the range is empty", info.name, text));
    check(spec.lo);
    check(spec.hi);
    return spec;
  }
  for (const auto& choice : split(text, '|')) {
    spec.choices.push_back(parse_value(choice, info));
    check(spec.choices.back());
  }
  return spec;
}

const ParameterInfo& parameter_info(const std::vector<ParameterInfo>& infos,
                                    const std::string& kind, const std::string& name) {
  for (const auto& info : infos)
    if (info.name == name) return info;
  std::vector<std::string> names;
  for (const auto& info : infos) names.push_back(info.name);
  throw InvalidArgument(fmt::format("{} has no parameter '{}'; it has: {}", kind, name,
                                    names.empty() ? "none" : fmt::format("{}", fmt::join(names, ", "))));
}

StepSpec parse_step(const std::string& text) {
  const auto arguments = split(text, ':');
  if (arguments.front().empty()) throw InvalidArgument("empty step");
  const auto& kind = find_degradation(arguments.front());
  const auto infos = kind.parameters();
  StepSpec step;
  step.kind = kind.id();
  bool positional_used = false;
  for (size_t index = 1; index < arguments.size(); ++index) {
    const auto& argument = arguments[index];
    const auto equals = argument.find('=');
    std::string name, value;
    if (equals == std::string::npos) {
      if (positional_used || infos.empty())
        throw InvalidArgument(fmt::format("'{}' needs a name: write NAME={}", argument, argument));
      positional_used = true;
      name = infos.front().name;
      value = argument;
    } else {
      name = argument.substr(0, equals);
      value = argument.substr(equals + 1);
    }
    if (name == "p") {
      double probability = 0;
      if (!parse_number(value, probability) || probability < 0 || probability > 1)
        throw InvalidArgument(fmt::format("p '{}' must be a probability in 0..1", value));
      step.probability = probability;
      continue;
    }
    if (step.values.count(name)) throw InvalidArgument(fmt::format("{} is given twice", name));
    step.values[name] = parse_value_spec(value, parameter_info(infos, kind.id(), name), kind);
  }
  return step;
}

// The presets' texts. Real-ESRGAN's second-order chain (Wang et al. 2021, as in its training
// options): two rounds of blur, random resize, noise and JPEG, then the resize to the output
// size, a sinc filter and a last JPEG. Written as one sequence: where Real-ESRGAN picks Gaussian
// or Poisson noise, each is applied with probability one half. The `real-x4` recipes name
// realesrgan-x4: keep the text as it is (a new chain is a new preset or a config's text).
std::string realesrgan(int scale) {
  return fmt::format(
      "blur:sigma=0.2~3:sigma_minor=0~3:angle=-180~180:shape=gaussian|gaussian|generalized|plateau:"
      "beta=0.5~4:size=7|9|11|13|15|17|19|21,"
      "resize:scale=0.15~1.5:interp=area|bilinear|bicubic,"
      "gaussian_noise:sigma=1~30:gray=0|1:p=0.5,poisson_noise:scale=0.05~3:gray=0|1:p=0.5,"
      "jpeg:quality=30~95,"
      "blur:sigma=0.2~1.5:sigma_minor=0~1.5:angle=-180~180:size=7|9|11|13|15|17|19|21:p=0.8,"
      "resize:scale=0.3~1.2:interp=area|bilinear|bicubic,"
      "gaussian_noise:sigma=1~25:gray=0|1:p=0.5,poisson_noise:scale=0.05~2.5:gray=0|1:p=0.5,"
      "resize_to:scale={}:interp=area|bilinear|bicubic,"
      "sinc:cutoff=1.05~3.14:size=7|9|11|13|15|17|19|21:p=0.8,"
      "jpeg:quality=30~95",
      scale);
}

// Real photographs at their own size: a little optical blur, camera noise made in linear light
// on the mosaic, sometimes plain noise, and the camera's or an upload's JPEG. The `real` model's
// recipe names this preset: keep it as it is (a new chain is a new preset or a config's text).
const char* real_photo =
    "blur:sigma=0.3~1.5:sigma_minor=0~1.5:angle=-180~180:p=0.3,"
    "camera_noise:shot=0.0002~0.01:read=0.001~0.015:gamma=1.8~2.6:mosaic=0|1:p=0.8,"
    "gaussian_noise:sigma=1~15:gray=0|1:p=0.3,"
    "jpeg:quality=60~95:p=0.6";

const std::vector<std::pair<std::string, std::string>>& presets() {
  static const std::vector<std::pair<std::string, std::string>> entries = {
      {"real-photo", real_photo},
      {"realesrgan-x1", realesrgan(1)},
      {"realesrgan-x2", realesrgan(2)},
      {"realesrgan-x4", realesrgan(4)},
  };
  return entries;
}

}  // namespace

ChainSpec parse_chain(const std::string& raw) {
  std::string text = raw;
  text.erase(std::remove_if(text.begin(), text.end(), [](unsigned char c) { return std::isspace(c); }),
             text.end());
  const auto names = chain_presets();
  if (std::find(names.begin(), names.end(), text) != names.end()) text = preset_text(text);
  if (text.empty()) throw InvalidArgument("the degradation chain is empty");
  ChainSpec spec;
  spec.text = text;
  for (const auto& step_text : split(text, ',')) {
    try {
      spec.steps.push_back(parse_step(step_text));
    } catch (const InvalidArgument& error) {
      throw InvalidArgument(fmt::format("chain step '{}': {}", step_text, error.what()));
    }
  }
  return spec;
}

ChainSpec single_step(const std::string& kind, const std::string& parameter, ValueSpec value) {
  ChainSpec spec;
  StepSpec step;
  step.kind = find_degradation(kind).id();
  if (!parameter.empty()) step.values[parameter] = std::move(value);
  spec.steps.push_back(step);
  spec.text = kind;
  return spec;
}

Chain sample_chain(const ChainSpec& spec, Rng& rng) {
  Chain chain;
  for (const auto& step : spec.steps) {
    if (step.probability < 1.0 && !(rng.uniform() < step.probability)) continue;
    const auto& kind = find_degradation(step.kind);
    std::map<std::string, double> values;
    for (const auto& info : kind.parameters()) {
      const auto found = step.values.find(info.name);
      if (found == step.values.end()) continue;
      const auto& value = found->second;
      const bool integer = info.integer || !info.choices.empty();
      if (value.uniform)
        values[info.name] = integer ? rng.uniform_int(static_cast<int>(value.lo), static_cast<int>(value.hi))
                                    : rng.uniform(value.lo, value.hi);
      else if (value.choices.size() == 1)
        values[info.name] = value.choices.front();
      else
        values[info.name] = value.choices.at(static_cast<size_t>(
            rng.uniform_int(0, static_cast<int>(value.choices.size()) - 1)));
    }
    chain.steps.push_back(kind.make(values));
  }
  return chain;
}

std::string chain_text(const Chain& chain) {
  if (chain.steps.empty()) return "none";
  std::vector<std::string> steps;
  for (const auto& step : chain.steps) steps.push_back(describe(step));
  return fmt::format("{}", fmt::join(steps, ","));
}

int chain_scale(const Chain& chain) {
  int scale = 1;
  for (const auto& step : chain.steps) {
    const auto& kind = find_degradation(step.kind);
    if (kind.scale_is_absolute())
      scale = kind.scale(step);
    else if (kind.scale(step) == 0)
      scale = 0;
    else
      scale *= kind.scale(step);
  }
  if (scale < 1)
    throw InvalidArgument(fmt::format(
        "chain '{}' does not end at an integer scale of the ground truth: end it with resize_to",
        chain_text(chain)));
  return scale;
}

DegradedSample degrade(const Chain& chain, const cv::Mat& gt_u8, Rng& rng) {
  const int scale = chain_scale(chain);
  DegradedSample sample;
  sample.gt_u8 = scale > 1 ? modcrop(gt_u8, scale) : gt_u8;
  auto state = start_degrading(sample.gt_u8);
  for (const auto& step : chain.steps) find_degradation(step.kind).apply(state, step, rng);
  const cv::Size expected(sample.gt_u8.cols / scale, sample.gt_u8.rows / scale);
  if (state.image.size() != expected)
    throw InvalidArgument(fmt::format("chain '{}' made {}x{} from a {}x{} image, not {}x{}",
                                      chain_text(chain), state.image.cols, state.image.rows,
                                      gt_u8.cols, gt_u8.rows, expected.width, expected.height));
  sample.quantized = state.image.depth() == CV_8U;
  sample.lq = kinds::float_image(state);
  sample.maps = std::move(state.maps);
  sample.kernel = std::move(state.kernel);
  return sample;
}

std::vector<MapInfo> chain_maps(const ChainSpec& spec) {
  std::vector<MapInfo> maps;
  for (const auto& step : spec.steps)
    for (const auto& map : find_degradation(step.kind).maps()) {
      const bool seen = std::any_of(maps.begin(), maps.end(),
                                    [&](const MapInfo& known) { return known.name == map.name; });
      if (!seen) maps.push_back(map);
    }
  return maps;
}

ConditionMaps select_maps(const ConditionMaps& maps, const std::vector<MapInfo>& wanted) {
  ConditionMaps selected;
  for (const auto& info : wanted) {
    // The last step that emitted a map names the damage the image carries now.
    const ConditionMap* last = nullptr;
    for (const auto& map : maps)
      if (map.name == info.name) last = &map;
    selected.push_back(last ? *last : ConditionMap{info.name, {}, info.undamaged});
  }
  return selected;
}

std::vector<std::string> chain_presets() {
  std::vector<std::string> names;
  for (const auto& entry : presets()) names.push_back(entry.first);
  return names;
}

std::string preset_text(const std::string& name) {
  for (const auto& [preset, text] : presets())
    if (preset == name) return text;
  throw InvalidArgument(fmt::format("unknown chain preset '{}'; known: {}", name,
                                    fmt::join(chain_presets(), ", ")));
}

}  // namespace restora

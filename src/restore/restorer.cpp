// The engine behind restora::Restorer: picks the model, adapts channels and alpha, runs tiles.
#include "restora/restorer.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "nn/precision.h"
#include "restore/engine.h"
#include "restore/model_cache.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"
#include "tasks/task.h"

namespace restora {

std::string default_model(const std::string& task, int channels) {
  return tasks::find_task(task)->default_model(channels);
}

struct Restorer::State {
  tasks::Task task = nullptr;
  RestoreOptions options;
  EngineOptions engine;
  std::map<std::string, std::shared_ptr<const LoadedModel>> models;  // by resolved path

  const LoadedModel& model(int channels) {
    auto name = options.model;
    if (name.empty() && !options.kernel.empty()) name = task->non_blind_model();
    if (name.empty()) name = task->default_model(channels, options.scale ? options.scale : 1);
    const auto path = resolve_model(name).string();
    auto found = models.find(path);
    if (found != models.end()) return *found->second;
    const ModelKey key{path, options.strength, engine.device.str(), options.precision};
    auto loaded = shared_model(key, [&](LoadedModel& fresh) {
      if (fresh.meta.task != task->id()) return;  // refused below, whoever asks
      fresh.network->to(engine.device);
      nn::to_layout(*fresh.network, nn::preferred_layout(precision_for(fresh), engine.device));
    });
    if (loaded->meta.task != task->id())
      throw ModelMismatch(
          fmt::format("model '{}' is for task '{}', not '{}'", path, loaded->meta.task, task->id()));
    return *models.emplace(path, std::move(loaded)).first->second;
  }

  nn::Precision precision_for(const LoadedModel& loaded) const {
    return nn::choose_precision(options.precision, loaded.meta.precision, engine.device);
  }

  // The engine settings of one call, on the calling thread (its compute threads set).
  EngineOptions engine_for(const LoadedModel& loaded, int output_depth) const {
    set_compute_threads(options.threads);
    auto call = engine;
    call.precision = precision_for(loaded);
    call.output_depth = output_depth;
    if (call.overlap < 0) call.overlap = loaded.meta.tile_overlap;
    return call;
  }

  // Reports plane `plane` of `planes` (a colour image through a gray model) as its share.
  void follow(EngineOptions& call, int plane, int planes) const {
    if (!options.progress) return;
    call.on_tile = [this, plane, planes](int done, int total) {
      options.progress((plane + static_cast<double>(done) / total) / planes);
    };
  }
};

Restorer::Restorer(const std::string& task, RestoreOptions options)
    : state_(std::make_unique<State>()) {
  state_->task = tasks::find_task(task);
  state_->options = options;
  state_->engine.tile = options.tile;
  state_->engine.max_memory = options.max_memory;
  if (options.tile < 0) throw InvalidArgument(fmt::format("tile {} must be >= 0", options.tile));
  state_->engine.device = parse_device(options.device);
  nn::choose_precision(options.precision, {}, state_->engine.device);  // rejects unknown names now
  if (options.threads < 0)
    throw InvalidArgument(fmt::format("threads {} must be >= 0", options.threads));
  if (options.strength > 1.0)
    throw InvalidArgument(fmt::format("strength {} is not in [0, 1]", options.strength));
  const bool upscaler = state_->task->degradation().changes_size();
  if (options.scale != 0 && (options.scale < (upscaler ? 2 : 1) || options.scale > 8))
    throw InvalidArgument(
        fmt::format("unsupported scale {}; use {}..8", options.scale, upscaler ? 2 : 1));
}

Restorer::~Restorer() = default;
Restorer::Restorer(Restorer&&) noexcept = default;
Restorer& Restorer::operator=(Restorer&&) noexcept = default;

namespace {

// A detector's threshold: the one asked for, else the one its training chose on its held-out
// images (scores.validation.threshold), else ½.
double detection_threshold(const model_file::ModelMeta& meta, double asked) {
  if (asked != 0) {
    if (!(asked > 0 && asked < 1))
      throw InvalidArgument(fmt::format("threshold {} is not in (0, 1)", asked));
    return asked;
  }
  const auto& validation = meta.scores.value("validation", nlohmann::json::object());
  const auto stored = validation.value("threshold", nlohmann::json());
  if (stored.is_number() && stored.get<double>() > 0 && stored.get<double>() < 1) return stored.get<double>();
  return 0.5;
}

}  // namespace

ModelSummary Restorer::model_for(int channels) {
  const auto& loaded = state_->model(channels);
  return {loaded.meta.name,
          loaded.meta.task,
          loaded.meta.arch,
          loaded.path.string(),
          loaded.meta.in_channels,
          model_file::conditioning_name(loaded.meta.conditioning),
          model_file::precision_name(state_->precision_for(loaded)),
          state_->task->target_map().empty()
              ? 0.0
              : detection_threshold(loaded.meta, state_->options.threshold)};
}

namespace {

// Brings the image's channels to what the model takes: gray -> replicated RGB, RGB -> one
// pass per channel for a gray model (returned as separate planes).
std::vector<cv::Mat> to_model_inputs(const cv::Mat& pixels, int model_channels) {
  if (pixels.channels() == model_channels) return {pixels};
  if (pixels.channels() == 1 && model_channels == 3) {
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>{pixels, pixels, pixels}, rgb);
    return {rgb};
  }
  if (pixels.channels() == 3 && model_channels == 1) {
    std::vector<cv::Mat> planes;
    cv::split(pixels, planes);
    return planes;
  }
  throw ModelMismatch(fmt::format("a model for {} channels cannot process a {}-channel image",
                                  model_channels, pixels.channels()));
}

cv::Mat from_model_outputs(const std::vector<cv::Mat>& outputs, int image_channels) {
  if (outputs.size() > 1) {
    cv::Mat merged;
    cv::merge(outputs, merged);
    return merged;
  }
  if (outputs[0].channels() == image_channels) return outputs[0];
  // A gray image went through an RGB model: average the (nearly equal) channels.
  cv::Mat gray;
  cv::transform(outputs[0], gray, cv::Matx13f(1.f / 3, 1.f / 3, 1.f / 3));
  return gray;
}

}  // namespace

Image Restorer::restore(const Image& input) { return restore(input, cv::Mat()); }

namespace {

void check_samples(const Image& input) {
  if (input.pixels.empty()) throw InvalidArgument("cannot restore an empty image");
  const int depth = input.pixels.depth();
  if (depth != CV_32F && depth != CV_8U && depth != CV_16U)
    throw InvalidArgument("cannot restore an image whose samples are not float, 8- or 16-bit");
}

// Runs `work`, turning LibTorch's failures into one line naming the model and image size.
template <typename Work>
void guarded(const LoadedModel& loaded, const Image& input, Work work) {
  try {
    work();
  } catch (const c10::Error& failure) {  // one line, not LibTorch's stack trace
    const std::string text = failure.what_without_backtrace();
    throw Error(fmt::format("model '{}' failed on a {}x{} image: {}", loaded.path.string(),
                            input.width(), input.height(), text.substr(0, text.find('\n'))));
  }
}

// The mask's missing pixels as a CV_32FC1 map of 0 and 1 (above half-scale is missing).
cv::Mat missing_pixels(const cv::Mat& mask) {
  if (mask.channels() != 1) throw InvalidArgument("the mask must be a gray image");
  const double half = mask.depth() == CV_8U ? 127.5 : mask.depth() == CV_16U ? 32767.5 : 0.5;
  cv::Mat missing;
  cv::compare(mask, half, missing, cv::CMP_GT);
  missing.convertTo(missing, CV_32F, 1.0 / 255);
  return missing;
}

}  // namespace

cv::Mat Restorer::detect(const Image& input) {
  check_samples(input);
  const auto& loaded = state_->model(input.channels());
  if (state_->task->target_map().empty())
    throw InvalidArgument(fmt::format("model '{}' restores images; it does not detect", loaded.meta.name));
  const double threshold = detection_threshold(loaded.meta, state_->options.threshold);
  auto engine = state_->engine_for(loaded, CV_32F);
  // Logits; a colour image through a gray detector: the most certain of its channels.
  cv::Mat logits;
  guarded(loaded, input, [&] {
    const auto planes = to_model_inputs(input.pixels, loaded.meta.in_channels);
    for (size_t index = 0; index < planes.size(); ++index) {
      const auto& plane = planes[index];
      state_->follow(engine, static_cast<int>(index), static_cast<int>(planes.size()));
      const cv::Mat found = run_tiled(*loaded.network, plane, {}, 1, engine);
      logits = logits.empty() ? found : cv::max(logits, found);
    }
  });
  return logits > static_cast<float>(std::log(threshold / (1 - threshold)));
}

Image Restorer::restore(const Image& input, const cv::Mat& mask) {
  check_samples(input);
  const auto& loaded = state_->model(input.channels());
  const auto& meta = loaded.meta;
  const auto& options = state_->options;
  if (!state_->task->target_map().empty())
    throw InvalidArgument(fmt::format("model '{}' detects {}; it does not restore images", meta.name,
                                      state_->task->target_map()));
  const int scale = options.scale ? options.scale : meta.scales.front();
  if (std::find(meta.scales.begin(), meta.scales.end(), scale) == meta.scales.end())
    throw ModelMismatch(fmt::format("model '{}' does not upscale x{} (it does x{})",
                                    loaded.path.string(), scale, fmt::join(meta.scales, ", x")));
  // A conditioned model is given the maps its task's degradation emits at the known level.
  ConditionMaps maps;
  const bool inpainting = meta.conditioning == model_file::Conditioning::mask;
  if (inpainting != !mask.empty())
    throw InvalidArgument(inpainting ? fmt::format("model '{}' needs the mask of the missing pixels: pass --mask", meta.name)
                                     : fmt::format("model '{}' takes no mask", meta.name));
  if (inpainting) {
    if (mask.size() != input.pixels.size())
      throw InvalidArgument(fmt::format("the {}x{} mask does not match the {}x{} image", mask.cols,
                                        mask.rows, input.width(), input.height()));
    const cv::Mat missing = missing_pixels(mask);
    const int count = cv::countNonZero(missing);
    if (count == 0) {  // nothing to fill
      Image copy = input;
      copy.pixels = input.pixels.clone();
      copy.alpha = input.alpha.clone();
      return copy;
    }
    if (count == static_cast<int>(missing.total()))
      throw InvalidArgument("the mask is all white: no pixel is left to fill from");
    maps.push_back({"mask", missing, 0.0f});
  }
  const bool non_blind = meta.conditioning == model_file::Conditioning::kernel;
  if (non_blind != !options.kernel.empty())
    throw InvalidArgument(non_blind ? fmt::format("model '{}' needs the blur kernel: pass --kernel", meta.name)
                                    : fmt::format("model '{}' takes no blur kernel", meta.name));
  if (non_blind) {
    if (options.kernel.rows > input.height() || options.kernel.cols > input.width())
      throw InvalidArgument(fmt::format("the {}x{} kernel is larger than the {}x{} image",
                                        options.kernel.cols, options.kernel.rows, input.width(),
                                        input.height()));
    // A gray image through an RGB model carries the same noise in every channel: its luma holds
    // √3 times the noise of an RGB image of that σ, which is what the model is told.
    const double sigma = options.sigma < 0 ? 2.55 : options.sigma;
    const bool replicated = input.channels() == 1 && meta.in_channels == 3;
    const auto& noise = find_degradation("gaussian_noise");
    maps = noise.condition_maps(noise.with_value(std::min(255.0, replicated ? sigma * std::sqrt(3.0) : sigma)));
  } else if (meta.conditioning != model_file::Conditioning::none && !inpainting) {
    const bool sigma = meta.conditioning == model_file::Conditioning::sigma;
    if (sigma ? options.sigma < 0 : options.quality <= 0)
      throw InvalidArgument(fmt::format("model '{}' needs the {}: pass --{}", meta.name,
                                        sigma ? "noise level" : "JPEG quality",
                                        sigma ? "sigma" : "quality"));
    const auto& kind = state_->task->degradation();
    const auto known = kind.condition_maps(kind.with_value(sigma ? options.sigma : options.quality));
    for (const auto& name : model_file::condition_map_names(meta.conditioning)) {
      const auto* map = find_map(known, name);
      if (!map)
        throw ModelMismatch(fmt::format("model '{}' takes a '{}' map, which task '{}' does not make",
                                        meta.name, name, state_->task->id()));
      maps.push_back(*map);
    }
  }
  auto engine = state_->engine_for(loaded, input.pixels.depth());

  // A photo's blur does not wrap around: extend it by reflection so that the Fourier-domain
  // steps see its borders continue, and crop afterwards.
  const int margin = non_blind && !options.circular_blur
                         ? std::min({std::max(options.kernel.rows, options.kernel.cols) + 16,
                                     input.height() - 1, input.width() - 1})
                         : 0;
  std::vector<cv::Mat> outputs;
  guarded(loaded, input, [&] {
    const auto planes = to_model_inputs(input.pixels, meta.in_channels);
    for (size_t index = 0; index < planes.size(); ++index) {
      const auto& plane = planes[index];
      state_->follow(engine, static_cast<int>(index), static_cast<int>(planes.size()));
      if (!margin) {
        outputs.push_back(run_tiled(*loaded.network, plane, maps, scale, engine, options.kernel));
        continue;
      }
      cv::Mat extended;
      cv::copyMakeBorder(plane, extended, margin, margin, margin, margin, cv::BORDER_REFLECT_101);
      const auto restored = run_tiled(*loaded.network, extended, maps, scale, engine, options.kernel);
      outputs.push_back(restored(cv::Rect(margin, margin, plane.cols, plane.rows)).clone());
    }
  });

  Image result;
  result.bit_depth = input.bit_depth;
  result.pixels = from_model_outputs(outputs, input.channels());
  if (input.has_alpha()) {
    if (scale == 1) {
      result.alpha = input.alpha.clone();
    } else {
      cv::resize(input.alpha, result.alpha, result.pixels.size(), 0, 0, cv::INTER_CUBIC);
      if (result.alpha.depth() == CV_32F)  // integers saturate in resize
        cv::min(cv::max(result.alpha, 0.0), 1.0, result.alpha);
    }
  }
  return result;
}

}  // namespace restora

// restora::VideoRestorer: a recurrent model through the video engine, or an image model frame by
// frame through Restorer.
#include "restora/video_restorer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <optional>

#include "model_file/model_meta.h"
#include "model_file/safetensors.h"
#include "nn/precision.h"
#include "nn/weights.h"
#include "restore/model_cache.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"
#include "restore/video_engine.h"
#include "tasks/task.h"

namespace restora {

struct VideoRestorer::State {
  tasks::Task task = nullptr;
  RestoreOptions options;
  std::shared_ptr<const LoadedModel> model;     // a recurrent model
  std::optional<VideoEngine> engine;
  std::optional<Restorer> per_frame;             // or an image model, frame by frame
  ModelSummary summary;
  int scale = 1;
  int64_t frames = 0;
};

VideoRestorer::VideoRestorer(const std::string& task, RestoreOptions options)
    : state_(std::make_unique<State>()) {
  auto& state = *state_;
  state.task = tasks::find_task(task);
  if (state.task->image_task().empty())
    throw InvalidArgument(fmt::format("'{}' is not a video task", task));
  state.options = options;
  const auto device = parse_device(options.device);
  nn::choose_precision(options.precision, {}, device);  // rejects unknown names now
  // The default model of the asked scale; without one, of the degradation's typical scale (x4).
  const auto& degradation = state.task->degradation();
  const int default_scale = degradation.changes_size() ? static_cast<int>(degradation.typical_value()) : 1;
  const auto name = options.model.empty()
                        ? state.task->default_model(3, options.scale ? options.scale : default_scale)
                        : options.model;
  const auto path = resolve_model(name);
  // Loaded once, into the process-wide cache, whatever its task: an image model run frame by
  // frame is then found there by its Restorer (the same key and preparation).
  const ModelKey key{path, options.strength, device.str(), options.precision};
  state.model = shared_model(key, [&](LoadedModel& fresh) {
    fresh.network->to(device);
    nn::to_layout(*fresh.network,
                  nn::preferred_layout(nn::choose_precision(options.precision, fresh.meta.precision, device), device));
  });
  const auto& found_task = state.model->meta.task;
  if (found_task == state.task->image_task()) {
    auto image_options = options;
    image_options.model = path.string();
    image_options.scale = options.scale ? options.scale : default_scale;
    state.scale = image_options.scale;
    state.per_frame.emplace(state.task->image_task(), image_options);
    state.summary = state.per_frame->model_for(3);
    state.model.reset();
    return;
  }
  if (found_task != state.task->id())
    throw ModelMismatch(fmt::format("model '{}' is for task '{}', not '{}' or '{}'", path.string(),
                                    found_task, state.task->id(), state.task->image_task()));
  const nn::Precision precision = nn::choose_precision(options.precision, state.model->meta.precision, device);
  auto* network = dynamic_cast<archs::RecurrentNetworkImpl*>(state.model->network.get());
  if (!network) throw ModelMismatch(fmt::format("model '{}' is not a recurrent network", path.string()));
  const int scale = options.scale ? options.scale : state.model->meta.scales.front();
  if (std::find(state.model->meta.scales.begin(), state.model->meta.scales.end(), scale) ==
      state.model->meta.scales.end())
    throw ModelMismatch(fmt::format("model '{}' does not restore at x{}", path.string(), scale));
  state.scale = scale;
  VideoEngineOptions engine;
  engine.tile = options.tile;
  engine.max_memory = options.max_memory;
  engine.precision = precision;
  engine.device = device;
  state.engine.emplace(*network, scale, engine);
  const auto& loaded = *state.model;
  state.summary = {loaded.meta.name, loaded.meta.task, loaded.meta.arch, path.string(), loaded.meta.in_channels,
                   model_file::conditioning_name(loaded.meta.conditioning),
                   precision == nn::Precision::bf16 ? "bf16" : "fp32", 0};
}

VideoRestorer::~VideoRestorer() = default;
VideoRestorer::VideoRestorer(VideoRestorer&&) noexcept = default;
VideoRestorer& VideoRestorer::operator=(VideoRestorer&&) noexcept = default;

cv::Mat VideoRestorer::push(const cv::Mat& frame) {
  auto& state = *state_;
  if (frame.channels() != 3 || (frame.depth() != CV_8U && frame.depth() != CV_32F))
    throw InvalidArgument("a video frame must be RGB, 8-bit or float");
  cv::Mat out;
  if (state.per_frame) {
    Image image;
    image.pixels = frame;
    image.bit_depth = frame.depth() == CV_8U ? 8 : 32;
    out = quantize_u8(state.per_frame->restore(image).pixels);
  } else {
    set_compute_threads(state.options.threads);
    out = quantize_u8(state.engine->push(frame));
  }
  ++state.frames;
  return out;
}

void VideoRestorer::reset() {
  if (state_->engine) state_->engine->reset();
  state_->frames = 0;
}

int64_t VideoRestorer::frames() const { return state_->frames; }
ModelSummary VideoRestorer::model() const { return state_->summary; }
bool VideoRestorer::recurrent() const { return state_->engine.has_value(); }
int VideoRestorer::scale() const { return state_->scale; }

void VideoRestorer::save_state(const std::filesystem::path& file) const {
  const auto& state = *state_;
  model_file::Safetensors saved;
  saved.metadata = {{"restora_video_state", "1"},
                    {"model", state.summary.path},
                    {"frames", std::to_string(state.frames)}};
  if (state.engine) {
    const auto snapshot = state.engine->snapshot();
    saved.metadata["width"] = std::to_string(snapshot.size.width);
    saved.metadata["height"] = std::to_string(snapshot.size.height);
    for (const auto& [name, tensor] : snapshot.tensors) saved.tensors.push_back(nn::to_file_tensor(name, tensor));
  }
  model_file::write_safetensors(file, saved);
}

void VideoRestorer::load_state(const std::filesystem::path& file) {
  auto& state = *state_;
  const auto saved = model_file::read_safetensors(file);
  auto value = [&](const std::string& key) {
    const auto found = saved.metadata.find(key);
    if (found == saved.metadata.end())
      throw FormatError(fmt::format("'{}' is not a video state file (no '{}')", file.string(), key));
    return found->second;
  };
  value("restora_video_state");
  if (value("model") != state.summary.path)
    throw FormatError(fmt::format("'{}' is the state of model '{}', not '{}'", file.string(), value("model"),
                                  state.summary.path));
  try {
    state.frames = std::stoll(value("frames"));
    if (state.engine) {
      VideoEngine::Snapshot snapshot;
      snapshot.frames = static_cast<int>(state.frames);
      snapshot.size = cv::Size(std::stoi(value("width")), std::stoi(value("height")));
      for (const auto& tensor : saved.tensors) snapshot.tensors.emplace_back(tensor.name, nn::from_file_tensor(tensor));
      state.engine->restore(snapshot);
    }
  } catch (const std::logic_error&) {  // stoll/stoi
    throw FormatError(fmt::format("'{}' is not a valid video state file", file.string()));
  } catch (const FormatError& error) {
    throw FormatError(fmt::format("'{}': {}", file.string(), error.what()));
  }
}

}  // namespace restora

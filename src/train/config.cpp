#include "train/config.h"

#include <fmt/format.h>

#include <algorithm>

#include "config/json_reader.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"

namespace restora::train {
namespace {

// The benchmark tasks' style: the task's one kind, its primary parameter drawn uniformly from
// `sigma` / `quality` ([min, max]) or from the list `scales`.
void parse_task_range(config::JsonReader& read, config::JsonReader& validation,
                      const DegradationKind& kind, DataConfig& data) {
  const auto parameter = kind.parameter();
  ValueSpec value;
  std::vector<double> validated{kind.typical_value()};
  if (parameter == "scale") {
    const auto scales = read.get_ints("scales", {1}, 1, 8);
    value.choices.assign(scales.begin(), scales.end());
    validated = value.choices;
  } else if (parameter == "sigma" || parameter == "quality") {
    const auto range = parameter == "sigma" ? read.get_doubles("sigma", {0.0, 0.0})
                                            : [&] {
                                                const auto q = read.get_ints("quality", {90, 90}, 1, 100);
                                                return std::vector<double>(q.begin(), q.end());
                                              }();
    if (range.size() != 2) throw InvalidArgument(fmt::format("config: data > {} must be [min, max]", parameter));
    value.uniform = true;
    value.lo = range[0];
    value.hi = range[1];
  }
  try {
    if (!parameter.empty()) {
      if (value.uniform && value.lo > value.hi) throw InvalidArgument(fmt::format("{} range is empty", parameter));
      for (double bound : value.uniform ? std::vector<double>{value.lo, value.hi} : value.choices)
        kind.with_value(bound);
    }
    data.chain = single_step(kind.id(), parameter, value);
    data.scales.clear();
    for (double choice : value.choices) data.scales.push_back(kind.scale(kind.with_value(choice)));
    if (data.scales.empty()) data.scales = {1};
    for (double setting : validation.get_doubles(parameter.empty() ? "none" : parameter, validated))
      data.validation.push_back(Chain{{kind.with_value(setting)}});
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("config: data > {}", error.what()));
  }
}

// A degradation chain: every sample of it must land at one scale.
void parse_chain_data(config::JsonReader& read, config::JsonReader& validation, DataConfig& data) {
  try {
    data.chain = parse_chain(read.get_string("chain", ""));
    Rng rng(0);
    const int scale = chain_scale(sample_chain(data.chain, rng));
    for (int draw = 0; draw < 64; ++draw)
      if (chain_scale(sample_chain(data.chain, rng)) != scale)
        throw InvalidArgument("its samples land at different scales; fix the scale");
    data.scales = {scale};
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("config: data > chain: {}", error.what()));
  }
  data.validation_samples = validation.get_int("samples", 1, 1, 64);
}

SequenceConfig parse_sequence(config::JsonReader read, int patch_size) {
  SequenceConfig sequence;
  sequence.enabled = true;
  auto& motion = sequence.motion;
  motion.frames = read.get_int("frames", 7, 1, 64);
  motion.size = cv::Size(patch_size, patch_size);
  motion.max_speed = read.get_double("max_speed", motion.max_speed, 0.0, 64.0);
  motion.max_turn = read.get_double("max_turn", motion.max_turn, 0.0, 45.0);
  motion.max_zoom = read.get_double("max_zoom", motion.max_zoom, 0.0, 0.5);
  motion.max_objects = read.get_int("max_objects", motion.max_objects, 0, 16);
  motion.max_exposure = read.get_double("max_exposure", motion.max_exposure, 0.0, 0.5);
  sequence.quantize = read.get_bool("quantize", true);
  sequence.validation_frames = read.get_int("validation_frames", 10, 1, 1000);
  sequence.validation_size = read.get_int("validation_size", 128, 8, 4096);
  read.finish();
  return sequence;
}

DataConfig parse_data(config::JsonReader read, tasks::Task task) {
  DataConfig data;
  data.folders = read.get_strings("train", {});
  if (data.folders.empty()) throw InvalidArgument("config: data > train must name a folder");
  data.color = read.get_string("color", "rgb", {"rgb", "gray", "y"});
  data.validation_holdout = read.get_int("validation_holdout", 8, 0, 100000);
  data.patch_size = read.get_int("patch_size", 64, 8, 4096);
  data.downscales = read.get_doubles("downscales", {1.0});
  if (data.downscales.empty()) throw InvalidArgument("config: data > downscales must list a factor");
  for (const double factor : data.downscales)
    if (!(factor >= 1.0 && factor <= 16.0))
      throw InvalidArgument(fmt::format("config: data > downscales: {} is not a factor in [1, 16]", factor));
  data.batch_size = read.get_int("batch_size", 16, 1, 4096);
  data.loader_threads = read.get_int("loader_threads", 1, 1, 64);
  data.prefetch = read.get_int("prefetch", 4, 1, 256);
  if (read.has("sequence")) data.sequence = parse_sequence(read.section("sequence"), data.patch_size);

  auto validation = read.section("validation");
  if (read.has("chain")) {
    parse_chain_data(read, validation, data);
  } else {
    parse_task_range(read, validation, task->degradation(), data);
  }
  std::vector<int> scales = data.scales;
  for (const auto& chain : data.validation) scales.push_back(chain_scale(chain));
  for (int scale : scales) {
    if (data.patch_size % scale)
      throw InvalidArgument(fmt::format(
          "config: data > patch_size {} is not a multiple of scale {}", data.patch_size, scale));
    if (data.sequence.enabled && data.sequence.validation_size % scale)
      throw InvalidArgument(fmt::format(
          "config: data > sequence > validation_size {} is not a multiple of scale {}",
          data.sequence.validation_size, scale));
  }
  validation.finish();
  read.finish();
  return data;
}

OptimizerConfig parse_optimizer(config::JsonReader read) {
  OptimizerConfig optimizer;
  optimizer.kind = read.get_string("kind", "adam", {"adam", "sgd", "rmsprop"});
  optimizer.learning_rate = read.get_double("learning_rate", 2e-4, 0.0, 10.0);
  const auto betas = read.get_doubles("betas", {0.9, 0.999});
  if (betas.size() != 2) throw InvalidArgument("config: optimizer > betas must be [b1, b2]");
  optimizer.beta1 = betas[0];
  optimizer.beta2 = betas[1];
  optimizer.momentum = read.get_double("momentum", 0.9, 0.0, 1.0);
  optimizer.weight_decay = read.get_double("weight_decay", 0.0, 0.0, 1.0);
  read.finish();
  return optimizer;
}

ScheduleConfig parse_schedule(config::JsonReader read) {
  ScheduleConfig schedule;
  schedule.kind = read.get_string("kind", "cosine", {"cosine", "step", "constant"});
  schedule.warmup_steps = read.get_int("warmup_steps", 0, 0, 100000000);
  schedule.min_learning_rate = read.get_double("min_learning_rate", 1e-7, 0.0, 10.0);
  schedule.milestones = read.get_ints("milestones", {}, 1, 100000000);
  schedule.gamma = read.get_double("gamma", 0.5, 0.0, 1.0);
  read.finish();
  return schedule;
}

TrainingConfig parse_training(config::JsonReader read) {
  TrainingConfig training;
  training.steps = read.get_int("steps", 10000, 1, 100000000);
  training.loss = read.get_string("loss", "l1", {"l1", "l2", "charbonnier"});
  training.loss_region = read.get_string("loss_region", "");
  training.grad_clip = read.get_double("grad_clip", 0.0, 0.0, 1e9);
  training.ema_decay = read.get_double("ema_decay", 0.0, 0.0, 0.999999);
  training.precision = read.get_string("precision", "bf16", {"bf16", "fp32"});
  training.threads = read.get_int("threads", 0, 0, 1024);
  training.seed = static_cast<uint64_t>(read.get_int("seed", 1, 0, 2147483647));
  training.checkpoint_every = read.get_int("checkpoint_every", 500, 1, 100000000);
  training.validate_every = read.get_int("validate_every", 1000, 1, 100000000);
  training.log_every = read.get_int("log_every", 50, 1, 100000000);
  training.init_from = read.get_string("init_from", "");
  training.init_partial = read.get_bool("init_partial", false);
  read.finish();
  return training;
}

AdversarialConfig parse_adversarial(config::JsonReader read) {
  AdversarialConfig adversarial;
  adversarial.enabled = true;
  auto discriminator = read.section("discriminator");
  adversarial.discriminator = discriminator.get_string("arch", "unet_sn");
  adversarial.discriminator_config = discriminator.get_object("config");
  discriminator.finish();
  adversarial.loss = read.get_string("loss", "vanilla", {"vanilla", "hinge", "relativistic"});
  adversarial.pixel_weight = read.get_double("pixel_weight", 1.0, 0.0, 1e6);
  adversarial.adversarial_weight = read.get_double("adversarial_weight", 0.1, 0.0, 1e6);
  adversarial.feature_matching_weight = read.get_double("feature_matching_weight", 1.0, 0.0, 1e6);
  adversarial.optimizer = parse_optimizer(read.section("optimizer"));
  adversarial.niqe_model = read.get_string("niqe_model", "");
  read.finish();
  return adversarial;
}

}  // namespace

model_file::Conditioning ExperimentConfig::conditioning_kind() const {
  return conditioning == "sigma"     ? model_file::Conditioning::sigma
         : conditioning == "quality" ? model_file::Conditioning::quality
         : conditioning == "kernel"  ? model_file::Conditioning::kernel
         : conditioning == "mask"    ? model_file::Conditioning::mask
                                     : model_file::Conditioning::none;
}

ExperimentConfig parse_experiment(const nlohmann::json& json, const std::string& source_name) {
  config::JsonReader read(fmt::format("config '{}'", source_name), json);
  ExperimentConfig experiment;
  experiment.source = json;
  experiment.name = read.get_string("name", "");
  if (experiment.name.empty())
    throw InvalidArgument(fmt::format("config '{}': 'name' is required", source_name));
  experiment.description = read.get_string("description", "");
  experiment.task = tasks::find_task(read.get_string("task", "", tasks::known_tasks()));
  auto network = read.section("network");
  experiment.arch = network.get_string("arch", "");
  experiment.arch_config = network.get_object("config");
  experiment.conditioning =
      network.get_string("conditioning", "none", {"none", "sigma", "quality", "kernel", "mask"});
  experiment.tile_overlap = network.get_int("tile_overlap", -1, -1, 4096);
  network.finish();
  experiment.data = parse_data(read.section("data"), experiment.task);
  const auto maps = chain_maps(experiment.data.chain);
  for (const auto& name : model_file::condition_map_names(experiment.conditioning_kind()))
    if (std::none_of(maps.begin(), maps.end(), [&](const MapInfo& map) { return map.name == name; }))
      throw InvalidArgument(fmt::format("config '{}': network > conditioning '{}' needs a '{}' map, "
                                        "which the training degradation does not make",
                                        source_name, experiment.conditioning, name));
  const auto target = experiment.task->target_map();
  if (!target.empty() && std::none_of(maps.begin(), maps.end(), [&](const MapInfo& map) { return map.name == target; }))
    throw InvalidArgument(fmt::format("config '{}': task '{}' learns the '{}' map, which the training "
                                      "degradation does not make", source_name, experiment.task->id(), target));
  experiment.optimizer = parse_optimizer(read.section("optimizer"));
  experiment.schedule = parse_schedule(read.section("schedule"));
  experiment.training = parse_training(read.section("training"));
  const auto& region = experiment.training.loss_region;
  if (!region.empty() && std::none_of(maps.begin(), maps.end(), [&](const MapInfo& map) { return map.name == region; }))
    throw InvalidArgument(fmt::format("config '{}': training > loss_region '{}' is not a map the training "
                                      "degradation makes", source_name, region));
  if (read.has("adversarial")) experiment.adversarial = parse_adversarial(read.section("adversarial"));
  read.finish();
  return experiment;
}

ExperimentConfig read_experiment(const std::string& path) {
  return parse_experiment(config::read_json_file(path), path);
}

}  // namespace restora::train

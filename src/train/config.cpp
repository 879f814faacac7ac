#include "train/config.h"

#include <fmt/format.h>

#include "config/json_reader.h"
#include "restora/errors.h"

namespace restora::train {
namespace {

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

  const auto sigma = read.get_doubles("sigma", {0.0, 0.0});
  const auto quality = read.get_ints("quality", {90, 90}, 1, 100);
  data.range.scales = read.get_ints("scales", {1}, 1, 8);
  if (sigma.size() != 2) throw InvalidArgument("config: data > sigma must be [min, max]");
  if (quality.size() != 2) throw InvalidArgument("config: data > quality must be [min, max]");
  data.range.sigma_min = sigma[0];
  data.range.sigma_max = sigma[1];
  data.range.quality_min = quality[0];
  data.range.quality_max = quality[1];

  const auto& kind = task->degradation();
  try {
    kind.check_range(data.range);
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("config: data > {}", error.what()));
  }
  auto validation = read.section("validation");
  for (double value : validation.get_doubles(kind.parameter(), kind.default_validation(data.range)))
    data.validation.push_back(kind.with_value(value));
  std::vector<int> scales = data.range.scales;
  for (const auto& setting : data.validation) scales.push_back(kind.scale(setting));
  for (int scale : scales)
    if (data.patch_size % scale)
      throw InvalidArgument(fmt::format(
          "config: data > patch_size {} is not a multiple of scale {}", data.patch_size, scale));
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
  training.grad_clip = read.get_double("grad_clip", 0.0, 0.0, 1e9);
  training.ema_decay = read.get_double("ema_decay", 0.0, 0.0, 0.999999);
  training.precision = read.get_string("precision", "bf16", {"bf16", "fp32"});
  training.threads = read.get_int("threads", 0, 0, 1024);
  training.seed = static_cast<uint64_t>(read.get_int("seed", 1, 0, 2147483647));
  training.checkpoint_every = read.get_int("checkpoint_every", 500, 1, 100000000);
  training.validate_every = read.get_int("validate_every", 1000, 1, 100000000);
  training.log_every = read.get_int("log_every", 50, 1, 100000000);
  training.init_from = read.get_string("init_from", "");
  read.finish();
  return training;
}

}  // namespace

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
      network.get_string("conditioning", "none", {"none", "sigma", "quality"});
  experiment.tile_overlap = network.get_int("tile_overlap", -1, -1, 4096);
  network.finish();
  experiment.data = parse_data(read.section("data"), experiment.task);
  experiment.optimizer = parse_optimizer(read.section("optimizer"));
  experiment.schedule = parse_schedule(read.section("schedule"));
  experiment.training = parse_training(read.section("training"));
  read.finish();
  return experiment;
}

ExperimentConfig read_experiment(const std::string& path) {
  return parse_experiment(config::read_json_file(path), path);
}

}  // namespace restora::train

#include "train/trainer.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <limits>
#include <opencv2/core.hpp>

#include "nn/precision.h"
#include "nn/weights.h"
#include "restora/errors.h"
#include "restore/runtime.h"
#include "train/checkpoint.h"
#include "train/dataset.h"
#include "train/loader.h"
#include "train/objective.h"
#include "train/plot.h"
#include "train/schedule.h"

namespace restora::train {
namespace fs = std::filesystem;

namespace {

std::atomic<bool> stop_requested{false};

using Clock = std::chrono::steady_clock;

// The config keys that change the trajectory: a resumed run must agree on them. The name only
// names the outputs, so a run can be renamed (its folder moved) and resumed.
nlohmann::json trajectory_keys(nlohmann::json config) {
  for (auto* section : {"training", "data"})
    if (config.contains(section) && config[section].is_object())
      for (auto* key : {"threads", "loader_threads", "prefetch", "checkpoint_every",
                        "validate_every", "log_every"})
        config[section].erase(key);
  config.erase("description");
  config.erase("name");
  return config;
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const OptimizerConfig& config,
                                                        std::vector<torch::Tensor> parameters) {
  if (config.kind == "adam")
    return std::make_unique<torch::optim::Adam>(parameters,
                                                torch::optim::AdamOptions(config.learning_rate)
                                                    .betas({config.beta1, config.beta2})
                                                    .weight_decay(config.weight_decay));
  if (config.kind == "sgd")
    return std::make_unique<torch::optim::SGD>(parameters,
                                               torch::optim::SGDOptions(config.learning_rate)
                                                   .momentum(config.momentum)
                                                   .weight_decay(config.weight_decay));
  return std::make_unique<torch::optim::RMSprop>(parameters,
                                                 torch::optim::RMSpropOptions(config.learning_rate)
                                                     .momentum(config.momentum)
                                                     .weight_decay(config.weight_decay));
}

void update_ema(torch::nn::Module& ema, torch::nn::Module& network, double decay) {
  torch::NoGradGuard no_grad;
  auto ema_parameters = ema.parameters();
  auto parameters = network.parameters();
  for (size_t i = 0; i < parameters.size(); ++i)
    ema_parameters[i].mul_(decay).add_(parameters[i].detach(), 1.0 - decay);
  auto ema_buffers = ema.buffers();
  auto buffers = network.buffers();
  for (size_t i = 0; i < buffers.size(); ++i) ema_buffers[i].copy_(buffers[i]);
}

// Keeps log.csv consistent with a resumed run: rows after the checkpoint's step are dropped.
void truncate_log(const fs::path& path, int64_t last_step) {
  std::ifstream in(path);
  if (!in) return;
  std::string header, line, kept;
  std::getline(in, header);
  kept = header + "\n";
  while (std::getline(in, line))
    if (!line.empty() && std::stoll(line.substr(0, line.find(','))) <= last_step)
      kept += line + "\n";
  in.close();
  std::ofstream(path, std::ios::trunc) << kept;
}

}  // namespace

void request_stop() { stop_requested = true; }

TrainResult run_training(const ExperimentConfig& experiment, const TrainOptions& options) {
  stop_requested = false;
  const auto& group = options.group;
  // Rank 0 alone validates, logs, plots, checkpoints and talks; the others only train.
  const bool lead = !group || group->rank() == 0;
  const auto say = [&](const std::string& text) {
    if (options.on_message && lead) options.on_message(text);
  };
  const auto& training = experiment.training;
  set_compute_threads(training.threads);
  cv::setNumThreads(1);  // loader threads decode in parallel themselves; OpenCV must not fan out
  torch::manual_seed(training.seed);

  std::error_code error;
  fs::create_directories(options.output_dir, error);
  if (error)
    throw FileError(fmt::format("cannot create output folder '{}': {}", options.output_dir.string(),
                                error.message()));

  PatchSource source(experiment, options.data_root);
  if (source.validation_clips().empty())
    say(fmt::format("{} training images, {} validation cases", source.training_images(),
                    source.validation().size()));
  else
    say(fmt::format("{} training images, {} validation clips of {} frames", source.training_images(),
                    source.validation_clips().size(), source.validation_clips().front().lq.size()));

  auto objective = make_objective(experiment, source, say);
  auto& network = objective->network();
  const auto precision = nn::parse_precision(training.precision);
  // Without AVX512-BF16 or AMX, LibTorch's CPU kernels emulate bf16 and fall back to its slow
  // reference convolutions (docs/TRAINING.md: the codec's recipe on a Zen 3 EPYC made fewer than
  // 25 steps in 12 minutes in bf16, 0.19 steps/s in fp32).
  if (precision == nn::Precision::bf16 && !nn::cpu_has_native_bf16())
    say("warning: this CPU has no native bf16 (AVX512-BF16 or AMX), so bf16 training runs "
        "emulated, many times slower than fp32; train in fp32 here (restora train --precision fp32, "
        "or \"precision\": \"fp32\" under \"training\")");
  const auto layout = nn::preferred_layout(precision, torch::kCPU);
  nn::to_layout(network, layout);
  network.train();

  std::shared_ptr<torch::nn::Module> ema;
  if (training.ema_decay > 0) {
    ema = objective->make_twin();
    nn::import_weights(*ema, nn::export_weights(network), "the network");
    nn::to_layout(*ema, layout);
  }
  const auto trained = objective->parts(experiment.optimizer);
  std::vector<std::unique_ptr<torch::optim::Optimizer>> optimizers;
  std::vector<torch::optim::Optimizer*> stepped;
  std::vector<CheckpointPart> checkpoint_parts;
  for (const auto& part : trained) {
    optimizers.push_back(make_optimizer(part.optimizer, part.module->parameters()));
    stepped.push_back(optimizers.back().get());
    checkpoint_parts.push_back({part.name, part.module, optimizers.back().get()});
  }
  const auto loss_names = objective->loss_names();
  std::string extra_loss_header;
  for (size_t i = 1; i < loss_names.size(); ++i) extra_loss_header += "," + loss_names[i];

  const auto checkpoint_path = options.output_dir / "checkpoint.pt";
  const auto log_path = options.output_dir / "log.csv";
  const auto model_path = options.output_dir / (experiment.name + ".safetensors");
  CheckpointState state;
  state.experiment = experiment.source;
  if (options.resume) {
    auto saved = load_checkpoint(checkpoint_path, checkpoint_parts, ema.get());
    // Loaded weights may keep the layout they were saved in, on a CPU that preferred another.
    for (const auto& part : trained) nn::to_layout(*part.module, layout);
    if (ema) nn::to_layout(*ema, layout);
    if (trajectory_keys(saved.experiment) != trajectory_keys(experiment.source))
      throw InvalidArgument(
          fmt::format("cannot resume: checkpoint '{}' was made with a different config",
                      checkpoint_path.string()));
    state = saved;
    state.experiment = experiment.source;
    if (lead) truncate_log(log_path, state.step);
    say(fmt::format("resumed at step {}", state.step));
  } else if (lead) {
    std::ofstream(log_path, std::ios::trunc)
        << "step,loss,learning_rate,steps_per_second," << objective->validation_header()
        << extra_loss_header << "\n";
  }
  state.window_loss_sums.resize(loss_names.size(), 0.0);
  if (group) {
    // Every rank starts from rank 0's weights (its init_from or checkpoint).
    for (const auto& part : trained) group->broadcast(*part.module);
    if (ema) group->broadcast(*ema);
    say(fmt::format("rank 0 of {}: {} samples per rank and step", group->world(),
                    experiment.data.batch_size / group->world()));
  }
  const Objective::GradientSync sync =
      group ? Objective::GradientSync([&](torch::nn::Module& part) { group->average_gradients(part); })
            : Objective::GradientSync();

  auto save_model = [&](torch::nn::Module& weights, const ValidationScores& scores) {
    auto file = objective->package(weights);
    file.meta.created = model_file::today_utc();
    file.meta.recipe = {{"config", experiment.source},
                        {"command", options.command_line},
                        {"step", state.step},
                        {"training_seconds", std::round(state.seconds)},
                        {"threads", torch::get_num_threads()}};
    auto record = scores.record;
    record["step"] = state.step;
    file.meta.scores = {{"validation", record}};
    model_file::write_model_file(model_path, file);
  };

  // Validates the EMA weights (or the live ones), saves them when best; -> the log cells.
  auto validate_and_keep_best = [&]() -> std::string {
    auto& judged = ema ? *ema : network;
    judged.eval();
    const auto scores = objective->validate(judged, precision);
    judged.train();
    const bool best = scores.score > state.best_score;
    if (best) {
      state.best_score = scores.score;
      state.best_step = state.step;
      save_model(judged, scores);
    }
    say(fmt::format("step {}: {}{}", state.step, scores.summary, best ? " (best, saved)" : ""));
    return scores.columns;
  };

  TrainResult result;
  const auto header = objective->validation_header();
  const std::string empty_validation(std::count(header.begin(), header.end(), ','), ',');
  const int64_t total = training.steps;
  BatchLoader loader(source, state.step + 1, experiment.data.loader_threads,
                     experiment.data.prefetch, group ? group->rank() : 0, group ? group->world() : 1);
  auto window_start = Clock::now();
  int64_t window_first = state.step;

  while (state.step < total && !stop_requested &&
         !(options.stop_at_step > 0 && state.step >= options.stop_at_step)) {
    const auto step_start = Clock::now();
    auto batch = loader.next();
    const int64_t step = state.step + 1;
    // Every part follows the schedule, scaled to its own base learning rate; the network's
    // (part 0) is the one logged.
    double rate = 0.0;
    for (size_t i = 0; i < trained.size(); ++i) {
      const double part_rate =
          learning_rate_at(experiment.schedule, trained[i].optimizer.learning_rate, step, total);
      if (i == 0) rate = part_rate;
      for (auto& group : optimizers[i]->param_groups()) group.options().set_lr(part_rate);
    }

    auto losses = objective->train_step(batch, precision, stepped, training.grad_clip, sync);
    if (group) losses = group->average(losses);  // the whole batch's mean: equal shards
    if (ema) update_ema(*ema, network, training.ema_decay);

    for (size_t i = 0; i < losses.size(); ++i)
      if (!std::isfinite(losses[i]))
        throw Error(fmt::format("training diverged at step {} ({} {})", step, loss_names[i],
                                losses[i]));
    for (size_t i = 0; i < losses.size(); ++i) state.window_loss_sums[i] += losses[i];
    ++state.window_loss_count;
    state.step = step;
    state.seconds += std::chrono::duration<double>(Clock::now() - step_start).count();

    const bool log_now = step % training.log_every == 0 || step == total;
    const bool validate_now = step % training.validate_every == 0 || step == total;
    if (group && log_now) group->check_identical(network, "network weights");
    if (!lead) continue;
    const std::string validation_columns = validate_now ? validate_and_keep_best() : empty_validation;
    if (log_now || validate_now) {
      const double seconds = std::chrono::duration<double>(Clock::now() - window_start).count();
      Progress progress;
      progress.step = step;
      progress.total_steps = total;
      progress.loss = state.window_loss_sums[0] / state.window_loss_count;
      progress.learning_rate = rate;
      progress.steps_per_second = seconds > 0 ? (step - window_first) / seconds : 0.0;
      progress.eta_seconds =
          progress.steps_per_second > 0 ? (total - step) / progress.steps_per_second : 0.0;
      std::string extra_losses;
      for (size_t i = 1; i < loss_names.size(); ++i)
        extra_losses += fmt::format(",{:.6f}", state.window_loss_sums[i] / state.window_loss_count);
      std::ofstream(log_path, std::ios::app)
          << fmt::format("{},{:.6f},{:.3e},{:.3f},{}{}\n", step, progress.loss, rate,
                         progress.steps_per_second, validation_columns, extra_losses);
      if (options.on_progress) options.on_progress(progress);
      std::fill(state.window_loss_sums.begin(), state.window_loss_sums.end(), 0.0);
      state.window_loss_count = 0;
      window_start = Clock::now();
      window_first = step;
    }
    if (validate_now) plot_curves(log_path, options.output_dir / "curves.png", experiment.name);
    if (step % training.checkpoint_every == 0)
      save_checkpoint(checkpoint_path, state, checkpoint_parts, ema.get());
  }
  // No validation here: a stop between validations must not change which model is best.
  if (lead) save_checkpoint(checkpoint_path, state, checkpoint_parts, ema.get());
  if (group && !stop_requested) group->barrier();
  if (group && state.seconds > 0)
    say(fmt::format("distributed: averaging gradients and losses took {:.1f} % of the steps' time "
                    "on rank 0 ({:.2f} s of {:.2f} s)",
                    100.0 * group->communication_seconds() / state.seconds,
                    group->communication_seconds(), state.seconds));
  if (stop_requested) say(fmt::format("stopped at step {}; checkpoint saved", state.step));
  if (lead) plot_curves(log_path, options.output_dir / "curves.png", experiment.name);

  result.step = state.step;
  result.finished = state.step >= total;
  result.best_score = state.best_score;
  if (fs::exists(model_path)) result.model_path = model_path;
  return result;
}

nlohmann::json revalidate(const ExperimentConfig& experiment, const TrainOptions& options) {
  const auto model_path = options.output_dir / (experiment.name + ".safetensors");
  if (!fs::exists(model_path))
    throw FileError(fmt::format("no model '{}' to validate again (train it first)", model_path.string()));
  set_compute_threads(experiment.training.threads);
  cv::setNumThreads(1);
  torch::manual_seed(experiment.training.seed);
  const auto say = [&](const std::string& text) {
    if (options.on_message) options.on_message(text);
  };
  PatchSource source(experiment, options.data_root);
  auto objective = make_objective(experiment, source, say);
  auto file = model_file::read_model_file(model_path);
  auto& network = objective->network();
  nn::import_weights(network, file.tensors, model_path.string());
  const auto precision = nn::parse_precision(experiment.training.precision);
  nn::to_layout(network, nn::preferred_layout(precision, torch::kCPU));
  network.eval();
  const auto scores = objective->validate(network, precision);
  auto record = scores.record;
  const auto old = file.meta.scores.value("validation", nlohmann::json::object());
  if (old.contains("step")) record["step"] = old["step"];
  record["validated_again"] = options.command_line;
  file.meta.scores["validation"] = record;
  model_file::write_model_file(model_path, file);
  say(scores.summary);
  return record;
}

}  // namespace restora::train

// restora train CONFIG: runs one experiment, resumable, with a progress line.
#include <fmt/format.h>
#include <unistd.h>

#include <csignal>
#include <nlohmann/json.hpp>
#include <memory>

#include "common.h"
#include "train/config.h"
#include "train/trainer.h"

namespace restora::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::string data;
  std::string output;
  bool resume = false;
  int64_t stop_at = 0;
  int threads = -1;
  std::string precision;
};

std::string duration(double seconds) {
  const auto total = static_cast<long long>(seconds);
  return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

extern "C" void on_interrupt(int) { train::request_stop(); }

}  // namespace

Run add_train_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<TrainArgs>();
  auto* command = app.add_subcommand("train", "Train a network from an experiment config");
  command->add_option("config", args->config, "Experiment config (JSON, see configs/)")
      ->required()
      ->check(CLI::ExistingFile);
  command->add_option("--data", args->data, "Data root the config's folders are relative to")
      ->default_str("$RESTORA_DATA or ../shared/data");
  command->add_option("-o,--output", args->output, "Run folder")->default_str("runs/NAME");
  command->add_flag("--resume", args->resume, "Continue from the run folder's checkpoint");
  command->add_option("--stop-at", args->stop_at, "Checkpoint and stop at this step (0 = run to the end)")
      ->capture_default_str();
  command
      ->add_option("--threads", args->threads, "Compute threads (overrides the config; 0 = all cores)")
      ->default_str("the config's training.threads");
  command->add_option("--precision", args->precision, "bf16 or fp32 (overrides the config)")
      ->check(CLI::IsMember({"bf16", "fp32"}))
      ->default_str("the config's training.precision");
  add_output_flags(*command, global);

  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    auto experiment = train::read_experiment(args->config);
    if (args->threads >= 0) experiment.training.threads = args->threads;
    if (!args->precision.empty()) experiment.training.precision = args->precision;
    train::TrainOptions options;
    options.data_root = args->data.empty() ? default_data_root() : args->data;
    options.output_dir = args->output.empty() ? "runs/" + experiment.name : args->output;
    options.resume = args->resume;
    options.stop_at_step = args->stop_at;
    options.command_line = command_line();
    const bool tty = isatty(STDERR_FILENO);
    options.on_message = [&](const std::string& text) {
      if (!global.quiet) fmt::print(stderr, "{}{}\n", tty ? "\r\033[K" : "", text);
    };
    options.on_progress = [&](const train::Progress& p) {
      if (global.quiet) return;
      const int width = 24;
      const int filled = static_cast<int>(width * p.step / std::max<int64_t>(1, p.total_steps));
      fmt::print(stderr, "{}[{}{}] step {}/{}  loss {:.5f}  lr {:.2e}  {:.2f} it/s  ETA {}{}",
                 tty ? "\r\033[K" : "", std::string(filled, '#'), std::string(width - filled, '.'),
                 p.step, p.total_steps, p.loss, p.learning_rate, p.steps_per_second,
                 duration(p.eta_seconds), tty ? "" : "\n");
      std::fflush(stderr);
    };
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
    const auto result = train::run_training(experiment, options);
    if (tty && !global.quiet) fmt::print(stderr, "\n");
    // Before the first validation there is no best score (nor a model) to report.
    const bool validated = !result.model_path.empty();
    const auto best_score = validated ? nlohmann::json(result.best_score) : nlohmann::json();
    if (global.json)
      fmt::print("{}\n", nlohmann::json{{"step", result.step},
                                        {"finished", result.finished},
                                        {"best_validation_score", best_score},
                                        {"model", result.model_path.string()}}
                             .dump());
    else if (!global.quiet && validated)
      fmt::print("step {} ({}), best validation score {:.4f}, model: {}\n", result.step,
                 result.finished ? "finished" : "stopped", result.best_score,
                 result.model_path.string());
    else if (!global.quiet)
      fmt::print("step {} ({}), not validated yet, no model\n", result.step,
                 result.finished ? "finished" : "stopped");
    return 0;
  };
}

}  // namespace restora::cli

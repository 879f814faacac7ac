// restora train CONFIG: runs one experiment, resumable, with a progress line.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <nlohmann/json.hpp>
#include <memory>

#include "common.h"
#include "restora/errors.h"
#include "train/distributed.h"
#include "train/config.h"
#include "train/trainer.h"

namespace restora::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::string data;
  std::string output;
  bool resume = false;
  bool revalidate = false;
  int64_t stop_at = 0;
  int threads = -1;
  std::string precision;
  int world = 0;  // 0: from the environment (WORLD_SIZE / SLURM_NTASKS), else 1
  int rank = -1;
  std::string master;
  int timeout = 600;
};

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
  command->add_flag("--revalidate", args->revalidate,
                    "Validate the run folder's finished model again with this build's validation "
                    "and store the result in its file (weights and recipe unchanged)");
  command->add_option("--stop-at", args->stop_at, "Checkpoint and stop at this step (0 = run to the end)")
      ->capture_default_str();
  command
      ->add_option("--threads", args->threads, "Compute threads (overrides the config; 0 = all cores)")
      ->default_str("the config's training.threads");
  command->add_option("--precision", args->precision, "bf16 or fp32 (overrides the config)")
      ->check(CLI::IsMember({"bf16", "fp32"}))
      ->default_str("the config's training.precision");
  command->add_option("--world", args->world, "Processes training together (c10d + Gloo)")
      ->check(CLI::Range(1, 65536))
      ->default_str("$WORLD_SIZE, $SLURM_NTASKS or 1");
  command->add_option("--rank", args->rank, "This process's rank, 0 .. world−1 (0 hosts the rendezvous)")
      ->check(CLI::Range(0, 65535))
      ->default_str("$RANK or $SLURM_PROCID");
  command->add_option("--master", args->master, "Rank 0's HOST:PORT for the rendezvous")
      ->default_str("$MASTER_ADDR:$MASTER_PORT or 127.0.0.1:29500");
  command->add_option("--dist-timeout", args->timeout,
                      "Seconds a rank waits for the others before all give up")
      ->check(CLI::Range(1, 86400))
      ->capture_default_str();
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
    if (args->revalidate) {
      if (args->resume) throw InvalidArgument("--revalidate and --resume exclude each other");
      options.command_line = command_line();
      options.on_message = [&](const std::string& text) {
        if (!global.quiet) fmt::print(stderr, "{}\n", text);
      };
      const auto record = train::revalidate(experiment, options);
      if (global.json) fmt::print("{}\n", record.dump());
      return 0;
    }
    options.stop_at_step = args->stop_at;
    options.command_line = command_line();
    auto distributed = train::distributed_from_environment();
    if (args->world > 0) distributed.world = args->world;
    if (args->rank >= 0) distributed.rank = args->rank;
    if (!args->master.empty()) train::parse_master(args->master, distributed);
    distributed.timeout = std::chrono::seconds(args->timeout);
    if (distributed.rank >= distributed.world)
      throw InvalidArgument(fmt::format("--rank {} is not below --world {}", distributed.rank, distributed.world));
    if (experiment.data.batch_size % distributed.world != 0)
      throw InvalidArgument(fmt::format("batch size {} cannot be split into {} equal shards (--world)",
                                        experiment.data.batch_size, distributed.world));
    if (distributed.enabled()) options.group = std::make_shared<train::ProcessGroup>(distributed);
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
                 clock_text(p.eta_seconds), tty ? "" : "\n");
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

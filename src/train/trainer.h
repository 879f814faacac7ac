// The one generic training loop: data -> network -> loss -> optimizer, with validation,
// best-model tracking, checkpoints, exact resume, a CSV log and a PNG plot of the curves.
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "train/config.h"
#include "train/distributed.h"

namespace restora::train {

struct Progress {
  int64_t step = 0, total_steps = 0;
  double loss = 0.0;           // mean over the steps since the last report
  double learning_rate = 0.0;
  double steps_per_second = 0.0;
  double eta_seconds = 0.0;
};

struct TrainOptions {
  std::filesystem::path data_root;    // training folders are relative to it
  std::filesystem::path output_dir;   // checkpoint.pt, log.csv, curves.png, NAME.safetensors
  bool resume = false;                // continue from output_dir/checkpoint.pt
  int64_t stop_at_step = 0;           // > 0: checkpoint and stop at this step (time-boxing)
  std::string command_line;           // recorded in the model's recipe
  std::function<void(const Progress&)> on_progress;
  std::function<void(const std::string&)> on_message;
  // Distributed training (distributed.h): this process's group, or null for one process. Every
  // rank runs run_training with the same experiment and output folder (shared, or at least the
  // same path: rank 0 alone writes it; --resume reads its checkpoint on every rank).
  std::shared_ptr<ProcessGroup> group;
};

struct TrainResult {
  int64_t step = 0;
  bool finished = false;              // reached the configured number of steps
  double best_score = 0.0;           // the kept model's validation score (PSNR for restoration)
  std::filesystem::path model_path;   // the best model so far (empty before a validation)
};

TrainResult run_training(const ExperimentConfig& experiment, const TrainOptions& options);

// Validates the model a run wrote (output_dir/NAME.safetensors) again with this build's
// validation, and stores the new record in the file's scores (its weights, recipe and the step it
// was kept at unchanged): for a finished run whose validation has since learnt more (a detector's
// threshold). -> the new record. A missing model -> FileError.
nlohmann::json revalidate(const ExperimentConfig& experiment, const TrainOptions& options);

// Asks a running training to checkpoint and return at the next step (signal-safe).
void request_stop();

}  // namespace restora::train

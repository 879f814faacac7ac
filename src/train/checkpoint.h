// Training checkpoints: everything needed to continue a run exactly where it stopped.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>

namespace restora::train {

struct CheckpointState {
  int64_t step = 0;
  double best_score = std::numeric_limits<double>::lowest();  // of the kept model (higher is better)
  int64_t best_step = 0;
  double seconds = 0.0;          // training time so far
  // The losses since the last log row, so a resumed run logs the same averages.
  double window_loss_sum = 0.0;
  int64_t window_loss_count = 0;
  nlohmann::json experiment;     // the config the run was started with
};

// Written to temporary files and renamed into place: PATH holds the state, network and
// optimizer, PATH with extension .ema.pt the EMA weights (when `ema` is not null).
void save_checkpoint(const std::filesystem::path& path, const CheckpointState& state,
                     torch::nn::Module& network, torch::nn::Module* ema,
                     torch::optim::Optimizer& optimizer);

// Restores the modules and optimizer in place and returns the state.
CheckpointState load_checkpoint(const std::filesystem::path& path, torch::nn::Module& network,
                                torch::nn::Module* ema, torch::optim::Optimizer& optimizer);

}  // namespace restora::train

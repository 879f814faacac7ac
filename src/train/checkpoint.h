// Training checkpoints: everything needed to continue a run exactly where it stopped.
#pragma once

#include <torch/nn/module.h>
#include <torch/optim/optimizer.h>

#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace restora::train {

struct CheckpointState {
  int64_t step = 0;
  double best_score = std::numeric_limits<double>::lowest();  // of the kept model (higher is better)
  int64_t best_step = 0;
  double seconds = 0.0;          // training time so far
  // The losses since the last log row (one sum per loss the objective names), so a resumed run
  // logs the same averages.
  std::vector<double> window_loss_sums;
  int64_t window_loss_count = 0;
  nlohmann::json experiment;     // the config the run was started with
};

// One trained module with its optimizer; parts[0] is the network.
struct CheckpointPart {
  std::string name;  // a file-name word: "discriminator"
  torch::nn::Module* module = nullptr;
  torch::optim::Optimizer* optimizer = nullptr;
};

// Written to temporary files and renamed into place: PATH holds the state, the network and its
// optimizer; PATH with extension .ema.pt the EMA weights (when `ema` is not null); and PATH with
// extension .NAME.pt each further part with its optimizer (so that each file stays small enough
// to commit: a 1M-parameter network with Adam moments and EMA is ~17 MB in one file).
void save_checkpoint(const std::filesystem::path& path, const CheckpointState& state,
                     const std::vector<CheckpointPart>& parts, torch::nn::Module* ema);

// Restores the modules and optimizers in place and returns the state. Every file must be at
// the state's step.
CheckpointState load_checkpoint(const std::filesystem::path& path,
                                const std::vector<CheckpointPart>& parts, torch::nn::Module* ema);

}  // namespace restora::train

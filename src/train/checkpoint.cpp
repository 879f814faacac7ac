#include "train/checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include "restora/errors.h"

namespace restora::train {
namespace fs = std::filesystem;

namespace {

// The EMA weights live in a second file so that each file stays small enough to commit
// (a 1M-parameter network with Adam moments and EMA is ~17 MB in one file).
fs::path ema_path(const fs::path& path) {
  auto result = path;
  result.replace_extension(".ema.pt");
  return result;
}

void save_archive(torch::serialize::OutputArchive& archive, const fs::path& path) {
  const auto temporary =
      path.parent_path() / fmt::format(".{}.tmp-{}", path.filename().string(), getpid());
  try {
    archive.save_to(temporary.string());
    fs::rename(temporary, path);
  } catch (const std::exception& error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw FileError(fmt::format("cannot write checkpoint '{}': {}", path.string(), error.what()));
  }
}

}  // namespace

void save_checkpoint(const fs::path& path, const CheckpointState& state,
                     torch::nn::Module& network, torch::nn::Module* ema,
                     torch::optim::Optimizer& optimizer) {
  nlohmann::json json = {{"step", state.step},
                         {"best_score", state.best_score},
                         {"best_step", state.best_step},
                         {"seconds", state.seconds},
                         {"window_loss_sum", state.window_loss_sum},
                         {"window_loss_count", state.window_loss_count},
                         {"experiment", state.experiment}};
  if (ema) {
    torch::serialize::OutputArchive ema_archive, weights;
    ema->save(weights);
    ema_archive.write("step", c10::IValue(state.step));
    ema_archive.write("ema", weights);
    save_archive(ema_archive, ema_path(path));
  }
  torch::serialize::OutputArchive archive;
  archive.write("state", c10::IValue(json.dump()));
  torch::serialize::OutputArchive network_archive, optimizer_archive;
  network.save(network_archive);
  optimizer.save(optimizer_archive);
  archive.write("network", network_archive);
  archive.write("optimizer", optimizer_archive);
  save_archive(archive, path);
}

CheckpointState load_checkpoint(const fs::path& path, torch::nn::Module& network,
                                torch::nn::Module* ema, torch::optim::Optimizer& optimizer) {
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw FileError(fmt::format("cannot resume: no checkpoint '{}'", path.string()));
  CheckpointState state;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string());
    c10::IValue text;
    archive.read("state", text);
    const auto json = nlohmann::json::parse(text.toStringRef());
    state.step = json.at("step").get<int64_t>();
    state.best_score = json.at("best_score").get<double>();
    state.best_step = json.at("best_step").get<int64_t>();
    state.seconds = json.at("seconds").get<double>();
    // Absent in checkpoints written before the loss window was saved: an empty window.
    state.window_loss_sum = json.value("window_loss_sum", 0.0);
    state.window_loss_count = json.value("window_loss_count", int64_t{0});
    state.experiment = json.at("experiment");
    torch::serialize::InputArchive network_archive, optimizer_archive;
    archive.read("network", network_archive);
    network.load(network_archive);
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    if (ema) {
      torch::serialize::InputArchive ema_archive, weights;
      ema_archive.load_from(ema_path(path).string());
      c10::IValue ema_step;
      ema_archive.read("step", ema_step);
      if (ema_step.toInt() != state.step)
        throw FormatError(fmt::format("checkpoint '{}' is at step {} but its EMA file at step {}",
                                      path.string(), state.step, ema_step.toInt()));
      ema_archive.read("ema", weights);
      ema->load(weights);
    }
  } catch (const restora::Error&) {
    throw;
  } catch (const std::exception& failure) {
    throw FormatError(fmt::format("cannot resume from checkpoint '{}': {}", path.string(),
                                  std::string(failure.what()).substr(0, 200)));
  }
  return state;
}

}  // namespace restora::train

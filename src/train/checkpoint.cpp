#include "train/checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include "restora/errors.h"

namespace restora::train {
namespace fs = std::filesystem;

void save_checkpoint(const fs::path& path, const CheckpointState& state,
                     torch::nn::Module& network, torch::nn::Module* ema,
                     torch::optim::Optimizer& optimizer) {
  nlohmann::json json = {{"step", state.step},
                         {"best_psnr", state.best_psnr},
                         {"best_step", state.best_step},
                         {"seconds", state.seconds},
                         {"experiment", state.experiment}};
  torch::serialize::OutputArchive archive;
  archive.write("state", c10::IValue(json.dump()));
  torch::serialize::OutputArchive network_archive, optimizer_archive;
  network.save(network_archive);
  optimizer.save(optimizer_archive);
  archive.write("network", network_archive);
  archive.write("optimizer", optimizer_archive);
  if (ema) {
    torch::serialize::OutputArchive ema_archive;
    ema->save(ema_archive);
    archive.write("ema", ema_archive);
  }
  const auto temporary = path.parent_path() / fmt::format(".{}.tmp-{}", path.filename().string(), getpid());
  try {
    archive.save_to(temporary.string());
    fs::rename(temporary, path);
  } catch (const std::exception& error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    throw FileError(fmt::format("cannot write checkpoint '{}': {}", path.string(), error.what()));
  }
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
    state.best_psnr = json.at("best_psnr").get<double>();
    state.best_step = json.at("best_step").get<int64_t>();
    state.seconds = json.at("seconds").get<double>();
    state.experiment = json.at("experiment");
    torch::serialize::InputArchive network_archive, optimizer_archive;
    archive.read("network", network_archive);
    network.load(network_archive);
    archive.read("optimizer", optimizer_archive);
    optimizer.load(optimizer_archive);
    if (ema) {
      torch::serialize::InputArchive ema_archive;
      archive.read("ema", ema_archive);
      ema->load(ema_archive);
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

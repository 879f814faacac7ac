#include "train/checkpoint.h"

#include <fmt/format.h>
#include <torch/torch.h>
#include <unistd.h>

#include "restora/errors.h"

namespace restora::train {
namespace fs = std::filesystem;

namespace {

// PATH's companion file for `what` ("ema", a part's name): checkpoint.pt -> checkpoint.ema.pt.
fs::path companion_path(const fs::path& path, const std::string& what) {
  auto result = path;
  result.replace_extension("." + what + ".pt");
  return result;
}

// Reads a companion file's step and checks it against the state's.
void check_step(torch::serialize::InputArchive& archive, const fs::path& path, const fs::path& file,
                int64_t step, const std::string& what) {
  c10::IValue saved;
  archive.read("step", saved);
  if (saved.toInt() != step)
    throw FormatError(fmt::format("checkpoint '{}' is at step {} but its {} file '{}' at step {}",
                                  path.string(), step, what, file.filename().string(),
                                  saved.toInt()));
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
                     const std::vector<CheckpointPart>& parts, torch::nn::Module* ema) {
  nlohmann::json json = {{"step", state.step},
                         {"best_score", state.best_score},
                         {"best_step", state.best_step},
                         {"seconds", state.seconds},
                         {"window_loss_sums", state.window_loss_sums},
                         {"window_loss_count", state.window_loss_count},
                         {"experiment", state.experiment}};
  if (ema) {
    torch::serialize::OutputArchive ema_archive, weights;
    ema->save(weights);
    ema_archive.write("step", c10::IValue(state.step));
    ema_archive.write("ema", weights);
    save_archive(ema_archive, companion_path(path, "ema"));
  }
  for (size_t i = 1; i < parts.size(); ++i) {
    torch::serialize::OutputArchive archive, module_archive, optimizer_archive;
    parts[i].module->save(module_archive);
    parts[i].optimizer->save(optimizer_archive);
    archive.write("step", c10::IValue(state.step));
    archive.write("module", module_archive);
    archive.write("optimizer", optimizer_archive);
    save_archive(archive, companion_path(path, parts[i].name));
  }
  torch::serialize::OutputArchive archive;
  archive.write("state", c10::IValue(json.dump()));
  torch::serialize::OutputArchive network_archive, optimizer_archive;
  parts[0].module->save(network_archive);
  parts[0].optimizer->save(optimizer_archive);
  archive.write("network", network_archive);
  archive.write("optimizer", optimizer_archive);
  save_archive(archive, path);
}

CheckpointState load_checkpoint(const fs::path& path, const std::vector<CheckpointPart>& parts,
                                torch::nn::Module* ema) {
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
    // Checkpoints of one-loss runs wrote one sum; older ones none (an empty window).
    if (json.contains("window_loss_sums"))
      state.window_loss_sums = json.at("window_loss_sums").get<std::vector<double>>();
    else
      state.window_loss_sums = {json.value("window_loss_sum", 0.0)};
    state.window_loss_count = json.value("window_loss_count", int64_t{0});
    state.experiment = json.at("experiment");
    torch::serialize::InputArchive network_archive, optimizer_archive;
    archive.read("network", network_archive);
    parts[0].module->load(network_archive);
    archive.read("optimizer", optimizer_archive);
    parts[0].optimizer->load(optimizer_archive);
    for (size_t i = 1; i < parts.size(); ++i) {
      const auto file = companion_path(path, parts[i].name);
      if (!fs::is_regular_file(file, error))
        throw FileError(fmt::format("cannot resume: checkpoint '{}' has no {} file '{}'",
                                    path.string(), parts[i].name, file.filename().string()));
      torch::serialize::InputArchive part_archive, module_archive, part_optimizer;
      part_archive.load_from(file.string());
      check_step(part_archive, path, file, state.step, parts[i].name);
      part_archive.read("module", module_archive);
      parts[i].module->load(module_archive);
      part_archive.read("optimizer", part_optimizer);
      parts[i].optimizer->load(part_optimizer);
    }
    if (ema) {
      const auto file = companion_path(path, "ema");
      torch::serialize::InputArchive ema_archive, weights;
      ema_archive.load_from(file.string());
      check_step(ema_archive, path, file, state.step, "EMA");
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

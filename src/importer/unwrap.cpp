#include "importer/unwrap.h"

#include <algorithm>
#include <array>

namespace restora::importer {
namespace {

bool starts_with(const std::string& text, const std::string& prefix) {
  return text.compare(0, prefix.size(), prefix) == 0;
}

// Wrapper keys in order of preference: EMA weights first.
constexpr std::array<const char*, 6> wrappers{"params_ema", "params", "state_dict",
                                              "generator", "model", "net"};
// What training checkpoints keep beside the network.
constexpr std::array<const char*, 5> training_state{"optimizer.", "optimizers.", "optimizer_state_dict.",
                                                    "scheduler.", "schedulers."};

bool is_training_state(const std::string& name) {
  return std::any_of(training_state.begin(), training_state.end(),
                     [&](const char* prefix) { return starts_with(name, prefix); });
}

}  // namespace

std::vector<model_file::Tensor> unwrap(std::vector<model_file::Tensor> tensors,
                                       std::vector<std::string>* removed) {
  for (bool changed = true; changed && !tensors.empty();) {
    changed = false;
    if (std::all_of(tensors.begin(), tensors.end(),
                    [](const auto& t) { return starts_with(t.name, "module."); })) {
      for (auto& t : tensors) t.name.erase(0, 7);
      if (removed != nullptr) removed->push_back("module.");
      changed = true;
      continue;
    }
    for (const char* wrapper : wrappers) {
      const std::string prefix = std::string(wrapper) + ".";
      const auto inside = std::count_if(tensors.begin(), tensors.end(),
                                        [&](const auto& t) { return starts_with(t.name, prefix); });
      const auto beside = std::count_if(tensors.begin(), tensors.end(), [&](const auto& t) {
        return !starts_with(t.name, prefix) && !is_training_state(t.name);
      });
      // "model." and "net." are also ordinary module names (KAIR's DnCNN is model.0.weight...):
      // strip them only when nothing but training state lies beside; the others when present.
      const bool generic = std::string(wrapper) == "model" || std::string(wrapper) == "net";
      if (inside == 0 || (generic && beside > 0)) continue;
      std::vector<model_file::Tensor> kept;
      for (auto& t : tensors) {
        if (!starts_with(t.name, prefix)) continue;
        t.name.erase(0, prefix.size());
        kept.push_back(std::move(t));
      }
      tensors = std::move(kept);
      if (removed != nullptr) removed->push_back(wrapper);
      changed = true;
      break;
    }
  }
  return tensors;
}

}  // namespace restora::importer

// The networks loaded by every Restorer of the process, shared: once loaded a network is only
// read (inference), so jobs on several threads may run one network at once, and a server
// loads each model once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "restore/model_loader.h"

namespace restora {

struct ModelKey {
  std::filesystem::path path;  // resolved model file
  double strength = -1.0;      // load_model's strength
  std::string device;          // where the weights live
  std::string variant;         // anything else that prepares the network (its memory layout)
};

// The model `key` names, loaded and prepared by `prepare` (device, layout) the first time; later
// calls return the same network until the file changes (its size or modification time).
std::shared_ptr<const LoadedModel> shared_model(
    const ModelKey& key, const std::function<void(LoadedModel&)>& prepare);

// How many networks the cache holds.
std::size_t shared_model_count();

}  // namespace restora

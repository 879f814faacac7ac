// Finds, loads and validates model files: the bridge from a file to a runnable network.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "archs/network.h"
#include "model_file/model_meta.h"

namespace restora {

struct LoadedModel {
  model_file::ModelMeta meta;
  archs::RestorationNetwork network;  // weights loaded, eval mode, on the CPU
  std::filesystem::path path;
};

// Folders searched for shipped models, in order: $RESTORA_MODELS, <exe>/../share/restora/models,
// the source tree's models/ (uninstalled builds).
std::vector<std::filesystem::path> model_search_dirs();

// A path to an existing file is returned as is; otherwise `name` is looked up as
// NAME.safetensors in the search folders. Throws FileError listing where it looked.
std::filesystem::path resolve_model(const std::string& name_or_path);

// Every shipped model file found in the search folders (first occurrence of each name).
std::vector<std::filesystem::path> shipped_models();

// Reads, validates (metadata, arch, tensor names and shapes, traits) and builds the network.
// strength >= 0: the weights (1−s)·base + s·file, base being the model its metadata names as
// strength_base (ModelMeta); InvalidArgument when s > 1 or the model has no base.
LoadedModel load_model(const std::filesystem::path& path, double strength = -1.0);

// A network described by `meta` with freshly initialised weights (training starts here).
archs::RestorationNetwork build_from_meta(const model_file::ModelMeta& meta);

}  // namespace restora

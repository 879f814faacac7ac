#include "restore/model_loader.h"

#include <dlfcn.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "nn/weights.h"
#include "restora/errors.h"
#include "tasks/task.h"

#ifndef RESTORA_SOURCE_MODELS_DIR
#define RESTORA_SOURCE_MODELS_DIR ""
#endif

namespace restora {
namespace fs = std::filesystem;

namespace {

// The folder of the binary holding this code: the restora executable, or librestora.so when
// a program uses the installed library.
fs::path binary_dir() {
  Dl_info info{};
  if (!dladdr(reinterpret_cast<void*>(&binary_dir), &info) || !info.dli_fname) return {};
  std::error_code error;
  const auto path = fs::canonical(info.dli_fname, error);
  return error ? fs::path() : path.parent_path();
}

}  // namespace

std::vector<fs::path> model_search_dirs() {
  std::vector<fs::path> dirs;
  std::error_code error;
  if (const char* env = std::getenv("RESTORA_MODELS"); env && *env) dirs.emplace_back(env);
  // Installed: PREFIX/bin/restora, PREFIX/lib[/<multiarch>]/librestora.so.
  if (const auto binary = binary_dir(); !binary.empty())
    for (const auto& prefix : {binary.parent_path(), binary.parent_path().parent_path()}) {
      const auto models = prefix / "share" / "restora" / "models";
      if (fs::is_directory(models, error)) {
        dirs.push_back(models);
        break;
      }
    }
  if (std::string source = RESTORA_SOURCE_MODELS_DIR; !source.empty()) dirs.emplace_back(source);
  return dirs;
}

fs::path resolve_model(const std::string& name_or_path) {
  std::error_code error;
  if (fs::is_regular_file(name_or_path, error)) return name_or_path;
  if (name_or_path.find('/') == std::string::npos) {
    for (const auto& dir : model_search_dirs()) {
      auto candidate = dir / (name_or_path + ".safetensors");
      if (fs::is_regular_file(candidate, error)) return candidate;
    }
  }
  std::vector<std::string> places;
  for (const auto& dir : model_search_dirs()) places.push_back(dir.string());
  throw FileError(fmt::format("model '{}' not found (not a file, and no {}.safetensors in: {})",
                              name_or_path, name_or_path, fmt::join(places, ", ")));
}

std::vector<fs::path> shipped_models() {
  std::vector<fs::path> found;
  std::set<std::string> names;
  for (const auto& dir : model_search_dirs()) {
    std::error_code error;
    if (!fs::is_directory(dir, error)) continue;
    std::vector<fs::path> here;
    for (const auto& entry : fs::directory_iterator(dir, error))
      if (entry.path().extension() == ".safetensors") here.push_back(entry.path());
    std::sort(here.begin(), here.end());
    for (const auto& path : here)
      if (names.insert(path.stem().string()).second) found.push_back(path);
  }
  return found;
}

archs::RestorationNetwork build_from_meta(const model_file::ModelMeta& meta) {
  tasks::find_task(meta.task);
  auto network = archs::build_network(meta.arch, meta.arch_config);
  const auto traits = network->traits();
  const auto fail = [&](const std::string& problem) {
    throw FormatError(fmt::format("model '{}': {}", meta.name, problem));
  };
  if (meta.in_channels != traits.channels || meta.out_channels != traits.output_channels())
    fail(fmt::format("in_channels {} / out_channels {} in the metadata but the network has {} / {}",
                     meta.in_channels, meta.out_channels, traits.channels, traits.output_channels()));
  const int colour_channels = meta.color_space == model_file::ColorSpace::gray ? 1 : 3;
  if (meta.in_channels != colour_channels)
    fail(fmt::format("color_space '{}' needs {} channels, the metadata says {}",
                     model_file::color_space_name(meta.color_space), colour_channels,
                     meta.in_channels));
  for (const auto& [field, range] :
       {std::pair{"input_range", meta.input_range}, std::pair{"output_range", meta.output_range}})
    if (range[0] != 0.0 || range[1] != 1.0)
      fail(fmt::format("{} [{}, {}]: this version runs networks on [0, 1] values only", field,
                       range[0], range[1]));
  if (meta.tile_overlap < traits.receptive_radius)
    fail(fmt::format("tile_overlap {} is below the network's receptive radius {}: tiles would "
                     "show seams",
                     meta.tile_overlap, traits.receptive_radius));
  for (int scale : meta.scales)
    if (std::find(traits.scales.begin(), traits.scales.end(), scale) == traits.scales.end())
      fail(fmt::format("scale x{} in the metadata but the network has no such output", scale));
  if (traits.condition_channels !=
      static_cast<int>(model_file::condition_map_names(meta.conditioning).size()))
    fail(fmt::format("metadata conditioning '{}' does not match the network",
                     model_file::conditioning_name(meta.conditioning)));
  if (traits.takes_kernel != (meta.conditioning == model_file::Conditioning::kernel))
    fail(fmt::format("metadata conditioning '{}' does not match the network, which {} a blur kernel",
                     model_file::conditioning_name(meta.conditioning),
                     traits.takes_kernel ? "needs" : "takes no"));
  if (meta.size_multiple % traits.size_multiple != 0)
    fail(fmt::format("size_multiple {} is not a multiple of the network's {}", meta.size_multiple,
                     traits.size_multiple));
  return network;
}

LoadedModel load_model(const fs::path& path, double strength) {
  LoadedModel loaded;
  auto file = model_file::read_model_file(path);
  if (strength >= 0.0) {
    if (!(strength <= 1.0))
      throw InvalidArgument(fmt::format("strength {} is not in [0, 1]", strength));
    if (file.meta.strength_base.empty())
      throw InvalidArgument(fmt::format(
          "model '{}' has no strength control: --strength needs a GAN model whose metadata names "
          "its PSNR-oriented base (strength_base)",
          path.string()));
    // The base beside this file first (a run's folder), then the shipped models.
    const auto beside = path.parent_path() / (file.meta.strength_base + ".safetensors");
    std::error_code error;
    const auto base_path =
        fs::is_regular_file(beside, error) ? beside : resolve_model(file.meta.strength_base);
    const auto base = model_file::read_model_file(base_path);
    if (base.meta.arch != file.meta.arch || base.meta.arch_config != file.meta.arch_config)
      throw FormatError(fmt::format("model '{}': its strength base '{}' is another network",
                                    path.string(), base_path.string()));
    try {
      file.tensors = nn::interpolate_weights(base.tensors, file.tensors, strength);
    } catch (const InvalidArgument& mismatch) {
      throw FormatError(fmt::format("model '{}' and its strength base '{}': {}", path.string(),
                                    base_path.string(), mismatch.what()));
    }
  }
  loaded.meta = std::move(file.meta);
  loaded.path = path;
  if (loaded.meta.task == "codec")
    throw ModelMismatch(fmt::format("model '{}' is a learned codec: use restora compress / "
                                    "decompress", loaded.meta.name));
  try {
    loaded.network = build_from_meta(loaded.meta);
  } catch (const Error& error) {  // metadata that contradicts itself or the network
    throw FormatError(fmt::format("model file '{}': {}", path.string(), error.what()));
  }
  nn::import_weights(*loaded.network, file.tensors, path.string());
  loaded.network->eval();
  return loaded;
}

}  // namespace restora

// restora models: list the shipped models; restora info FILE: describe an image or a model.
#include <fmt/format.h>

#include <memory>

#include "common.h"
#include "eval/record.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"

namespace restora::cli {
namespace {

int print_models(const GlobalOptions& global) {
  const auto paths = shipped_models();
  nlohmann::json list = nlohmann::json::array();
  if (!global.json)
    fmt::print("{:<16} {:<18} {:<8} {:<7} {:<8} {}\n", "name", "task", "arch", "colour", "scales",
               "scores");
  for (const auto& path : paths) {
    const auto model = model_file::read_model_file(path);
    const auto& meta = model.meta;
    auto entry = model_file::to_json(meta);
    entry.erase("recipe");
    entry["path"] = path.string();
    list.push_back(entry);
    if (!global.json)
      fmt::print("{:<16} {:<18} {:<8} {:<7} {:<8} {}\n", meta.name, meta.task, meta.arch,
                 model_file::color_space_name(meta.color_space),
                 fmt::format("x{}", fmt::join(meta.scales, ",x")),
                 eval::score_summary(meta.scores));
  }
  if (global.json)
    fmt::print("{}\n", list.dump(2));
  else if (paths.empty()) {
    std::vector<std::string> dirs;
    for (const auto& dir : model_search_dirs()) dirs.push_back(dir.string());
    fmt::print("(no models found in: {})\n", fmt::join(dirs, ", "));
  }
  return 0;
}

int print_info(const std::string& path, const GlobalOptions& global) {
  const bool model = path.size() > 12 && path.substr(path.size() - 12) == ".safetensors";
  if (model) {
    const auto loaded = load_model(path);  // validates tensors against the network too
    auto json = model_file::to_json(loaded.meta);
    int64_t parameters = 0;
    for (const auto& parameter : loaded.network->parameters()) parameters += parameter.numel();
    json["parameters"] = parameters;
    if (global.json) {
      fmt::print("{}\n", json.dump(2));
      return 0;
    }
    const auto& meta = loaded.meta;
    fmt::print("{}: model '{}' ({})\n", path, meta.name, meta.description);
    fmt::print("  task {}, arch {}, {} parameters, {}, scales x{}\n", meta.task, meta.arch,
               parameters, model_file::color_space_name(meta.color_space),
               fmt::join(meta.scales, ",x"));
    fmt::print("  conditioning {}, tile overlap {}, size multiple {}, created {}\n",
               model_file::conditioning_name(meta.conditioning), meta.tile_overlap,
               meta.size_multiple, meta.created);
    if (meta.recipe.contains("command"))
      fmt::print("  trained by: {} (step {})\n", meta.recipe["command"].get<std::string>(),
                 meta.recipe.value("step", 0));
    fmt::print("  scores: {}\n", eval::score_summary(meta.scores));
    fmt::print("  (--json prints the whole metadata)\n");
    return 0;
  }
  const auto image = read_image(path);
  nlohmann::json json = {{"path", path},
                         {"width", image.width()},
                         {"height", image.height()},
                         {"channels", image.channels()},
                         {"alpha", image.has_alpha()},
                         {"bit_depth", image.bit_depth}};
  if (global.json)
    fmt::print("{}\n", json.dump(2));
  else
    fmt::print("{}: {}x{}, {} ({}{}), {}-bit{}\n", path, image.width(), image.height(),
               image.channels() == 1 ? "gray" : "RGB", image.channels(),
               image.has_alpha() ? " + alpha" : "", image.bit_depth,
               image.bit_depth == 32 ? " float" : "");
  return 0;
}

}  // namespace

Run add_model_commands(CLI::App& app, GlobalOptions& global) {
  auto* models =
      app.add_subcommand("models", "List the shipped models with their metadata and scores");
  add_json_flag(*models, global);
  auto path = std::make_shared<std::string>();
  auto* info_command = app.add_subcommand("info", "Describe an image or a model file");
  info_command->add_option("file", *path, "Image or .safetensors model")->required();
  add_json_flag(*info_command, global);
  return [models, info_command, path, &global]() -> int {
    if (models->parsed()) return print_models(global);
    if (info_command->parsed()) return print_info(*path, global);
    return -1;
  };
}

}  // namespace restora::cli

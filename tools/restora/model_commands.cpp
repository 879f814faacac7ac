// restora models: list the shipped models; restora info FILE: describe an image, a model or an
// .rci file.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include "common.h"
#include "codec/container.h"
#include "compression/codec_model.h"
#include "compression/image_codec.h"
#include "eval/record.h"
#include "fileio/file_io.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"

namespace restora::cli {
namespace {

// One row of the model table; the arch column fits "hyperprior_codec".
constexpr const char* model_row = "{:<16} {:<18} {:<16} {:<7} {:<8} {}\n";

int print_models(const GlobalOptions& global) {
  const auto paths = shipped_models();
  nlohmann::json list = nlohmann::json::array();
  if (!global.json)
    fmt::print(model_row, "name", "task", "arch", "colour", "scales",
               "scores");
  for (const auto& path : paths) {
    const auto model = model_file::read_model_file(path);
    const auto& meta = model.meta;
    auto entry = model_file::to_json(meta);
    entry.erase("recipe");
    entry["path"] = path.string();
    list.push_back(entry);
    if (!global.json)
      fmt::print(model_row, meta.name, meta.task, meta.arch,
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

// An .rci file's header.
int print_compressed_info(const std::string& path, const std::vector<uint8_t>& bytes,
                          const GlobalOptions& global) {
  const auto header = compression::read_header(bytes);
  const double bpp = bytes.size() * 8.0 / (double(header.width) * header.height);
  nlohmann::json json = {{"path", path},
                         {"model", header.model},
                         {"fingerprint", fmt::format("{:08x}", header.fingerprint)},
                         {"level", header.level},
                         {"width", header.width},
                         {"height", header.height},
                         {"color", header.color == codec::ColorFormat::rgb8 ? "rgb" : "gray"},
                         {"padding", {header.pad_right, header.pad_bottom}},
                         {"bytes", bytes.size()},
                         {"bpp", bpp}};
  std::vector<size_t> sections;
  for (const auto& section : header.sections) sections.push_back(section.size());
  json["section_bytes"] = sections;
  if (global.json)
    fmt::print("{}\n", json.dump(2));
  else
    fmt::print("{}: Restora codec file, {}x{} {}, model '{}' ({:08x}) level {}, {} bytes ({:.4f} "
               "bpp), sections {} bytes\n",
               path, header.width, header.height, json["color"].get<std::string>(), header.model,
               header.fingerprint, header.level, bytes.size(), bpp, fmt::join(sections, " + "));
  return 0;
}

int64_t count_parameters(const torch::nn::Module& network) {
  int64_t parameters = 0;
  for (const auto& parameter : network.parameters()) parameters += parameter.numel();
  return parameters;
}

int print_info(const std::string& path, const GlobalOptions& global) {
  const bool model = path.size() > 12 && path.substr(path.size() - 12) == ".safetensors";
  if (!model) {
    const auto bytes = fileio::read_file_bytes(path);
    if (codec::looks_like_container(bytes.data(), bytes.size()))
      return print_compressed_info(path, bytes, global);
  }
  if (model) {
    // Validates the tensors against the network too.
    const auto meta = model_file::read_model_file(path).meta;
    int64_t parameters = 0;
    if (meta.task == "codec")
      parameters = count_parameters(*compression::load_codec_model(path).network);
    else
      parameters = count_parameters(*load_model(path).network);
    auto json = model_file::to_json(meta);
    json["parameters"] = parameters;
    if (global.json) {
      fmt::print("{}\n", json.dump(2));
      return 0;
    }
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
  const auto image = read_image(path, integer_reading);
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
  auto* info_command = app.add_subcommand("info", "Describe an image, a model file or an .rci file");
  info_command->add_option("file", *path, "Image, .safetensors model or .rci file")->required();
  add_json_flag(*info_command, global);
  return [models, info_command, path, &global]() -> int {
    if (models->parsed()) return print_models(global);
    if (info_command->parsed()) return print_info(*path, global);
    return -1;
  };
}

}  // namespace restora::cli

// A Restora model file: one safetensors file whose "__metadata__" describes
// the model completely, so nothing is guessed from a path or tensor shapes:
//   "format": "restora-model", "format_version": "1",
//   "restora": a JSON document with exactly the fields of ModelMeta.
//
//   ModelFile model = read_model_file("models/edsr_x2.safetensors");
//   if (model.meta.task != "super_resolution") ...;
//   write_model_file("copy.safetensors", model);
//
// Whether the tensors fit the network is checked by the Torch layer, and
// whether `task` names a known task by the task layer; not here.
#pragma once

#include <array>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::model_file {

constexpr const char* model_format = "restora-model";
constexpr const char* model_format_version = "1";

enum class ColorSpace { gray, rgb };
// What the model is told of the damage: nothing (blind), the noise σ or JPEG quality as a map,
// (kernel) the blur kernel beside the σ map: non-blind deblurring, or (mask) a per-pixel map
// of the missing pixels: inpainting.
enum class Conditioning { none, sigma, quality, kernel, mask };
enum class Precision { fp32, bf16 };

// The names written in files: "gray"/"rgb", "none"/"sigma"/"quality"/"kernel"/"mask",
// "fp32"/"bf16".
const char* color_space_name(ColorSpace color_space);
const char* conditioning_name(Conditioning conditioning);
// The condition maps (image/condition_maps.h) a model with this conditioning takes, in order:
// none -> {}, sigma and kernel -> {"sigma"}, quality -> {"quality"}, mask -> {"mask"}.
std::vector<std::string> condition_map_names(Conditioning conditioning);
const char* precision_name(Precision precision);

struct ModelMeta {
  std::string name;                                       // non-empty, e.g. "edsr-baseline-x2"
  std::string description;                                // may be empty
  std::string arch;                                       // architecture registry id, e.g. "edsr"
  nlohmann::json arch_config = nlohmann::json::object();  // passed to the architecture
  std::string task;                                       // "denoise", "super_resolution", ...
  std::vector<int> scales{1};  // positive, distinct; [1] for same-size tasks
  int in_channels = 3;         // 1..4
  int out_channels = 3;        // 1..4
  ColorSpace color_space = ColorSpace::rgb;
  std::array<double, 2> input_range{0.0, 1.0};  // [low, high], low < high
  std::array<double, 2> output_range{0.0, 1.0};  // [low, high], low < high
  Conditioning conditioning = Conditioning::none;
  int tile_overlap = 0;   // >= 0: input pixels of context per tile side
  int size_multiple = 1;  // >= 1: input height and width must be multiples of it
  std::vector<Precision> precision{Precision::fp32};  // validated for; non-empty, distinct
  nlohmann::json recipe = nlohmann::json::object();   // training config, command, steps...
  nlohmann::json scores = nlohmann::json::object();   // may be empty
  std::string created;  // ISO 8601 date, "2024-05-01" optionally followed by "T..."
  // A GAN fine-tune's PSNR-oriented start (same arch and config), by model name, found beside
  // this file or among the shipped models: strength s runs the weights (1−s)·base + s·these.
  // Empty for models without a strength control.
  std::string strength_base;
};

struct ModelFile {
  ModelMeta meta;
  std::vector<Tensor> tensors;
};

// Reads the metadata of a safetensors file. Throws FormatError "cannot read
// model file '<source>': <problem>" when it is not a Restora model of this
// format version or any field is missing, mistyped, out of range or unknown;
// the problem names the field.
ModelMeta parse_model_meta(const std::map<std::string, std::string>& metadata,
                           const std::string& source);

// The "__metadata__" entries for `meta`. Throws InvalidArgument naming the
// field when `meta` breaks a rule above (parse_model_meta would refuse it).
std::map<std::string, std::string> to_metadata(const ModelMeta& meta);

// The "restora" document, for printing (keys sorted).
nlohmann::json to_json(const ModelMeta& meta);

// Today's UTC date as ISO 8601 ("2026-11-22"), the form of `created`.
std::string today_utc();

// Throws FileError or FormatError as read_safetensors and parse_model_meta do.
ModelFile read_model_file(const std::filesystem::path& path);

// Validates as to_metadata does, then writes atomically as write_safetensors.
void write_model_file(const std::filesystem::path& path, const ModelFile& model);

}  // namespace restora::model_file

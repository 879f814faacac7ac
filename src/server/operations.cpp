#include "server/operations.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>

#include "eval/record.h"
#include "model_file/model_meta.h"
#include "restore/model_loader.h"

namespace restora::server {
namespace {

using nlohmann::json;

OperationOption number(std::string name, std::string label, double minimum, double maximum,
                       json default_value, std::string help) {
  return {std::move(name), std::move(label), std::move(help), "number", minimum, maximum, {},
          std::move(default_value)};
}

OperationOption integer(std::string name, std::string label, double minimum, double maximum,
                        json default_value, std::string help) {
  auto option = number(std::move(name), std::move(label), minimum, maximum,
                       std::move(default_value), std::move(help));
  option.kind = "integer";
  return option;
}

OperationOption choice(std::string name, std::string label, std::vector<double> choices,
                       json default_value, std::string help) {
  return {std::move(name), std::move(label), std::move(help), "choice", 0, 0, std::move(choices),
          std::move(default_value)};
}

std::vector<Operation> build_operations() {
  std::vector<Operation> list;
  list.push_back({"denoise", "denoise", "Denoise", "Remove Gaussian-like noise", false, false,
                  {number("sigma", "Noise σ", 0, 255, nullptr,
                          "Known noise level (0..255) for σ-conditioned models; blind if not given")}});
  list.push_back({"restore", "real", "Restore a real photo",
                  "Camera noise, mild blur and JPEG damage, blind", false, false,
                  {choice("scale", "Scale", {1, 2, 4}, 1, "Output scale"),
                   number("strength", "GAN strength", 0, 1, nullptr,
                          "0 = faithful (PSNR model) .. 1 = sharper, invented texture (GAN); "
                          "for models with a strength control")}});
  list.push_back({"upscale", "super_resolution", "Upscale", "Super-resolve by 2, 3 or 4", false,
                  false, {choice("scale", "Scale", {2, 3, 4}, 2, "Upscaling factor")}});
  list.push_back({"dejpeg", "dejpeg", "Remove JPEG artifacts", "Blocks and ringing of JPEG files",
                  false, false,
                  {integer("quality", "JPEG quality", 1, 100, nullptr,
                           "Known quality for quality-conditioned models; blind if not given")}});
  list.push_back({"deblur", "deblur", "Deblur", "Remove blur at the same size (blind)", false,
                  false, {}});
  list.push_back({"inpaint", "inpaint", "Inpaint", "Fill the parts marked by a mask (white)", true,
                  false, {}});
  list.push_back({"repair", "repair", "Repair an old print",
                  "Find scratches, dust, cracks and stains, then fill them", false, true,
                  {number("threshold", "Threshold", 0.01, 0.99, nullptr,
                          "Probability above which a pixel counts as damage (lower finds more); "
                          "the detector's own if not given"),
                   integer("grow", "Grow", 0, 16, 1, "Pixels the found damage is widened by")}});
  return list;
}

// A JSON number that fits the option, or InvalidArgument naming it.
double checked_value(const OperationOption& option, const json& value) {
  if (!value.is_number())
    throw InvalidArgument(fmt::format("option '{}' must be a number", option.name));
  const double number = value.get<double>();
  if (option.kind == "choice") {
    if (std::find(option.choices.begin(), option.choices.end(), number) == option.choices.end())
      throw InvalidArgument(fmt::format("option '{}' must be one of {}", option.name,
                                        fmt::join(option.choices, ", ")));
    return number;
  }
  if (!std::isfinite(number) || number < option.minimum || number > option.maximum)
    throw InvalidArgument(fmt::format("option '{}' must be in {}..{}", option.name, option.minimum,
                                      option.maximum));
  if (option.kind == "integer" && number != std::floor(number))
    throw InvalidArgument(fmt::format("option '{}' must be an integer", option.name));
  return number;
}

// What a flag's value looks like on the command line: 25, 0.5, 2.
std::string flag_value(const json& value) {
  const double number = value.get<double>();
  if (number == std::floor(number) && std::abs(number) < 1e15)
    return fmt::format("{}", static_cast<long long>(number));
  return fmt::format("{}", number);
}

// A word for a POSIX shell: as it is when it is safe, in single quotes otherwise.
std::string shell_word(const std::string& word) {
  const bool safe = !word.empty() && std::all_of(word.begin(), word.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string("-_./=:+,@%").find(static_cast<char>(c)) != std::string::npos;
  });
  if (safe) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

}  // namespace

const std::vector<Operation>& operations() {
  static const std::vector<Operation> list = build_operations();
  return list;
}

const Operation& find_operation(const std::string& command) {
  std::vector<std::string> known;
  for (const auto& operation : operations()) {
    if (operation.command == command) return operation;
    known.push_back(operation.command);
  }
  throw InvalidArgument(
      fmt::format("unknown operation '{}' (known: {})", command, fmt::join(known, ", ")));
}

Parameters parse_parameters(const Operation& operation, const json& request) {
  if (!request.is_object()) throw InvalidArgument("the options must be a JSON object");
  Parameters parameters;
  for (const auto& [key, value] : request.items()) {
    if (key == "model" || key == "precision") {
      if (!value.is_string())
        throw InvalidArgument(fmt::format("option '{}' must be a string", key));
      (key == "model" ? parameters.model : parameters.precision) = value.get<std::string>();
      continue;
    }
    const auto option = std::find_if(operation.options.begin(), operation.options.end(),
                                     [&](const OperationOption& o) { return o.name == key; });
    if (option == operation.options.end())
      throw InvalidArgument(fmt::format("operation '{}' has no option '{}'", operation.command, key));
    if (value.is_null()) continue;  // "not given"
    checked_value(*option, value);
    parameters.values[key] = value;
  }
  if (parameters.precision != "auto" && parameters.precision != "fp32" &&
      parameters.precision != "bf16")
    throw InvalidArgument(
        fmt::format("precision '{}' is not auto, fp32 or bf16", parameters.precision));
  return parameters;
}

RestoreOptions restore_options(const Operation&, const Parameters& parameters) {
  RestoreOptions options;
  options.model = parameters.model;
  options.precision = parameters.precision;
  const auto value = [&](const char* name, double otherwise) {
    return parameters.values.contains(name) ? parameters.values[name].get<double>() : otherwise;
  };
  options.sigma = value("sigma", -1.0);
  options.quality = static_cast<int>(value("quality", 0));
  options.strength = value("strength", -1.0);
  options.threshold = value("threshold", 0);
  const double scale = value("scale", 0);
  // Same-size tasks run at scale 1; upscalers at their first scale unless one is asked for.
  options.scale = static_cast<int>(scale);
  return options;
}

RepairOptions repair_options(const Operation& operation, const Parameters& parameters) {
  RepairOptions options;
  options.detector = restore_options(operation, parameters);
  if (parameters.values.contains("grow")) options.grow = parameters.values["grow"].get<int>();
  return options;
}

std::string command_line(const Operation& operation, const Parameters& parameters,
                         const std::string& input, const std::string& output,
                         const std::string& mask) {
  std::string line = fmt::format("restora {} -i {} -o {}", operation.command, shell_word(input),
                                 shell_word(output));
  if (operation.needs_mask) line += " --mask " + shell_word(mask);
  if (!parameters.model.empty()) line += " -m " + shell_word(parameters.model);
  for (const auto& option : operation.options)
    if (parameters.values.contains(option.name))
      line += fmt::format(" --{} {}", option.name, flag_value(parameters.values[option.name]));
  if (parameters.precision != "auto") line += " --precision " + parameters.precision;
  return line;
}

json catalogue() {
  json models_by_task = json::object();
  for (const auto& path : shipped_models()) {
    const auto meta = model_file::read_model_file(path).meta;
    models_by_task[meta.task].push_back(
        {{"name", meta.name},
         {"description", meta.description},
         {"channels", meta.in_channels},
         {"scales", meta.scales},
         {"conditioning", model_file::conditioning_name(meta.conditioning)},
         {"strength_control", !meta.strength_base.empty()},
         {"scores", eval::score_summary(meta.scores)}});
  }
  json list = json::array();
  for (const auto& operation : operations()) {
    json options = json::array();
    for (const auto& option : operation.options) {
      json entry = {{"name", option.name},       {"label", option.label},
                    {"help", option.help},       {"kind", option.kind},
                    {"default", option.default_value}};
      if (option.kind == "choice")
        entry["choices"] = option.choices;
      else
        entry["range"] = {option.minimum, option.maximum};
      options.push_back(entry);
    }
    std::string default_model;
    try {
      default_model = restora::default_model(operation.task, 3);
    } catch (const Error&) {
    }
    list.push_back({{"command", operation.command},
                    {"task", operation.task},
                    {"label", operation.label},
                    {"help", operation.help},
                    {"needs_mask", operation.needs_mask},
                    {"finds_damage", operation.finds_damage},
                    {"options", options},
                    {"default_model", default_model},
                    {"models", models_by_task.value(operation.task, json::array())}});
  }
  return list;
}

}  // namespace restora::server

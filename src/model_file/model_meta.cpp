#include "model_file/model_meta.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <ctime>
#include <initializer_list>
#include <limits>
#include <optional>
#include <utility>

#include "model_file/strict_json.h"
#include "restora/errors.h"

namespace restora::model_file {

using nlohmann::json;

namespace {

template <typename Enum>
using NameTable = std::initializer_list<std::pair<Enum, const char*>>;

const NameTable<ColorSpace> color_space_names = {{ColorSpace::gray, "gray"},
                                                 {ColorSpace::rgb, "rgb"}};
const NameTable<Conditioning> conditioning_names = {{Conditioning::none, "none"},
                                                    {Conditioning::sigma, "sigma"},
                                                    {Conditioning::quality, "quality"},
                                                    {Conditioning::kernel, "kernel"},
                                                    {Conditioning::mask, "mask"}};
const NameTable<Precision> precision_names = {{Precision::fp32, "fp32"}, {Precision::bf16, "bf16"}};

template <typename Enum>
const char* name_in(const NameTable<Enum>& table, Enum value, const char* what) {
  for (const auto& [entry, name] : table) {
    if (entry == value) return name;
  }
  throw InvalidArgument(fmt::format("invalid {} value {}", what, static_cast<int>(value)));
}

template <typename Enum>
std::optional<Enum> value_in(const NameTable<Enum>& table, const std::string& name) {
  for (const auto& [entry, entry_name] : table) {
    if (name == entry_name) return entry;
  }
  return std::nullopt;
}

// "\"gray\", \"rgb\"" for a message.
template <typename Enum>
std::string list_names(const NameTable<Enum>& table) {
  std::string list;
  for (const auto& [entry, name] : table) {
    list += fmt::format("{}\"{}\"", list.empty() ? "" : ", ", name);
  }
  return list;
}

constexpr const char* known_fields[] = {
    "name",          "description",  "arch",        "arch_config", "task",         "scales",
    "in_channels",   "out_channels", "color_space", "input_range", "output_range", "conditioning",
    "tile_overlap", "size_multiple", "precision", "recipe",      "scores",      "created",
    "strength_base"};

// Where problems go: a FormatError while reading a file, an InvalidArgument
// when the caller hands over metadata to store.
class Check {
 public:
  Check(std::string prefix, bool caller_error)
      : prefix_(std::move(prefix)), caller_error_(caller_error) {}

  [[noreturn]] void fail(const std::string& problem) const {
    if (caller_error_) throw InvalidArgument(prefix_ + problem);
    throw FormatError(prefix_ + problem);
  }
  const std::string& prefix() const { return prefix_; }

 private:
  std::string prefix_;
  bool caller_error_;
};

// The integer value of `value`, or nullopt when it is not a JSON integer
// that fits int64 (nlohmann keeps large positive ones as uint64).
std::optional<int64_t> as_integer(const json& value) {
  if (value.is_number_unsigned()) {
    const auto number = value.get<uint64_t>();
    if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
    return static_cast<int64_t>(number);
  }
  if (value.is_number_integer()) return value.get<int64_t>();
  return std::nullopt;
}

// "2024-05-01", optionally followed by "T" and a time (not checked further).
bool is_iso_date(const std::string& text) {
  if (text.size() < 10 || text[4] != '-' || text[7] != '-') return false;
  for (const size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  const int month = std::stoi(text.substr(5, 2));
  const int day = std::stoi(text.substr(8, 2));
  return month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
         (text.size() == 10 || text[10] == 'T');
}

// Reads the fields of the "restora" document, each failure naming its field.
class Fields {
 public:
  Fields(const json& document, const Check& check) : document_(document), check_(check) {}

  const json& get(const char* name) const {
    const auto found = document_.find(name);
    if (found == document_.end()) {
      check_.fail(fmt::format("restora metadata lacks field '{}'", name));
    }
    return *found;
  }
  [[noreturn]] void wrong(const char* name, const std::string& expected) const {
    check_.fail(fmt::format("field '{}' must be {}", name, expected));
  }

  std::string text(const char* name, bool allow_empty) const {
    const json& value = get(name);
    if (!value.is_string() || (!allow_empty && value.get<std::string>().empty())) {
      wrong(name, allow_empty ? "a string" : "a non-empty string");
    }
    return value.get<std::string>();
  }
  int integer(const char* name, int minimum) const {
    const std::optional<int64_t> value = as_integer(get(name));
    if (!value || *value < minimum || *value > std::numeric_limits<int>::max()) {
      wrong(name, fmt::format("an integer >= {}", minimum));
    }
    return static_cast<int>(*value);
  }
  int channels(const char* name) const {
    const std::optional<int64_t> value = as_integer(get(name));
    if (!value || *value < 1 || *value > 4) wrong(name, "an integer from 1 to 4");
    return static_cast<int>(*value);
  }
  json object(const char* name) const {
    const json& value = get(name);
    if (!value.is_object()) wrong(name, "a JSON object");
    return value;
  }
  template <typename Enum>
  Enum choice(const char* name, const NameTable<Enum>& table) const {
    const json& value = get(name);
    const std::optional<Enum> chosen =
        value.is_string() ? value_in(table, value.get<std::string>()) : std::nullopt;
    if (!chosen) wrong(name, "one of " + list_names(table));
    return *chosen;
  }

 private:
  const json& document_;
  const Check& check_;
};

std::vector<int> read_scales(const Fields& fields) {
  const json& value = fields.get("scales");
  const char* expected = "a non-empty array of distinct positive integers";
  if (!value.is_array() || value.empty()) fields.wrong("scales", expected);
  std::vector<int> scales;
  for (const json& item : value) {
    const std::optional<int64_t> scale = as_integer(item);
    if (!scale || *scale < 1 || *scale > std::numeric_limits<int>::max() ||
        std::count(scales.begin(), scales.end(), *scale) > 0) {
      fields.wrong("scales", expected);
    }
    scales.push_back(static_cast<int>(*scale));
  }
  return scales;
}

std::array<double, 2> read_range(const Fields& fields, const char* name) {
  const json& value = fields.get(name);
  if (!value.is_array() || value.size() != 2 || !value[0].is_number() || !value[1].is_number() ||
      !(value[0].get<double>() < value[1].get<double>())) {
    fields.wrong(name, "[low, high], two numbers with low < high");
  }
  return {value[0].get<double>(), value[1].get<double>()};
}

std::vector<Precision> read_precision(const Fields& fields) {
  const json& value = fields.get("precision");
  const std::string expected =
      "a non-empty array of distinct strings from " + list_names(precision_names);
  if (!value.is_array() || value.empty()) fields.wrong("precision", expected);
  std::vector<Precision> precision;
  for (const json& item : value) {
    const std::optional<Precision> chosen =
        item.is_string() ? value_in(precision_names, item.get<std::string>()) : std::nullopt;
    if (!chosen || std::count(precision.begin(), precision.end(), *chosen) > 0) {
      fields.wrong("precision", expected);
    }
    precision.push_back(*chosen);
  }
  return precision;
}

ModelMeta meta_from_document(const json& document, const Check& check) {
  if (!document.is_object()) check.fail("__metadata__ 'restora' is not a JSON object");
  for (const auto& [key, unused] : document.items()) {
    if (std::find(std::begin(known_fields), std::end(known_fields), key) ==
        std::end(known_fields)) {
      check.fail(fmt::format("restora metadata has unknown field {}", quote_untrusted(key)));
    }
  }
  const Fields fields(document, check);
  ModelMeta meta;
  meta.name = fields.text("name", false);
  meta.description = fields.text("description", true);
  meta.arch = fields.text("arch", false);
  meta.arch_config = fields.object("arch_config");
  meta.task = fields.text("task", false);
  meta.scales = read_scales(fields);
  meta.in_channels = fields.channels("in_channels");
  meta.out_channels = fields.channels("out_channels");
  meta.color_space = fields.choice("color_space", color_space_names);
  meta.input_range = read_range(fields, "input_range");
  // Files written before output_range existed map back to the input range.
  meta.output_range =
      document.contains("output_range") ? read_range(fields, "output_range") : meta.input_range;
  meta.conditioning = fields.choice("conditioning", conditioning_names);
  meta.tile_overlap = fields.integer("tile_overlap", 0);
  meta.size_multiple = fields.integer("size_multiple", 1);
  meta.precision = read_precision(fields);
  meta.recipe = fields.object("recipe");
  meta.scores = fields.object("scores");
  meta.created = fields.text("created", false);
  if (!is_iso_date(meta.created)) {
    fields.wrong("created", "an ISO 8601 date such as \"2024-05-01\"");
  }
  // Optional (absent from models without a strength partner).
  if (document.contains("strength_base")) meta.strength_base = fields.text("strength_base", false);
  return meta;
}

// Validates `meta` exactly as a reader will: by parsing the text it stores.
std::map<std::string, std::string> metadata_for(const ModelMeta& meta, const Check& check) {
  std::string text;
  try {
    text = to_json(meta).dump();
  } catch (const json::type_error&) {
    check.fail("a text field is not valid UTF-8");
  }
  json document;
  try {
    document = parse_json_strictly(text, "the restora document");
  } catch (const FormatError& error) {
    check.fail(error.what());
  }
  meta_from_document(document, check);
  return {{"format", model_format}, {"format_version", model_format_version}, {"restora", text}};
}

}  // namespace

const char* color_space_name(ColorSpace color_space) {
  return name_in(color_space_names, color_space, "ColorSpace");
}

const char* conditioning_name(Conditioning conditioning) {
  return name_in(conditioning_names, conditioning, "Conditioning");
}

std::vector<std::string> condition_map_names(Conditioning conditioning) {
  if (conditioning == Conditioning::none) return {};
  if (conditioning == Conditioning::kernel) return {"sigma"};
  return {conditioning_name(conditioning)};
}

const char* precision_name(Precision precision) {
  return name_in(precision_names, precision, "Precision");
}

ModelMeta parse_model_meta(const std::map<std::string, std::string>& metadata,
                           const std::string& source) {
  const Check check(fmt::format("cannot read model file '{}': ", source), false);
  const auto format = metadata.find("format");
  if (format == metadata.end()) {
    check.fail("not a Restora model (__metadata__ lacks 'format')");
  }
  if (format->second != model_format) {
    check.fail(fmt::format("not a Restora model (__metadata__ 'format' is {}, not '{}')",
                           quote_untrusted(format->second), model_format));
  }
  const auto version = metadata.find("format_version");
  if (version == metadata.end()) check.fail("__metadata__ lacks 'format_version'");
  if (version->second != model_format_version) {
    check.fail(fmt::format("unsupported format_version {} (this build reads '{}')",
                           quote_untrusted(version->second), model_format_version));
  }
  for (const auto& [key, unused] : metadata) {
    if (key != "format" && key != "format_version" && key != "restora") {
      check.fail(fmt::format("__metadata__ has unknown key {}", quote_untrusted(key)));
    }
  }
  const auto restora = metadata.find("restora");
  if (restora == metadata.end()) check.fail("__metadata__ lacks 'restora'");
  const json document =
      parse_json_strictly(restora->second, check.prefix() + "__metadata__ 'restora'");
  return meta_from_document(document, check);
}

std::map<std::string, std::string> to_metadata(const ModelMeta& meta) {
  return metadata_for(meta, Check("invalid model metadata: ", true));
}

json to_json(const ModelMeta& meta) {
  json precision = json::array();
  for (const Precision entry : meta.precision) precision.push_back(precision_name(entry));
  json document = {{"name", meta.name},
                   {"description", meta.description},
                   {"arch", meta.arch},
                   {"arch_config", meta.arch_config},
                   {"task", meta.task},
                   {"scales", meta.scales},
                   {"in_channels", meta.in_channels},
                   {"out_channels", meta.out_channels},
                   {"color_space", color_space_name(meta.color_space)},
                   {"input_range", meta.input_range},
                   {"output_range", meta.output_range},
                   {"conditioning", conditioning_name(meta.conditioning)},
                   {"tile_overlap", meta.tile_overlap},
                   {"size_multiple", meta.size_multiple},
                   {"precision", precision},
                   {"recipe", meta.recipe},
                   {"scores", meta.scores},
                   {"created", meta.created}};
  if (!meta.strength_base.empty()) document["strength_base"] = meta.strength_base;
  return document;
}

std::string today_utc() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &utc);
  return text;
}

ModelFile read_model_file(const std::filesystem::path& path) {
  Safetensors file = read_safetensors(path);
  return {parse_model_meta(file.metadata, path.string()), std::move(file.tensors)};
}

void write_model_file(const std::filesystem::path& path, const ModelFile& model) {
  const Check check(fmt::format("cannot write model file '{}': ", path.string()), true);
  write_safetensors(path, {metadata_for(model.meta, check), model.tensors});
}

}  // namespace restora::model_file

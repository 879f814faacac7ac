#include "config/json_reader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <fstream>
#include <sstream>

#include "restora/errors.h"

namespace restora::config {
namespace {
const nlohmann::json& empty_object() {
  static const nlohmann::json empty = nlohmann::json::object();
  return empty;
}
}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FileError(fmt::format("cannot read config '{}': no such readable file", path));
  std::stringstream text;
  text << in.rdbuf();
  return parse_json_text(text.str(), path);
}

nlohmann::json parse_json_text(const std::string& text, const std::string& source) {
  try {
    return nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/true,
                                 /*ignore_comments=*/true);
  } catch (const nlohmann::json::exception& error) {
    throw InvalidArgument(fmt::format("config '{}' is not valid JSON: {}", source, error.what()));
  }
}

JsonReader::JsonReader(std::string context, const nlohmann::json& object)
    : context_(std::move(context)), object_(object.is_null() ? empty_object() : object) {
  if (!object_.is_object()) throw InvalidArgument(fmt::format("{}: must be a JSON object", context_));
}

void JsonReader::fail(const std::string& key, const std::string& problem) const {
  throw InvalidArgument(fmt::format("{}: '{}' {}", context_, key, problem));
}

const nlohmann::json* JsonReader::find(const std::string& key) {
  used_.insert(key);
  auto found = object_.find(key);
  return found == object_.end() ? nullptr : &*found;
}

bool JsonReader::has(const std::string& key) const { return object_.contains(key); }

int JsonReader::get_int(const std::string& key, int fallback, int min_value, int max_value) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_number_integer()) fail(key, "must be an integer");
  const auto number = value->get<long long>();
  if (number < min_value || number > max_value)
    fail(key, fmt::format("= {} is outside [{}, {}]", number, min_value, max_value));
  return static_cast<int>(number);
}

double JsonReader::get_double(const std::string& key, double fallback, double min_value,
                              double max_value) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_number()) fail(key, "must be a number");
  const auto number = value->get<double>();
  if (number < min_value || number > max_value)
    fail(key, fmt::format("= {} is outside [{}, {}]", number, min_value, max_value));
  return number;
}

bool JsonReader::get_bool(const std::string& key, bool fallback) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_boolean()) fail(key, "must be true or false");
  return value->get<bool>();
}

std::string JsonReader::get_string(const std::string& key, const std::string& fallback,
                                   const std::vector<std::string>& allowed) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_string()) fail(key, "must be a string");
  auto text = value->get<std::string>();
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), text) == allowed.end())
    fail(key, fmt::format("= '{}' is not one of: {}", text, fmt::join(allowed, ", ")));
  return text;
}

std::vector<int> JsonReader::get_ints(const std::string& key, std::vector<int> fallback,
                                      int min_value, int max_value) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_array() || value->empty()) fail(key, "must be a non-empty array of integers");
  std::vector<int> numbers;
  for (const auto& item : *value) {
    if (!item.is_number_integer()) fail(key, "must hold integers only");
    const auto number = item.get<long long>();
    if (number < min_value || number > max_value)
      fail(key, fmt::format("holds {} outside [{}, {}]", number, min_value, max_value));
    numbers.push_back(static_cast<int>(number));
  }
  return numbers;
}

std::vector<double> JsonReader::get_doubles(const std::string& key,
                                            std::vector<double> fallback) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (!value->is_array() || value->empty()) fail(key, "must be a non-empty array of numbers");
  std::vector<double> numbers;
  for (const auto& item : *value) {
    if (!item.is_number()) fail(key, "must hold numbers only");
    numbers.push_back(item.get<double>());
  }
  return numbers;
}

std::vector<std::string> JsonReader::get_strings(const std::string& key,
                                                 std::vector<std::string> fallback) {
  const auto* value = find(key);
  if (!value) return fallback;
  if (value->is_string()) return {value->get<std::string>()};
  if (!value->is_array() || value->empty()) fail(key, "must be a string or an array of strings");
  std::vector<std::string> items;
  for (const auto& item : *value) {
    if (!item.is_string()) fail(key, "must hold strings only");
    items.push_back(item.get<std::string>());
  }
  return items;
}

nlohmann::json JsonReader::get_object(const std::string& key) {
  const auto* value = find(key);
  if (!value) return nlohmann::json::object();
  if (!value->is_object()) fail(key, "must be a JSON object");
  return *value;
}

JsonReader JsonReader::section(const std::string& key) {
  const auto* value = find(key);
  if (value && !value->is_object()) fail(key, "must be a JSON object");
  return JsonReader(fmt::format("{} > {}", context_, key), value ? *value : empty_object());
}

void JsonReader::finish() const {
  for (const auto& item : object_.items())
    if (!used_.count(item.key()))
      throw InvalidArgument(fmt::format("{}: unknown key '{}'", context_, item.key()));
}

}  // namespace restora::config

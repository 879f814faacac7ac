// Typed, validated reading of JSON configs: every key must be known and every value typed,
// so a misspelt key or a wrong type is an error naming it, never silently ignored.
#pragma once

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace restora::config {

// Parses a config file; // and /* */ comments are allowed. FileError / InvalidArgument.
nlohmann::json read_json_file(const std::string& path);
// The same for text in memory; `source` names it in messages.
nlohmann::json parse_json_text(const std::string& text, const std::string& source);

class JsonReader {
 public:
  // context prefixes every message, e.g. "config 'a.json' > training".
  JsonReader(std::string context, const nlohmann::json& object);

  int get_int(const std::string& key, int fallback, int min_value, int max_value);
  double get_double(const std::string& key, double fallback, double min_value,
                    double max_value);
  bool get_bool(const std::string& key, bool fallback);
  std::string get_string(const std::string& key, const std::string& fallback,
                         const std::vector<std::string>& allowed = {});
  std::vector<int> get_ints(const std::string& key, std::vector<int> fallback, int min_value,
                            int max_value);
  std::vector<double> get_doubles(const std::string& key, std::vector<double> fallback);
  std::vector<std::string> get_strings(const std::string& key,
                                       std::vector<std::string> fallback);
  // The raw value (an object), for configs interpreted elsewhere (architecture configs).
  nlohmann::json get_object(const std::string& key);
  // A nested object; a missing key reads as an empty object.
  JsonReader section(const std::string& key);
  bool has(const std::string& key) const;

  // Throws if the object holds a key nobody asked for.
  void finish() const;

 private:
  const nlohmann::json* find(const std::string& key);
  [[noreturn]] void fail(const std::string& key, const std::string& problem) const;

  std::string context_;
  const nlohmann::json& object_;
  std::set<std::string> used_;
};

}  // namespace restora::config

#include "common.h"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#ifndef RESTORA_SOURCE_DIR
#define RESTORA_SOURCE_DIR "."
#endif

namespace restora::cli {

void add_output_flags(CLI::App& command, GlobalOptions& global, bool short_quiet) {
  command.add_flag(short_quiet ? "-q,--quiet" : "--quiet", global.quiet, "Print nothing but errors");
  add_json_flag(command, global);
}

void add_json_flag(CLI::App& command, GlobalOptions& global) {
  command.add_flag("--json", global.json, "Print machine-readable JSON results on stdout");
}

std::string default_data_root() {
  if (const char* env = std::getenv("RESTORA_DATA"); env && *env) return env;
  return std::string(RESTORA_SOURCE_DIR) + "/../shared/data";
}

std::string command_line() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string line;
  bool first = true;
  for (size_t start = 0; start < raw.size();) {
    const size_t end = raw.find('\0', start);
    std::string word = raw.substr(start, end - start);
    if (first) word = "restora";  // never record a machine's absolute path
    line += (first ? "" : " ") + word;
    first = false;
    start = end == std::string::npos ? raw.size() : end + 1;
  }
  return line;
}

std::string error_line(const std::exception& error) {
  const std::string text = error.what();
  return text.substr(0, text.find('\n'));
}

void info(const GlobalOptions& global, const std::string& text) {
  if (!global.quiet) fmt::print(stderr, "{}\n", text);
}

std::string clock_text(double seconds) {
  const auto total = static_cast<long long>(seconds);
  return fmt::format("{}:{:02}:{:02}", total / 3600, total / 60 % 60, total % 60);
}

}  // namespace restora::cli

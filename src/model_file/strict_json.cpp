#include "model_file/strict_json.h"

#include <fmt/format.h>

#include <set>
#include <vector>

#include "restora/errors.h"

namespace restora::model_file {

namespace {

constexpr size_t max_quoted_length = 80;

// nlohmann's message without its "[json.exception...] " tag, reduced to
// printable ASCII so that it stays one line whatever the input held.
std::string describe_parse_error(const nlohmann::json::exception& error) {
  std::string_view message = error.what();
  const size_t tag_end = message.find("] ");
  if (tag_end != std::string_view::npos) message.remove_prefix(tag_end + 2);
  std::string printable(message.substr(0, 200));
  for (char& c : printable) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return printable;
}

}  // namespace

nlohmann::json parse_json_strictly(std::string_view text, const std::string& subject) {
  using nlohmann::json;
  // Keys seen in each object still open; a key met twice is recorded, and
  // parsing goes on so that the input is still checked to the end.
  std::vector<std::set<std::string>> open_objects;
  bool has_duplicate = false;
  std::string duplicate_key;
  bool too_deep = false;
  const json::parser_callback_t check = [&](int depth, json::parse_event_t event, json& parsed) {
    if (too_deep) return false;
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth >= max_json_depth) {
          too_deep = true;
          return false;
        }
        if (event == json::parse_event_t::object_start) open_objects.emplace_back();
        return true;
      case json::parse_event_t::key:
        if (!open_objects.empty() && !has_duplicate &&
            !open_objects.back().insert(parsed.get<std::string>()).second) {
          has_duplicate = true;
          duplicate_key = parsed.get<std::string>();
        }
        return true;
      case json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        return true;
      default:
        return true;
    }
  };
  json document;
  try {
    document = json::parse(text.begin(), text.end(), check);
  } catch (const json::exception& error) {  // parse_error, or out_of_range for 1e999
    throw FormatError(
        fmt::format("{} is not valid JSON ({})", subject, describe_parse_error(error)));
  }
  if (too_deep) {
    throw FormatError(fmt::format("{} nests deeper than {} levels", subject, max_json_depth));
  }
  if (has_duplicate) {
    throw FormatError(
        fmt::format("{} has duplicate key {}", subject, quote_untrusted(duplicate_key)));
  }
  return document;
}

std::string quote_untrusted(std::string_view text) {
  std::string result = "'";
  size_t shown = 0;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    // Cut only between characters: never inside a UTF-8 sequence.
    const bool continues_character = (byte & 0xc0) == 0x80;
    if (shown >= max_quoted_length && !continues_character) {
      result += "...";
      break;
    }
    if (c == '\n') {
      result += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      result += fmt::format("\\x{:02x}", byte);
    } else {
      result += c;
    }
    ++shown;
  }
  return result + "'";
}

}  // namespace restora::model_file

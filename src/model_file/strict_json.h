// JSON helpers for untrusted model files: a parser that rejects what
// nlohmann::json would silently accept (duplicate keys) or what would cost
// too much (unbounded nesting, tens of millions of values), and safe quoting
// of untrusted text in messages.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace restora::model_file {

// Deeper documents are rejected: every later recursive walk (copy, compare,
// dump) then stays far from the stack limit.
constexpr int max_json_depth = 64;
// A parsed value costs 16 to 100+ bytes, so a 100 MB header of "[0,0,..."
// or "{"a":{},..." would take gigabytes. A million values allow about
// 100,000 tensors, far more than any real file holds.
constexpr size_t max_json_values = 1'000'000;

// Parses `text` as one JSON value. Throws FormatError "<subject> is not valid
// JSON (...)", "<subject> has duplicate key 'k'", "<subject> nests deeper than
// 64 levels" or "<subject> holds more than 1000000 JSON values"; `subject`
// names the document, e.g. "cannot read 'a': header".
nlohmann::json parse_json_strictly(std::string_view text, const std::string& subject);

// `text` in single quotes for a one-line message: control characters escaped,
// cut to at most 80 characters so a hostile name cannot flood a log.
std::string quote_untrusted(std::string_view text);

}  // namespace restora::model_file

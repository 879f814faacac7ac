// JSON helpers for untrusted model files: a parser that rejects what
// nlohmann::json would silently accept (duplicate keys) or could not survive
// (unbounded nesting), and safe quoting of untrusted text in messages.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace restora::model_file {

// Deeper documents are rejected: every later recursive walk (copy, compare,
// dump) then stays far from the stack limit.
constexpr int max_json_depth = 64;

// Parses `text` as one JSON value. Throws FormatError "<subject> is not valid
// JSON (...)", "<subject> has duplicate key 'k'" or "<subject> nests deeper
// than 64 levels"; `subject` names the document, e.g. "cannot read 'a': header".
nlohmann::json parse_json_strictly(std::string_view text, const std::string& subject);

// `text` in single quotes for a one-line message: control characters escaped,
// cut to at most 80 characters so a hostile name cannot flood a log.
std::string quote_untrusted(std::string_view text);

}  // namespace restora::model_file

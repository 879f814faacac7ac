#include "model_file/strict_json.h"

#include <fmt/format.h>

#include <vector>

#include "restora/errors.h"

namespace restora::model_file {

using nlohmann::json;

namespace {

constexpr size_t max_quoted_length = 80;

// nlohmann's message without its "[json.exception...] " tag, reduced to
// printable ASCII so that it stays one line whatever the input held.
std::string describe_parse_error(const json::exception& error) {
  std::string_view message = error.what();
  const size_t tag_end = message.find("] ");
  if (tag_end != std::string_view::npos) message.remove_prefix(tag_end + 2);
  std::string printable(message.substr(0, 200));
  for (char& c : printable) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return printable;
}

// Builds the document from the parser's events and stops at the first
// problem. (nlohmann's callback parser cannot serve: it rescans the parent
// object after each member, quadratic time on a hostile header.)
class StrictBuilder final : public json::json_sax_t {
 public:
  bool null() override { return add(nullptr); }
  bool boolean(bool value) override { return add(value); }
  bool number_integer(json::number_integer_t value) override { return add(value); }
  bool number_unsigned(json::number_unsigned_t value) override { return add(value); }
  bool number_float(json::number_float_t value, const json::string_t&) override {
    return add(value);
  }
  bool string(json::string_t& value) override { return add(std::move(value)); }
  // JSON text has no binary values; only CBOR and the like produce them.
  bool binary(json::binary_t&) override { return refuse("holds binary data"); }
  bool start_object(size_t) override { return open(json::object()); }
  bool key(json::string_t& name) override {
    json& object = *containers_.back();
    if (object.contains(name)) return refuse("has duplicate key " + quote_untrusted(name));
    member_ = &object[name];
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(size_t) override { return open(json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(size_t, const std::string&, const json::exception& error) override {
    return refuse(fmt::format("is not valid JSON ({})", describe_parse_error(error)));
  }

  json& document() { return root_; }
  const std::string& refusal() const { return refusal_; }

 private:
  bool refuse(std::string problem) {
    refusal_ = std::move(problem);
    return false;
  }
  // Stores `value` as the root, the next array element or the member whose
  // key came last, and returns where it went.
  json* place(json&& value) {
    if (containers_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& container = *containers_.back();
    if (container.is_array()) {
      container.push_back(std::move(value));
      return &container.back();
    }
    *member_ = std::move(value);
    return member_;
  }
  bool count() {
    if (++values_ > max_json_values) {
      return refuse(fmt::format("holds more than {} JSON values", max_json_values));
    }
    return true;
  }
  bool add(json&& value) {
    if (!count()) return false;
    place(std::move(value));
    return true;
  }
  // Pointers to open containers stay valid: an array grows only while it is
  // the innermost open one, and object members never move.
  bool open(json&& container) {
    if (containers_.size() >= static_cast<size_t>(max_json_depth)) {
      return refuse(fmt::format("nests deeper than {} levels", max_json_depth));
    }
    if (!count()) return false;
    containers_.push_back(place(std::move(container)));
    return true;
  }
  bool close() {
    containers_.pop_back();
    return true;
  }

  json root_;
  std::vector<json*> containers_;
  json* member_ = nullptr;
  size_t values_ = 0;
  std::string refusal_;
};

}  // namespace

json parse_json_strictly(std::string_view text, const std::string& subject) {
  StrictBuilder builder;
  if (!json::sax_parse(text.begin(), text.end(), &builder)) {
    throw FormatError(fmt::format("{} {}", subject, builder.refusal()));
  }
  return std::move(builder.document());
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

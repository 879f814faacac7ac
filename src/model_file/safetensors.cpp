#include "model_file/safetensors.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "fileio/file_io.h"
#include "model_file/strict_json.h"
#include "restora/errors.h"

namespace restora::model_file {

using nlohmann::json;

namespace {

constexpr size_t header_length_size = 8;
constexpr const char* metadata_key = "__metadata__";

struct DTypeInfo {
  DType dtype;
  const char* name;
  size_t size;
  // Position in the reference implementation's Dtype enum, whose order its
  // writer uses (largest first) to keep every tensor aligned.
  int reference_rank;
};

constexpr DTypeInfo dtype_table[] = {
    {DType::f64, "F64", 8, 8},      {DType::f32, "F32", 4, 7}, {DType::f16, "F16", 2, 4},
    {DType::bf16, "BF16", 2, 5},    {DType::i64, "I64", 8, 9}, {DType::i32, "I32", 4, 6},
    {DType::i16, "I16", 2, 3},      {DType::i8, "I8", 1, 2},   {DType::u8, "U8", 1, 1},
    {DType::boolean, "BOOL", 1, 0},
};

const DTypeInfo& info_of(DType dtype) {
  for (const DTypeInfo& info : dtype_table) {
    if (info.dtype == dtype) return info;
  }
  throw InvalidArgument(fmt::format("invalid DType value {}", static_cast<int>(dtype)));
}

// A tensor's entry in the header, checked against its own dtype and shape but
// not yet against the other entries.
struct Entry {
  std::string name;
  DType dtype;
  std::vector<int64_t> shape;
  uint64_t begin;
  uint64_t end;
};

// Every message of one parse names the same source.
class Parse {
 public:
  explicit Parse(const std::string& source) : source_(source) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw FormatError(fmt::format("cannot read '{}': {}", source_, problem));
  }
  std::string subject(const std::string& part) const {
    return fmt::format("cannot read '{}': {}", source_, part);
  }

 private:
  const std::string& source_;
};

// Product of the dimensions times the element size, or nullopt when it does
// not fit: the byte count of a valid tensor always fits in int64.
std::optional<uint64_t> byte_count(const std::vector<int64_t>& shape, size_t element_size) {
  uint64_t count = element_size;
  for (const int64_t dimension : shape) {
    if (dimension < 0 || __builtin_mul_overflow(count, static_cast<uint64_t>(dimension), &count)) {
      return std::nullopt;
    }
  }
  if (count > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return count;
}

// The value of a JSON integer >= 0; nullopt for anything else.
std::optional<uint64_t> as_count(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0) return value.get<int64_t>();
  return std::nullopt;
}

std::vector<int64_t> parse_shape(const json& value, const std::string& tensor, const Parse& parse) {
  if (!value.is_array()) parse.fail(fmt::format("tensor {} shape is not an array", tensor));
  if (value.size() > max_tensor_rank) {
    parse.fail(fmt::format("tensor {} has {} dimensions, more than {}", tensor, value.size(),
                           max_tensor_rank));
  }
  std::vector<int64_t> shape;
  for (const json& dimension : value) {
    if (!dimension.is_number_unsigned() && dimension.is_number_integer() &&
        dimension.get<int64_t>() < 0) {
      parse.fail(
          fmt::format("tensor {} has negative dimension {}", tensor, dimension.get<int64_t>()));
    }
    const std::optional<uint64_t> size = as_count(dimension);
    if (!size) parse.fail(fmt::format("tensor {} has a dimension that is not an integer", tensor));
    if (*size > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      parse.fail(fmt::format("tensor {} element count overflows", tensor));
    }
    shape.push_back(static_cast<int64_t>(*size));
  }
  return shape;
}

Entry parse_entry(const std::string& name, const json& value, uint64_t buffer_size,
                  const Parse& parse) {
  const std::string tensor = quote_untrusted(name);
  if (!value.is_object()) parse.fail(fmt::format("tensor {} is not a JSON object", tensor));
  for (const char* key : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(key)) parse.fail(fmt::format("tensor {} lacks key '{}'", tensor, key));
  }
  if (value.size() != 3) {
    for (const auto& [key, unused] : value.items()) {
      if (key != "dtype" && key != "shape" && key != "data_offsets") {
        parse.fail(fmt::format("tensor {} has unknown key {}", tensor, quote_untrusted(key)));
      }
    }
  }

  const json& dtype_value = value["dtype"];
  if (!dtype_value.is_string()) parse.fail(fmt::format("tensor {} dtype is not a string", tensor));
  const std::optional<DType> dtype = dtype_from_name(dtype_value.get<std::string>());
  if (!dtype) {
    parse.fail(fmt::format("tensor {} has unsupported dtype {}", tensor,
                           quote_untrusted(dtype_value.get<std::string>())));
  }

  std::vector<int64_t> shape = parse_shape(value["shape"], tensor, parse);
  const std::optional<uint64_t> expected_bytes = byte_count(shape, dtype_size(*dtype));
  if (!expected_bytes) parse.fail(fmt::format("tensor {} element count overflows", tensor));

  const json& offsets = value["data_offsets"];
  const std::optional<uint64_t> begin =
      offsets.is_array() && offsets.size() == 2 ? as_count(offsets[0]) : std::nullopt;
  const std::optional<uint64_t> end = begin ? as_count(offsets[1]) : std::nullopt;
  if (!begin || !end) {
    parse.fail(fmt::format("tensor {} data_offsets is not two non-negative integers", tensor));
  }
  if (*begin > *end) {
    parse.fail(
        fmt::format("tensor {} data_offsets [{}, {}] end before they begin", tensor, *begin, *end));
  }
  if (*end > buffer_size) {
    parse.fail(fmt::format("tensor {} data_offsets end {} is beyond the {}-byte data buffer",
                           tensor, *end, buffer_size));
  }
  if (*end - *begin != *expected_bytes) {
    parse.fail(fmt::format("tensor {} holds {} bytes but shape [{}] of {} needs {}", tensor,
                           *end - *begin, fmt::join(shape, ", "), dtype_name(*dtype),
                           *expected_bytes));
  }
  return {name, *dtype, std::move(shape), *begin, *end};
}

std::map<std::string, std::string> parse_metadata(const json& value, const Parse& parse) {
  if (!value.is_object()) parse.fail("__metadata__ is not a JSON object");
  std::map<std::string, std::string> metadata;
  for (const auto& [key, text] : value.items()) {
    if (!text.is_string()) {
      parse.fail(fmt::format("__metadata__ value of key {} is not a string", quote_untrusted(key)));
    }
    metadata.emplace(key, text.get<std::string>());
  }
  return metadata;
}

// The spec requires the ranges to tile the data buffer: no overlap (a reader
// could alias two tensors) and no gap (bytes nobody accounts for).
void check_tiling(std::vector<Entry>& entries, uint64_t buffer_size, const Parse& parse) {
  std::sort(entries.begin(), entries.end(), [](const Entry& left, const Entry& right) {
    return std::tie(left.begin, left.end, left.name) < std::tie(right.begin, right.end, right.name);
  });
  uint64_t covered = 0;
  const Entry* previous = nullptr;
  for (const Entry& entry : entries) {
    if (entry.begin < covered) {
      parse.fail(fmt::format("tensors {} and {} overlap in the data buffer",
                             quote_untrusted(previous->name), quote_untrusted(entry.name)));
    }
    if (entry.begin > covered) {
      parse.fail(fmt::format("bytes {}..{} of the data buffer belong to no tensor (a hole)",
                             covered, entry.begin));
    }
    covered = entry.end;
    previous = &entry;
  }
  if (covered != buffer_size) {
    parse.fail(fmt::format("bytes {}..{} of the data buffer belong to no tensor (a hole)", covered,
                           buffer_size));
  }
}

// The header text for `tensors` laid out in that order, unpadded.
std::string header_text(const std::map<std::string, std::string>& metadata,
                        const std::vector<const Tensor*>& tensors) {
  // Built piece by piece: nlohmann::json would sort the keys, ordered_json
  // inserts in quadratic time.
  std::vector<std::string> members;
  if (!metadata.empty()) members.push_back(json(metadata_key).dump() + ":" + json(metadata).dump());
  uint64_t offset = 0;
  for (const Tensor* tensor : tensors) {
    nlohmann::ordered_json entry;
    entry["dtype"] = dtype_name(tensor->dtype);
    entry["shape"] = tensor->shape;
    entry["data_offsets"] = {offset, offset + tensor->bytes.size()};
    offset += tensor->bytes.size();
    members.push_back(json(tensor->name).dump() + ":" + entry.dump());
  }
  return fmt::format("{{{}}}", fmt::join(members, ","));
}

}  // namespace

size_t dtype_size(DType dtype) { return info_of(dtype).size; }

const char* dtype_name(DType dtype) { return info_of(dtype).name; }

std::optional<DType> dtype_from_name(std::string_view name) {
  for (const DTypeInfo& info : dtype_table) {
    if (name == info.name) return info.dtype;
  }
  return std::nullopt;
}

int64_t Tensor::numel() const {
  int64_t count = 1;
  for (const int64_t dimension : shape) count *= dimension;
  return count;
}

const Tensor* Safetensors::find(const std::string& name) const {
  for (const Tensor& tensor : tensors) {
    if (tensor.name == name) return &tensor;
  }
  return nullptr;
}

Safetensors parse_safetensors(const uint8_t* data, size_t size, const std::string& source) {
  const Parse parse(source);
  if (size == 0) parse.fail("file is empty (0 bytes)");
  if (size < header_length_size) {
    parse.fail(fmt::format("file is {} bytes, shorter than the 8-byte header length", size));
  }
  uint64_t header_size = 0;
  for (size_t i = 0; i < header_length_size; ++i) {
    header_size |= static_cast<uint64_t>(data[i]) << (8 * i);
  }
  if (header_size == 0) parse.fail("header length is 0");
  if (header_size > max_header_size) {
    parse.fail(
        fmt::format("header length {} exceeds the {}-byte limit", header_size, max_header_size));
  }
  if (header_size > size - header_length_size) {
    parse.fail(
        fmt::format("header length {} runs past the end of the {}-byte file", header_size, size));
  }
  const std::string_view text(reinterpret_cast<const char*>(data) + header_length_size,
                              header_size);
  // As the reference reader: the header must open with '{', so a valid
  // parse below is a JSON object.
  if (text.front() != '{') parse.fail("header is not a JSON object (it does not start with '{')");
  const json header = parse_json_strictly(text, parse.subject("header"));

  const uint8_t* buffer = data + header_length_size + header_size;
  const uint64_t buffer_size = size - header_length_size - header_size;
  Safetensors file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == metadata_key) {
      file.metadata = parse_metadata(value, parse);
    } else {
      entries.push_back(parse_entry(key, value, buffer_size, parse));
    }
  }
  check_tiling(entries, buffer_size, parse);

  file.tensors.reserve(entries.size());
  for (Entry& entry : entries) {
    file.tensors.push_back({std::move(entry.name), entry.dtype, std::move(entry.shape),
                            std::vector<uint8_t>(buffer + entry.begin, buffer + entry.end)});
  }
  return file;
}

Safetensors read_safetensors(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = fileio::read_file_bytes(path);
  return parse_safetensors(bytes.data(), bytes.size(), path.string());
}

std::vector<uint8_t> serialize_safetensors(const Safetensors& file) {
  std::vector<const Tensor*> order;
  std::set<std::string_view> names;
  // JSON values of the header: the root, the metadata object and its
  // strings, per tensor its object, dtype, shape array, dimensions, offsets.
  size_t json_values = 1 + (file.metadata.empty() ? 0 : 1 + file.metadata.size());
  for (const Tensor& tensor : file.tensors) {
    const auto fail = [&](const std::string& problem) {
      return InvalidArgument(
          fmt::format("cannot serialize tensor {}: {}", quote_untrusted(tensor.name), problem));
    };
    if (tensor.name == metadata_key) throw fail("the name is reserved for the metadata");
    if (!names.insert(tensor.name).second) throw fail("another tensor has the same name");
    if (tensor.shape.size() > max_tensor_rank) {
      throw fail(fmt::format("more than {} dimensions", max_tensor_rank));
    }
    const std::optional<uint64_t> expected = byte_count(tensor.shape, dtype_size(tensor.dtype));
    if (!expected) throw fail("negative dimension or element count overflow");
    if (tensor.bytes.size() != *expected) {
      throw fail(fmt::format("holds {} bytes but shape [{}] of {} needs {}", tensor.bytes.size(),
                             fmt::join(tensor.shape, ", "), dtype_name(tensor.dtype), *expected));
    }
    order.push_back(&tensor);
    json_values += 6 + tensor.shape.size();
  }
  if (json_values > max_json_values) {
    throw InvalidArgument(fmt::format(
        "cannot serialize {} tensors: their header would hold more than {} JSON values, more "
        "than readers accept",
        file.tensors.size(), max_json_values));
  }
  std::sort(order.begin(), order.end(), [](const Tensor* left, const Tensor* right) {
    const int left_rank = info_of(left->dtype).reference_rank;
    const int right_rank = info_of(right->dtype).reference_rank;
    return left_rank != right_rank ? left_rank > right_rank : left->name < right->name;
  });

  std::string header;
  try {
    header = header_text(file.metadata, order);
  } catch (const json::type_error&) {
    throw InvalidArgument("cannot serialize: a tensor name or metadata text is not valid UTF-8");
  }
  // Padding keeps the data buffer, hence every tensor, 8-byte aligned.
  header.append((8 - header.size() % 8) % 8, ' ');
  if (header.size() > max_header_size) {
    throw InvalidArgument(
        fmt::format("cannot serialize: the header would be {} bytes, over the "
                    "{}-byte limit of the format",
                    header.size(), max_header_size));
  }

  size_t total = header_length_size + header.size();
  for (const Tensor* tensor : order) total += tensor->bytes.size();
  std::vector<uint8_t> bytes;
  bytes.reserve(total);
  for (size_t i = 0; i < header_length_size; ++i) {
    bytes.push_back(static_cast<uint8_t>(static_cast<uint64_t>(header.size()) >> (8 * i)));
  }
  bytes.insert(bytes.end(), header.begin(), header.end());
  for (const Tensor* tensor : order) {
    bytes.insert(bytes.end(), tensor->bytes.begin(), tensor->bytes.end());
  }
  return bytes;
}

void write_safetensors(const std::filesystem::path& path, const Safetensors& file) {
  fileio::write_file_atomically(path, serialize_safetensors(file));
}

}  // namespace restora::model_file

// The safetensors container (https://github.com/huggingface/safetensors):
// an 8-byte little-endian header length N, N bytes of UTF-8 JSON
//   {"__metadata__": {"key": "value", ...},
//    "name": {"dtype": "F32", "shape": [2, 3], "data_offsets": [begin, end]}, ...}
// then the byte buffer, which the tensors' [begin, end) ranges tile exactly.
//
//   Safetensors file = read_safetensors("edsr_x2.safetensors");
//   const Tensor* weight = file.find("head.weight");   // nullptr when absent
//   write_safetensors("copy.safetensors", file);
//
// The reader treats every file as hostile: each length, offset and shape is
// checked before use, and any inconsistency is a FormatError.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace restora::model_file {

enum class DType { f64, f32, f16, bf16, i64, i32, i16, i8, u8, boolean };

// Bytes per element: 8 for f64 ... 1 for u8 and boolean.
size_t dtype_size(DType dtype);
// The name written in files: "F64", "F32", "F16", "BF16", "I64", "I32",
// "I16", "I8", "U8", "BOOL".
const char* dtype_name(DType dtype);
// The inverse of dtype_name; nullopt for any other name (the format's U16,
// U32, U64 and F8 types included, which Restora does not use).
std::optional<DType> dtype_from_name(std::string_view name);

// Limits of the reader, refused rather than trusted: the header size is the
// reference implementation's; the rank and the JSON value budget
// (strict_json.h: max_json_values, about 100,000 tensors) are Restora's.
constexpr uint64_t max_header_size = 100'000'000;
constexpr size_t max_tensor_rank = 64;

struct Tensor {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape;  // row-major; [] is a scalar, a 0 dimension an empty tensor
  std::vector<uint8_t> bytes;  // numel() * dtype_size(dtype) bytes, little-endian

  // Product of the dimensions (1 for a scalar). The shape must be valid, as
  // it is for any parsed tensor.
  int64_t numel() const;
};

struct Safetensors {
  std::map<std::string, std::string> metadata;  // "__metadata__"; empty when absent
  std::vector<Tensor> tensors;                  // parsed: in the order of their data

  // The tensor called `name`, or nullptr.
  const Tensor* find(const std::string& name) const;
};

// Parses a whole file held in memory; `source` names it in messages. Throws
// FormatError "cannot read '<source>': <problem>" for any violation of the
// format: truncation, bad header length, invalid or non-object JSON, unknown
// keys or dtypes, bad shapes or offsets, overlaps, gaps, duplicate names.
Safetensors parse_safetensors(const uint8_t* data, size_t size, const std::string& source);

// Throws FileError when `path` is missing, a folder or unreadable, FormatError
// when it is empty or not a valid safetensors file.
Safetensors read_safetensors(const std::filesystem::path& path);

// The bytes the reference implementation writes for the same content: compact
// JSON header, "__metadata__" first (omitted when empty), tensors ordered by
// decreasing dtype alignment then by name (so every tensor is aligned),
// header padded with spaces to a multiple of 8. Throws InvalidArgument for
// content no reader would accept (byte count not matching the shape, negative
// dimension, duplicate or reserved name, text that is not UTF-8, a limit
// above exceeded).
std::vector<uint8_t> serialize_safetensors(const Safetensors& file);

// Serializes and writes atomically (temporary file + rename), so `path` never
// holds a partial file. Throws FileError when the folder is missing or
// unwritable, InvalidArgument as serialize_safetensors does.
void write_safetensors(const std::filesystem::path& path, const Safetensors& file);

}  // namespace restora::model_file

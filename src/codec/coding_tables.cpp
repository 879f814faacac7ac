#include "codec/coding_tables.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "restora/errors.h"

namespace restora::codec {
namespace {

template <typename T>
model_file::Tensor integer_tensor(const std::string& name, model_file::DType dtype,
                                  const std::vector<T>& values) {
  model_file::Tensor tensor;
  tensor.name = name;
  tensor.dtype = dtype;
  tensor.shape = {static_cast<int64_t>(values.size())};
  tensor.bytes.resize(values.size() * sizeof(T));
  std::memcpy(tensor.bytes.data(), values.data(), tensor.bytes.size());  // little-endian hosts
  return tensor;
}

template <typename T>
std::vector<T> integers(const model_file::Safetensors& file, const std::string& name,
                        model_file::DType dtype, const std::string& source) {
  const auto* tensor = file.find(name);
  if (!tensor || tensor->dtype != dtype || tensor->shape.size() != 1)
    throw FormatError(fmt::format("model file '{}': missing or mistyped tensor '{}'", source, name));
  std::vector<T> values(tensor->numel());
  std::memcpy(values.data(), tensor->bytes.data(), values.size() * sizeof(T));
  return values;
}

void add_tables(std::vector<model_file::Tensor>& out, const std::string& prefix,
                const std::vector<SymbolTable>& tables) {
  std::vector<int32_t> offsets, lengths, cdf;
  for (const auto& table : tables) {
    offsets.push_back(table.offset);
    lengths.push_back(static_cast<int32_t>(table.cdf.size()));
    cdf.insert(cdf.end(), table.cdf.begin(), table.cdf.end());
  }
  out.push_back(integer_tensor(prefix + "_offsets", model_file::DType::i32, offsets));
  out.push_back(integer_tensor(prefix + "_lengths", model_file::DType::i32, lengths));
  out.push_back(integer_tensor(prefix + "_cdf", model_file::DType::i32, cdf));
}

std::vector<SymbolTable> read_tables(const model_file::Safetensors& file, const std::string& prefix,
                                     const std::string& source) {
  const auto offsets = integers<int32_t>(file, prefix + "_offsets", model_file::DType::i32, source);
  const auto lengths = integers<int32_t>(file, prefix + "_lengths", model_file::DType::i32, source);
  const auto cdf = integers<int32_t>(file, prefix + "_cdf", model_file::DType::i32, source);
  if (offsets.size() != lengths.size() || offsets.empty() || offsets.size() > 65535)
    throw FormatError(fmt::format("model file '{}': {} tables are inconsistent", source, prefix));
  std::vector<SymbolTable> tables(offsets.size());
  size_t at = 0;
  const auto what = fmt::format("model file '{}': {}", source, prefix);
  for (size_t i = 0; i < tables.size(); ++i) {
    if (lengths[i] < 2 || static_cast<size_t>(lengths[i]) > cdf.size() - at)
      throw FormatError(fmt::format("{}: table {} runs past the data", what, i));
    tables[i].offset = offsets[i];
    for (int32_t k = 0; k < lengths[i]; ++k) {
      if (cdf[at + k] < 0) throw FormatError(fmt::format("{}: negative cdf", what));
      tables[i].cdf.push_back(static_cast<uint32_t>(cdf[at + k]));
    }
    at += lengths[i];
    tables[i].check(what.c_str());
  }
  if (at != cdf.size()) throw FormatError(fmt::format("{}: unused cdf entries", what));
  return tables;
}

// Floor division for a positive divisor, also for negative numerators.
int64_t floor_div(int64_t a, int64_t b) { return a / b - ((a % b != 0) && (a < 0)); }

}  // namespace

int CodingTables::y_table_for(int64_t log_scale) const {
  const int64_t k = floor_div(log_scale - log_scale_first + log_scale_step / 2, log_scale_step);
  return static_cast<int>(std::clamp<int64_t>(k, 0, static_cast<int64_t>(y_tables.size()) - 1));
}

std::vector<model_file::Tensor> to_tensors(const CodingTables& tables) {
  std::vector<model_file::Tensor> out;
  add_tables(out, "coding.z", tables.z_tables);
  add_tables(out, "coding.y", tables.y_tables);
  out.push_back(integer_tensor("coding.scale", model_file::DType::i64,
                               std::vector<int64_t>{tables.fraction_bits, tables.log_scale_first,
                                                    tables.log_scale_step}));
  return out;
}

CodingTables tables_from_tensors(const model_file::Safetensors& file, const std::string& source) {
  CodingTables tables;
  tables.z_tables = read_tables(file, "coding.z", source);
  tables.y_tables = read_tables(file, "coding.y", source);
  const auto scale = integers<int64_t>(file, "coding.scale", model_file::DType::i64, source);
  if (scale.size() != 3 || scale[0] < 0 || scale[0] > 24 || scale[2] <= 0 ||
      scale[1] < -(int64_t{1} << 40) || scale[1] > (int64_t{1} << 40) || scale[2] > (int64_t{1} << 40))
    throw FormatError(fmt::format("model file '{}': invalid coding.scale", source));
  tables.fraction_bits = static_cast<int>(scale[0]);
  tables.log_scale_first = scale[1];
  tables.log_scale_step = scale[2];
  return tables;
}

uint32_t coding_fingerprint(const std::vector<model_file::Tensor>& tensors) {
  uint32_t hash = 2166136261u;
  const auto mix = [&](const uint8_t* data, size_t size) {
    for (size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 16777619u;
  };
  std::vector<const model_file::Tensor*> coding;
  for (const auto& tensor : tensors)
    if (tensor.name.rfind("coding.", 0) == 0) coding.push_back(&tensor);
  std::sort(coding.begin(), coding.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (const auto* tensor : coding) {
    mix(reinterpret_cast<const uint8_t*>(tensor->name.data()), tensor->name.size());
    mix(tensor->bytes.data(), tensor->bytes.size());
  }
  return hash;
}

std::vector<uint8_t> encode_values(const std::vector<int32_t>& values,
                                   const std::vector<uint16_t>& table_of,
                                   const std::vector<SymbolTable>& tables) {
  if (values.size() != table_of.size()) throw InvalidArgument("encode_values: size mismatch");
  RansEncoder encoder;
  for (size_t i = 0; i < values.size(); ++i) put_value(encoder, tables.at(table_of[i]), values[i]);
  return encoder.finish();
}

std::vector<int32_t> decode_values(const std::vector<uint8_t>& bytes,
                                   const std::vector<uint16_t>& table_of,
                                   const std::vector<SymbolTable>& tables) {
  RansDecoder decoder(bytes.data(), bytes.size());
  std::vector<int32_t> values(table_of.size());
  for (size_t i = 0; i < values.size(); ++i) {
    if (table_of[i] >= tables.size()) throw FormatError("latent refers to a missing table");
    values[i] = get_value(decoder, tables[table_of[i]]);
  }
  decoder.finish();
  return values;
}

}  // namespace restora::codec

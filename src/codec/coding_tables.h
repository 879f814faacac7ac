// Everything the entropy coder needs from a codec model, as integers: one table per channel of
// the side information z (factorized prior), one table per quantized scale of the latents y
// (Gaussian conditional), and the rule mapping a fixed-point log-scale to its table. Computed
// once when a model is packaged and stored in its file, so encoder and decoder on any machine
// use the very same integers.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "codec/symbol_table.h"
#include "model_file/safetensors.h"

namespace restora::codec {

struct CodingTables {
  std::vector<SymbolTable> z_tables;  // one per channel of z
  std::vector<SymbolTable> y_tables;  // table k: a Gaussian of scale exp(log_scale_first + k·step)
  // Log-scales arrive in fixed point with `fraction_bits` fractional bits; the table of a
  // log-scale s is the nearest k, clamped to the tables there are.
  int fraction_bits = 10;
  int64_t log_scale_first = 0;  // fixed point
  int64_t log_scale_step = 1;   // fixed point, > 0

  int y_table_for(int64_t log_scale) const;
};

// The tables as model-file tensors named coding.*, and back. Reading validates every table
// and field (FormatError naming `source`).
std::vector<model_file::Tensor> to_tensors(const CodingTables& tables);
CodingTables tables_from_tensors(const model_file::Safetensors& file, const std::string& source);

// FNV-1a over the names and bytes of every coding.* tensor: a file names the tables it needs.
uint32_t coding_fingerprint(const std::vector<model_file::Tensor>& tensors);

// Values coded with one table each: tables[table_of[i]] codes values[i].
std::vector<uint8_t> encode_values(const std::vector<int32_t>& values,
                                   const std::vector<uint16_t>& table_of,
                                   const std::vector<SymbolTable>& tables);
std::vector<int32_t> decode_values(const std::vector<uint8_t>& bytes,
                                   const std::vector<uint16_t>& table_of,
                                   const std::vector<SymbolTable>& tables);

}  // namespace restora::codec

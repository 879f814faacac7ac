// Integer probability tables and how one integer value is coded with them.
//
// A table covers the values offset … offset + n − 2 with one slot each and keeps its last slot
// for an escape: a value outside the range codes the escape, then its sign and distance
// beyond the range in uniform 2^16-slot chunks (bypass coding), so any int32 value can be
// coded while in-range values cost their modelled probability only.
#pragma once

#include <cstdint>
#include <vector>

#include "codec/rans.h"

namespace restora::codec {

struct SymbolTable {
  int32_t offset = 0;          // the value of slot 0
  std::vector<uint32_t> cdf;   // n + 1 entries: 0 = cdf[0] < cdf[1] < … < cdf[n] = 2^16

  int symbols() const { return static_cast<int>(cdf.size()) - 1; }  // including the escape
  // Throws FormatError naming `what` unless the table is well formed (1..65535 symbols).
  void check(const char* what) const;
};

// A table from the probabilities of the values offset, offset + 1, …; the mass they leave
// (1 − Σ pmf) goes to the escape. Every slot gets at least one 2^-16, the remainder is shared
// in proportion to the probabilities (largest remainders first).
SymbolTable quantize_pmf(const std::vector<double>& pmf, int32_t offset);

void put_value(RansEncoder& encoder, const SymbolTable& table, int32_t value);
// Throws FormatError when the escape codes a value outside int32.
int32_t get_value(RansDecoder& decoder, const SymbolTable& table);

}  // namespace restora::codec

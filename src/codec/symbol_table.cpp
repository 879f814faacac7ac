#include "codec/symbol_table.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "restora/errors.h"

namespace restora::codec {
namespace {

constexpr int bypass_bits = 8;  // bits per uniform bypass chunk

void put_bits(RansEncoder& encoder, uint32_t value, int bits) {
  const uint32_t frequency = probability_total >> bits;
  encoder.put(value * frequency, frequency);
}

uint32_t get_bits(RansDecoder& decoder, int bits) {
  const uint32_t frequency = probability_total >> bits;
  const uint32_t value = decoder.peek() / frequency;
  decoder.advance(value * frequency, frequency);
  return value;
}

}  // namespace

void SymbolTable::check(const char* what) const {
  const bool well_formed =
      cdf.size() >= 2 && cdf.size() <= probability_total && cdf.front() == 0 &&
      cdf.back() == probability_total &&
      std::adjacent_find(cdf.begin(), cdf.end(), std::greater_equal<>()) == cdf.end() &&
      static_cast<int64_t>(offset) + symbols() <= INT32_MAX;
  if (!well_formed) throw FormatError(fmt::format("{}: malformed probability table", what));
}

SymbolTable quantize_pmf(const std::vector<double>& pmf, int32_t offset) {
  const size_t n = pmf.size() + 1;  // + the escape
  if (n > probability_total / 2) throw InvalidArgument("probability table too long");
  std::vector<double> mass(pmf);
  double covered = 0.0;
  for (double& p : mass) covered += (p = std::max(p, 0.0));
  mass.push_back(std::max(1.0 - covered, 0.0));
  const double total = std::accumulate(mass.begin(), mass.end(), 0.0);
  const uint32_t spare = probability_total - static_cast<uint32_t>(n);
  std::vector<uint32_t> frequency(n, 1);
  std::vector<std::pair<double, size_t>> remainders;
  uint32_t given = 0;
  for (size_t i = 0; i < n; ++i) {
    const double share = total > 0 ? mass[i] / total * spare : 0.0;
    const auto whole = static_cast<uint32_t>(std::floor(share));
    frequency[i] += whole;
    given += whole;
    remainders.emplace_back(share - whole, i);
  }
  std::sort(remainders.begin(), remainders.end(),
            [](const auto& a, const auto& b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  for (size_t k = 0; given < spare; ++k, ++given) ++frequency[remainders[k % n].second];
  SymbolTable table;
  table.offset = offset;
  table.cdf.assign(n + 1, 0);
  for (size_t i = 0; i < n; ++i) table.cdf[i + 1] = table.cdf[i] + frequency[i];
  return table;
}

void put_value(RansEncoder& encoder, const SymbolTable& table, int32_t value) {
  const int escape = table.symbols() - 1;
  const int64_t slot = static_cast<int64_t>(value) - table.offset;
  if (slot >= 0 && slot < escape) {
    encoder.put(table.cdf[slot], table.cdf[slot + 1] - table.cdf[slot]);
    return;
  }
  encoder.put(table.cdf[escape], table.cdf[escape + 1] - table.cdf[escape]);
  // Distance beyond the range, ≥ 0, then its bit length and its bits in 8-bit chunks.
  const bool below = slot < 0;
  const uint64_t distance = below ? static_cast<uint64_t>(-slot - 1) : static_cast<uint64_t>(slot - escape);
  put_bits(encoder, below ? 1 : 0, 1);
  int length = 0;
  while ((distance >> length) != 0) ++length;
  put_bits(encoder, static_cast<uint32_t>(length), 6);
  for (int shift = 0; shift < length; shift += bypass_bits)
    put_bits(encoder, static_cast<uint32_t>(distance >> shift) & 0xff, bypass_bits);
}

int32_t get_value(RansDecoder& decoder, const SymbolTable& table) {
  const uint32_t target = decoder.peek();
  // The last cdf entry > target, minus one: the slot holding it.
  const auto found = std::upper_bound(table.cdf.begin(), table.cdf.end(), target);
  const int slot = static_cast<int>(found - table.cdf.begin()) - 1;
  decoder.advance(table.cdf[slot], table.cdf[slot + 1] - table.cdf[slot]);
  const int escape = table.symbols() - 1;
  if (slot < escape) return table.offset + slot;
  const bool below = get_bits(decoder, 1) == 1;
  const int length = static_cast<int>(get_bits(decoder, 6));
  if (length > 33) throw FormatError("escaped value longer than 33 bits (corrupted)");
  uint64_t distance = 0;
  for (int shift = 0; shift < length; shift += bypass_bits)
    distance |= static_cast<uint64_t>(get_bits(decoder, bypass_bits)) << shift;
  const int64_t value = below ? static_cast<int64_t>(table.offset) - 1 - static_cast<int64_t>(distance)
                              : static_cast<int64_t>(table.offset) + escape + static_cast<int64_t>(distance);
  if (value < INT32_MIN || value > INT32_MAX) throw FormatError("escaped value outside int32 (corrupted)");
  return static_cast<int32_t>(value);
}

}  // namespace restora::codec

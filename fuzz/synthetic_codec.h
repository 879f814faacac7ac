// A Torch-free stand-in for a codec model, shared by the fuzz target and its seed maker: real
// integer tables (a factorized prior per z channel, 64 Gaussian scales) and a cheap integer
// rule in place of the hyper-synthesis network, so the decoder's parsing and entropy decoding
// run exactly as in `restora decompress` at fuzzing speed.
#pragma once

#include <cmath>
#include <cstdint>
#include <vector>

#include "codec/coding_tables.h"
#include "codec/container.h"

namespace restora::fuzz {

constexpr int z_channels = 8, y_channels = 12, multiple = 64;
constexpr uint32_t fingerprint = 0xf0220001;

inline codec::CodingTables synthetic_tables() {
  codec::CodingTables tables;
  for (int c = 0; c < z_channels; ++c) {
    std::vector<double> pmf;
    const double decay = 0.3 + 0.08 * c;  // discrete Laplace, wider per channel
    for (int v = -20; v <= 20; ++v) pmf.push_back((1 - decay) / (1 + decay) * std::pow(decay, std::abs(v)));
    tables.z_tables.push_back(codec::quantize_pmf(pmf, -20));
  }
  for (int k = 0; k < 64; ++k) {
    const double scale = 0.11 * std::exp(0.12 * k);
    const int radius = static_cast<int>(std::ceil(scale * 6.2)) + 1;
    std::vector<double> pmf;
    for (int v = -radius; v <= radius; ++v)
      pmf.push_back(0.5 * (std::erfc(-(v + 0.5) / (scale * std::sqrt(2.0))) -
                           std::erfc(-(v - 0.5) / (scale * std::sqrt(2.0)))));
    tables.y_tables.push_back(codec::quantize_pmf(pmf, -radius));
  }
  return tables;
}

// The table of every z value (its channel) and of every y value (a function of the z above it,
// standing in for the integer hyper-synthesis).
inline std::vector<uint16_t> z_table_of(int zh, int zw) {
  std::vector<uint16_t> table_of;
  for (int c = 0; c < z_channels; ++c) table_of.insert(table_of.end(), size_t(zh) * zw, uint16_t(c));
  return table_of;
}

inline std::vector<uint16_t> y_table_of(const std::vector<int32_t>& z, int zh, int zw) {
  std::vector<uint16_t> table_of;
  for (int c = 0; c < y_channels; ++c)
    for (int i = 0; i < zh * 4; ++i)
      for (int j = 0; j < zw * 4; ++j) {
        const int64_t v = z[(size_t(c % z_channels) * zh + i / 4) * zw + j / 4];
        table_of.push_back(static_cast<uint16_t>(std::min<int64_t>(63, (v < 0 ? -v : v) * 9 + c)));
      }
  return table_of;
}

// What `restora decompress` does with a file, minus the networks: -> the decoded y values.
inline std::vector<int32_t> decode(const uint8_t* data, size_t size, const codec::CodingTables& tables) {
  const auto file = codec::read_container(data, size);
  if (file.sections.size() != 2 || file.fingerprint != fingerprint) return {};
  const int zh = (file.height + file.pad_bottom) / multiple, zw = (file.width + file.pad_right) / multiple;
  if ((file.height + file.pad_bottom) % multiple || (file.width + file.pad_right) % multiple ||
      zh == 0 || zw == 0)
    return {};
  const auto z = codec::decode_values(file.sections[0], z_table_of(zh, zw), tables.z_tables);
  return codec::decode_values(file.sections[1], y_table_of(z, zh, zw), tables.y_tables);
}

}  // namespace restora::fuzz

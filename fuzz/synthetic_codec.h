// A Torch-free stand-in for a codec model, shared by the fuzz target and its seed maker: real
// integer tables (a factorized prior per z channel, 64 Gaussian scales) and cheap integer rules
// in place of the hyper-synthesis and channel-context networks, so the decoder's parsing and
// entropy decoding of plain and checkerboard files (up to 13 sections) run exactly as in
// `restora decompress` at fuzzing speed.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
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

// A checkerboard file of `slices` channel slices holds, after ẑ, 2·slices sections: the anchors
// ((row + column) even) of slice 0, 1, …, then the other positions of each slice. Section s's
// positions in y's y_channels×h×w grid, in the order they are coded (channel, row, column).
inline std::vector<size_t> section_positions(int slices, int section, int h, int w) {
  const int width = y_channels / slices, first = section % slices * width, pass = section / slices;
  std::vector<size_t> positions;
  for (int c = first; c < first + width; ++c)
    for (int i = 0; i < h; ++i)
      for (int j = 0; j < w; ++j)
        if ((i + j) % 2 == pass) positions.push_back((size_t(c) * h + i) * w + j);
  return positions;
}

// Their tables: h_s's stand-in, shifted after the first slice by the value the slice before
// decoded at the same place (standing in for the channel context, so that each section's
// tables depend on the sections decoded before it, as in the codec).
inline std::vector<uint16_t> section_tables(const std::vector<uint16_t>& y_tables, const std::vector<int32_t>& y,
                                            const std::vector<size_t>& positions, int slices, int h, int w) {
  const size_t before = size_t(y_channels / slices) * h * w;
  std::vector<uint16_t> tables;
  for (size_t p : positions) {
    const int64_t shift = p >= before ? std::abs(int64_t{y[p - before]}) % 8 : 0;
    tables.push_back(static_cast<uint16_t>(std::min<int64_t>(63, y_tables[p] + shift)));
  }
  return tables;
}

// What `restora decompress` does with a file, minus the networks: -> the decoded y values.
// Two sections: y in one; 1 + 2K (K dividing y_channels): a checkerboard file of K slices.
inline std::vector<int32_t> decode(const uint8_t* data, size_t size, const codec::CodingTables& tables) {
  const auto file = codec::read_container(data, size);
  const size_t count = file.sections.size();
  const bool checkerboard = count >= 3 && count % 2 == 1;
  if (file.fingerprint != fingerprint || (count != 2 && !checkerboard)) return {};
  const int slices = static_cast<int>(count - 1) / 2;
  if (checkerboard && y_channels % slices) return {};
  const int zh = (file.height + file.pad_bottom) / multiple, zw = (file.width + file.pad_right) / multiple;
  if ((file.height + file.pad_bottom) % multiple || (file.width + file.pad_right) % multiple ||
      zh == 0 || zw == 0)
    return {};
  const auto z = codec::decode_values(file.sections[0], z_table_of(zh, zw), tables.z_tables);
  const auto y_tables = y_table_of(z, zh, zw);
  if (!checkerboard) return codec::decode_values(file.sections[1], y_tables, tables.y_tables);
  std::vector<int32_t> y(y_tables.size());
  for (int section = 0; section < 2 * slices; ++section) {
    const auto positions = section_positions(slices, section, zh * 4, zw * 4);
    const auto values = codec::decode_values(
        file.sections[1 + section], section_tables(y_tables, y, positions, slices, zh * 4, zw * 4), tables.y_tables);
    for (size_t i = 0; i < positions.size(); ++i) y[positions[i]] = values[i];
  }
  return y;
}

}  // namespace restora::fuzz

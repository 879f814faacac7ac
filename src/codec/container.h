// The .rci file: one image coded by a learned codec model. Documented in docs/CODEC_FORMAT.md.
//
//   offset  size  field
//   0       4     magic 0x89 'R' 'C' 'I'
//   4       1     format version (1)
//   5       1+n   model name: length n (1..64), then n printable ASCII bytes
//   …       4     model fingerprint (little-endian): a hash of the model's coding tables
//   …       1     quality level (1 = smallest files)
//   …       2+2   width − 1, height − 1 (little-endian)
//   …       1     colour format: 0 = RGB 8-bit, 1 = gray 8-bit
//   …       1+1   padding right, padding bottom (pixels added up to the model's size multiple)
//   …       1     section count k (1..16), then k section lengths as LEB128 varints
//   …       Σ     the k sections' bytes
//   end−4   4     CRC-32 (zlib) of every byte before it, little-endian
//
// Reading checks every field, the lengths against the file size and the CRC, so a truncated,
// corrupted or hostile file gives a FormatError naming the problem and no large allocation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace restora::codec {

enum class ColorFormat : uint8_t { rgb8 = 0, gray8 = 1 };

// Largest image a file may describe (pixels); keeps a hostile header from asking for gigabytes.
constexpr int64_t max_pixels = int64_t{1} << 26;
// Sections a file may hold (the learned codec writes 1 + 2 per channel slice).
constexpr size_t max_sections = 16;

struct Container {
  std::string model;
  uint32_t fingerprint = 0;
  int level = 1;
  int width = 0, height = 0;
  ColorFormat color = ColorFormat::rgb8;
  int pad_right = 0, pad_bottom = 0;
  std::vector<std::vector<uint8_t>> sections;
};

// Throws InvalidArgument when a field is out of its range.
std::vector<uint8_t> write_container(const Container& container);
// Throws FormatError naming the problem.
Container read_container(const uint8_t* data, size_t size);
bool looks_like_container(const uint8_t* data, size_t size);  // the magic only

}  // namespace restora::codec

// libFuzzer target: the .rci decoder (container parsing, entropy decoding, escapes) on any bytes.
// Its only allowed outcomes are a decoded result or restora::FormatError; a crash, hang, leak or
// sanitizer report is a bug. The CRC-32 is patched to match, so mutations reach the parser and
// the rANS decoder instead of stopping at the checksum (tests cover the checksum itself).
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "restora/errors.h"
#include "synthetic_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const auto tables = restora::fuzz::synthetic_tables();
  std::vector<uint8_t> bytes(data, data + size);
  if (bytes.size() >= 8) {
    const auto crc = static_cast<uint32_t>(crc32(0L, bytes.data(), static_cast<uInt>(bytes.size() - 4)));
    for (int i = 0; i < 4; ++i) bytes[bytes.size() - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
  }
  try {
    restora::fuzz::decode(bytes.data(), bytes.size(), tables);
  } catch (const restora::FormatError&) {
  }
  return 0;
}

#include "image/container.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace restora::container {
namespace {

std::uint32_t read_u16(const unsigned char* p, bool little_endian) {
  return little_endian ? p[0] | p[1] << 8 : p[0] << 8 | p[1];
}

std::uint32_t read_u32(const unsigned char* p, bool little_endian) {
  return little_endian ? std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 |
                             std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24
                       : std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 |
                             std::uint32_t(p[2]) << 8 | std::uint32_t(p[3]);
}

bool matches(const Bytes& bytes, std::size_t offset, const char* text) {
  const std::size_t length = std::strlen(text);
  return bytes.size() >= offset + length && std::memcmp(bytes.data() + offset, text, length) == 0;
}

// A SHORT or LONG value of a tag in the first IFD of a classic TIFF
// structure (a TIFF file or an EXIF block); empty when absent or malformed.
std::optional<std::uint32_t> first_ifd_value(const unsigned char* data, std::size_t size,
                                             std::uint32_t tag) {
  if (size < 8) return std::nullopt;
  const bool little = data[0] == 'I' && data[1] == 'I';
  const bool big = data[0] == 'M' && data[1] == 'M';
  if ((!little && !big) || read_u16(data + 2, little) != 42) return std::nullopt;
  const std::size_t ifd = read_u32(data + 4, little);
  if (ifd > size - 2) return std::nullopt;
  const std::size_t count = read_u16(data + ifd, little);
  for (std::size_t index = 0; index < count; ++index) {
    const std::size_t entry = ifd + 2 + 12 * index;
    if (entry + 12 > size) return std::nullopt;
    if (read_u16(data + entry, little) != tag) continue;
    const std::uint32_t type = read_u16(data + entry + 2, little);
    if (type == 3) return read_u16(data + entry + 8, little);  // SHORT
    if (type == 4) return read_u32(data + entry + 8, little);  // LONG
    return std::nullopt;
  }
  return std::nullopt;
}

// EXIF blocks are a TIFF structure, optionally behind an "Exif\0\0" prefix.
int exif_orientation(const unsigned char* data, std::size_t size) {
  if (size >= 6 && std::memcmp(data, "Exif\0\0", 6) == 0) {
    data += 6;
    size -= 6;
  }
  const auto orientation = first_ifd_value(data, size, 0x0112);
  return orientation && *orientation >= 1 && *orientation <= 8 ? int(*orientation) : 1;
}

// Walks the marker segments and the entropy-coded data up to EOI.
Facts inspect_jpeg(const Bytes& bytes) {
  Facts facts;
  const std::size_t size = bytes.size();
  std::size_t position = 2;  // after SOI
  while (position < size) {
    // Like libjpeg, skip stray bytes before a marker, then fill bytes.
    while (position < size && bytes[position] != 0xFF) ++position;
    while (position < size && bytes[position] == 0xFF) ++position;
    if (position >= size) break;
    const unsigned char marker = bytes[position++];
    if (marker == 0xD9) return facts;                                    // EOI
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) continue;  // no length
    if (position + 2 > size) break;
    const std::size_t length = read_u16(&bytes[position], false);
    if (length < 2) {
      facts.incomplete = "corrupt marker segment";
      return facts;
    }
    if (position + length > size) break;
    const bool start_of_frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 &&
                                marker != 0xC8 && marker != 0xCC;
    if (start_of_frame && length >= 7 && facts.width == 0) {
      facts.height = read_u16(&bytes[position + 3], false);
      facts.width = read_u16(&bytes[position + 5], false);
    }
    if (marker == 0xE1 && facts.orientation == 1 && length > 8 &&
        std::memcmp(&bytes[position + 2], "Exif\0\0", 6) == 0) {
      facts.orientation = exif_orientation(&bytes[position + 2], length - 2);
    }
    position += length;
    if (marker == 0xDA) {
      // Entropy-coded data runs to the next marker other than a stuffed
      // zero (FF 00), a restart marker or a fill byte.
      while (position + 1 < size) {
        const unsigned char next = bytes[position + 1];
        if (bytes[position] == 0xFF && next != 0x00 && next != 0xFF &&
            !(next >= 0xD0 && next <= 0xD7)) {
          break;
        }
        ++position;
      }
      if (position + 1 >= size) break;
    }
  }
  facts.incomplete = "truncated JPEG data (no end-of-image marker)";
  return facts;
}

// Walks the chunks up to IEND.
Facts inspect_png(const Bytes& bytes) {
  Facts facts;
  std::size_t position = 8;  // after the signature
  while (position + 8 <= bytes.size()) {
    const std::size_t length = read_u32(&bytes[position], false);
    const unsigned char* type = &bytes[position + 4];
    if (length > bytes.size() - position - 8 || bytes.size() - position - 8 - length < 4) {
      facts.incomplete =
          "truncated PNG data (chunk '" + std::string(type, type + 4) + "' cut short)";
      return facts;
    }
    const unsigned char* data = type + 4;
    if (std::memcmp(type, "IHDR", 4) == 0 && length >= 13) {
      facts.width = read_u32(data, false);
      facts.height = read_u32(data + 4, false);
      const unsigned char colour_type = data[9];
      facts.png_gray = colour_type == 0 || colour_type == 4;
    } else if (std::memcmp(type, "eXIf", 4) == 0) {
      facts.orientation = exif_orientation(data, length);
    } else if (std::memcmp(type, "IEND", 4) == 0) {
      return facts;
    }
    position += 12 + length;
  }
  facts.incomplete = "truncated PNG data (no IEND chunk)";
  return facts;
}

// Checks the RIFF size and walks the chunks for EXIF.
Facts inspect_webp(const Bytes& bytes) {
  Facts facts;
  const std::size_t end = std::size_t(read_u32(&bytes[4], true)) + 8;
  if (end > bytes.size()) {
    facts.incomplete = "truncated WebP data (RIFF header says " + std::to_string(end) +
                       " bytes, file has " + std::to_string(bytes.size()) + ")";
    return facts;
  }
  std::size_t position = 12;
  while (position + 8 <= end) {
    const std::size_t length = read_u32(&bytes[position + 4], true);
    if (length > end - position - 8) break;
    const unsigned char* data = &bytes[position + 8];
    if (std::memcmp(&bytes[position], "EXIF", 4) == 0) {
      facts.orientation = exif_orientation(data, length);
    } else if (std::memcmp(&bytes[position], "VP8X", 4) == 0 && length >= 10) {  // the canvas
      facts.width = 1 + (data[4] | data[5] << 8 | data[6] << 16);
      facts.height = 1 + (data[7] | data[8] << 8 | data[9] << 16);
    } else if (std::memcmp(&bytes[position], "VP8L", 4) == 0 && length >= 5 && !facts.width) {
      const std::uint32_t bits = read_u32(data + 1, true);
      facts.width = 1 + (bits & 0x3FFF);
      facts.height = 1 + (bits >> 14 & 0x3FFF);
    } else if (std::memcmp(&bytes[position], "VP8 ", 4) == 0 && length >= 10 && !facts.width) {
      facts.width = read_u16(data + 6, true) & 0x3FFF;
      facts.height = read_u16(data + 8, true) & 0x3FFF;
    }
    position += 8 + length + (length & 1);
  }
  return facts;
}

// Compares the sizes the headers promise with the file size.
Facts inspect_bmp(const Bytes& bytes) {
  Facts facts;
  const std::size_t size = bytes.size();
  if (size < 18) {
    facts.incomplete = "truncated BMP header";
    return facts;
  }
  const std::uint64_t declared_size = read_u32(&bytes[2], true);
  const std::uint64_t pixel_offset = read_u32(&bytes[10], true);
  std::uint64_t needed = std::max(declared_size, pixel_offset);
  const std::uint32_t header_size = read_u32(&bytes[14], true);
  if (header_size >= 40 && size >= 34) {
    const auto width = std::int32_t(read_u32(&bytes[18], true));
    const auto height = std::int32_t(read_u32(&bytes[22], true));
    facts.width = std::uint64_t(std::abs(std::int64_t(width)));
    facts.height = std::uint64_t(std::abs(std::int64_t(height)));
    const std::uint32_t bits_per_pixel = read_u16(&bytes[28], true);
    const std::uint32_t compression = read_u32(&bytes[30], true);
    if (compression == 0 && width > 0) {  // BI_RGB: rows padded to 4 bytes
      const std::uint64_t stride = (std::uint64_t(width) * bits_per_pixel + 31) / 32 * 4;
      needed =
          std::max(needed, pixel_offset + stride * std::uint64_t(std::abs(std::int64_t(height))));
    }
  }
  if (needed > size) {
    facts.incomplete = "truncated BMP data (needs " + std::to_string(needed) + " bytes, file has " +
                       std::to_string(size) + ")";
  }
  return facts;
}

Facts inspect_tiff(const Bytes& bytes) {
  Facts facts;
  facts.tiff_samples_per_pixel = int(first_ifd_value(bytes.data(), bytes.size(), 277).value_or(0));
  facts.width = first_ifd_value(bytes.data(), bytes.size(), 256).value_or(0);
  facts.height = first_ifd_value(bytes.data(), bytes.size(), 257).value_or(0);
  return facts;
}

}  // namespace

const char* format_name(Format format) {
  switch (format) {
    case Format::png:
      return "PNG";
    case Format::jpeg:
      return "JPEG";
    case Format::bmp:
      return "BMP";
    case Format::tiff:
      return "TIFF";
    case Format::webp:
      return "WebP";
  }
  return "image";
}

std::optional<Format> sniff_format(const Bytes& bytes) {
  if (matches(bytes, 0, "\x89PNG\r\n\x1a\n")) return Format::png;
  if (matches(bytes, 0, "\xFF\xD8\xFF")) return Format::jpeg;
  if (matches(bytes, 0, "BM")) return Format::bmp;
  // Classic TIFF (42) or BigTIFF (43), little- or big-endian.
  if (bytes.size() >= 4) {
    const bool little = matches(bytes, 0, "II") && (bytes[2] == 42 || bytes[2] == 43) && !bytes[3];
    const bool big = matches(bytes, 0, "MM") && !bytes[2] && (bytes[3] == 42 || bytes[3] == 43);
    if (little || big) return Format::tiff;
  }
  if (matches(bytes, 0, "RIFF") && matches(bytes, 8, "WEBP")) return Format::webp;
  return std::nullopt;
}

Facts inspect(const Bytes& bytes, Format format) {
  switch (format) {
    case Format::png:
      return inspect_png(bytes);
    case Format::jpeg:
      return inspect_jpeg(bytes);
    case Format::bmp:
      return inspect_bmp(bytes);
    case Format::tiff:
      return inspect_tiff(bytes);
    case Format::webp:
      return inspect_webp(bytes);
  }
  return {};
}

}  // namespace restora::container

#include "codec/container.h"

#include <fmt/format.h>
#include <zlib.h>

#include "restora/errors.h"

namespace restora::codec {
namespace {

constexpr uint8_t magic[4] = {0x89, 'R', 'C', 'I'};
constexpr uint8_t version = 1;

uint32_t crc32_of(const uint8_t* data, size_t size) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (size > 0) {
    const auto chunk = static_cast<uInt>(std::min<size_t>(size, 1u << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    size -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

class Writer {
 public:
  void u8(uint32_t v) { bytes.push_back(static_cast<uint8_t>(v)); }
  void u16(uint32_t v) { u8(v & 0xff), u8(v >> 8 & 0xff); }
  void u32(uint32_t v) { u16(v & 0xffff), u16(v >> 16); }
  void varint(uint64_t v) {
    for (; v >= 0x80; v >>= 7) u8(static_cast<uint8_t>(v | 0x80));
    u8(static_cast<uint8_t>(v));
  }
  std::vector<uint8_t> bytes;
};

class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  const uint8_t* take(size_t n, const char* what) {
    if (n > size_ - position_) throw FormatError(fmt::format("file ends inside the {}", what));
    const uint8_t* at = data_ + position_;
    position_ += n;
    return at;
  }
  uint32_t u8(const char* what) { return *take(1, what); }
  uint32_t u16(const char* what) {
    const uint8_t* b = take(2, what);
    return b[0] | static_cast<uint32_t>(b[1]) << 8;
  }
  uint32_t u32(const char* what) {
    const uint8_t* b = take(4, what);
    return b[0] | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
           static_cast<uint32_t>(b[3]) << 24;
  }
  uint64_t varint(const char* what) {
    uint64_t value = 0;
    for (int shift = 0; shift < 35; shift += 7) {
      const uint32_t byte = u8(what);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    throw FormatError(fmt::format("{} is not a valid length", what));
  }
  size_t left() const { return size_ - position_; }

 private:
  const uint8_t* data_;
  size_t size_, position_ = 0;
};

bool printable(const std::string& text) {
  for (unsigned char c : text)
    if (c < 0x21 || c > 0x7e) return false;
  return true;
}

}  // namespace

std::vector<uint8_t> write_container(const Container& c) {
  if (c.model.empty() || c.model.size() > 64 || !printable(c.model))
    throw InvalidArgument("codec file: the model name must be 1-64 printable ASCII characters");
  if (c.level < 1 || c.level > 255) throw InvalidArgument("codec file: level must be 1..255");
  if (c.width < 1 || c.height < 1 || c.width > 65536 || c.height > 65536 ||
      static_cast<int64_t>(c.width) * c.height > max_pixels)
    throw InvalidArgument(fmt::format("codec file: a {}x{} image is larger than the {} pixels a file may hold",
                                      c.width, c.height, max_pixels));
  if (c.pad_right < 0 || c.pad_right > 255 || c.pad_bottom < 0 || c.pad_bottom > 255)
    throw InvalidArgument("codec file: padding must be 0..255");
  if (c.sections.empty() || c.sections.size() > max_sections)
    throw InvalidArgument(fmt::format("codec file: 1..{} sections", max_sections));
  Writer w;
  for (uint8_t b : magic) w.u8(b);
  w.u8(version);
  w.u8(static_cast<uint32_t>(c.model.size()));
  for (char ch : c.model) w.u8(static_cast<uint8_t>(ch));
  w.u32(c.fingerprint);
  w.u8(static_cast<uint32_t>(c.level));
  w.u16(static_cast<uint32_t>(c.width - 1));
  w.u16(static_cast<uint32_t>(c.height - 1));
  w.u8(static_cast<uint32_t>(c.color));
  w.u8(static_cast<uint32_t>(c.pad_right));
  w.u8(static_cast<uint32_t>(c.pad_bottom));
  w.u8(static_cast<uint32_t>(c.sections.size()));
  for (const auto& section : c.sections) w.varint(section.size());
  for (const auto& section : c.sections) w.bytes.insert(w.bytes.end(), section.begin(), section.end());
  w.u32(crc32_of(w.bytes.data(), w.bytes.size()));
  return std::move(w.bytes);
}

bool looks_like_container(const uint8_t* data, size_t size) {
  return size >= 4 && std::equal(magic, magic + 4, data);
}

Container read_container(const uint8_t* data, size_t size) {
  if (!looks_like_container(data, size)) throw FormatError("not a Restora codec file (bad magic)");
  if (size < 9) throw FormatError("file ends inside the header");
  const uint32_t stored_crc = data[size - 4] | static_cast<uint32_t>(data[size - 3]) << 8 |
                              static_cast<uint32_t>(data[size - 2]) << 16 |
                              static_cast<uint32_t>(data[size - 1]) << 24;
  Reader r(data, size - 4);
  r.take(4, "magic");
  const uint32_t file_version = r.u8("version");
  if (file_version != version)
    throw FormatError(fmt::format("codec file version {} is not supported (this build reads {})",
                                  file_version, version));
  if (crc32_of(data, size - 4) != stored_crc)
    throw FormatError("codec file is corrupted (CRC-32 mismatch)");
  Container c;
  const uint32_t name_length = r.u8("model name");
  if (name_length < 1 || name_length > 64) throw FormatError("model name length out of 1..64");
  const uint8_t* name = r.take(name_length, "model name");
  c.model.assign(reinterpret_cast<const char*>(name), name_length);
  if (!printable(c.model)) throw FormatError("model name is not printable ASCII");
  c.fingerprint = r.u32("model fingerprint");
  c.level = static_cast<int>(r.u8("quality level"));
  if (c.level < 1) throw FormatError("quality level 0 is invalid");
  c.width = static_cast<int>(r.u16("width")) + 1;
  c.height = static_cast<int>(r.u16("height")) + 1;
  if (static_cast<int64_t>(c.width) * c.height > max_pixels)
    throw FormatError(fmt::format("image size {}x{} exceeds the {} pixels a file may hold", c.width,
                                  c.height, max_pixels));
  const uint32_t color = r.u8("colour format");
  if (color > 1) throw FormatError(fmt::format("unknown colour format {}", color));
  c.color = static_cast<ColorFormat>(color);
  c.pad_right = static_cast<int>(r.u8("padding"));
  c.pad_bottom = static_cast<int>(r.u8("padding"));
  const uint32_t count = r.u8("section count");
  if (count < 1 || count > max_sections) throw FormatError(fmt::format("section count {} out of 1..{}", count, max_sections));
  std::vector<uint64_t> lengths;
  uint64_t total = 0;
  for (uint32_t i = 0; i < count; ++i) {
    lengths.push_back(r.varint("section length"));
    total += lengths.back();
  }
  if (total != r.left())
    throw FormatError(fmt::format("section lengths add up to {} bytes but {} remain", total, r.left()));
  for (uint64_t length : lengths) {
    const uint8_t* bytes = r.take(length, "sections");
    c.sections.emplace_back(bytes, bytes + length);
  }
  return c;
}

}  // namespace restora::codec

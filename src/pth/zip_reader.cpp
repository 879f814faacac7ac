#include "pth/zip_reader.h"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <set>

#include "restora/errors.h"

namespace restora::pth {
namespace {

constexpr uint32_t local_header_signature = 0x04034b50;
constexpr uint32_t central_header_signature = 0x02014b50;
constexpr uint32_t end_signature = 0x06054b50;
constexpr uint32_t zip64_locator_signature = 0x07064b50;
constexpr uint32_t zip64_end_signature = 0x06064b50;
constexpr size_t end_size = 22;
constexpr size_t zip64_locator_size = 20;
constexpr size_t zip64_end_size = 56;
constexpr size_t central_header_size = 46;
constexpr size_t local_header_size = 30;
constexpr size_t max_comment = 0xFFFF;

// Little-endian reads within [0, size), each checked.
class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size, const std::string& source)
      : data_(data), size_(size), source_(source) {}

  [[noreturn]] void fail(const std::string& problem) const {
    throw FormatError(fmt::format("cannot read '{}': {}", source_, problem));
  }
  void need(uint64_t offset, uint64_t length, const char* what) const {
    if (offset > size_ || length > size_ - offset) {
      fail(fmt::format("{} at byte {} runs past the end of the file ({} bytes)", what, offset,
                       size_));
    }
  }
  uint64_t read(uint64_t offset, int width) const {
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = (value << 8) | data_[offset + i];
    return value;
  }
  size_t size() const { return size_; }
  const uint8_t* data() const { return data_; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& source_;
};

struct Directory {
  uint64_t entries = 0;
  uint64_t offset = 0;
  uint64_t size = 0;
};

size_t find_end_record(const Bytes& bytes) {
  if (bytes.size() < end_size) bytes.fail("too short for a zip archive");
  const size_t last = bytes.size() - end_size;
  const size_t first = last > max_comment ? last - max_comment : 0;
  for (size_t at = last + 1; at-- > first;) {
    if (bytes.read(at, 4) == end_signature && at + end_size + bytes.read(at + 20, 2) == bytes.size()) {
      return at;
    }
  }
  bytes.fail("no zip end-of-central-directory record (truncated or not a zip archive)");
}

Directory read_directory(const Bytes& bytes) {
  const size_t end = find_end_record(bytes);
  Directory dir{bytes.read(end + 10, 2), bytes.read(end + 16, 4), bytes.read(end + 12, 4)};
  if (bytes.read(end + 4, 2) != 0 || bytes.read(end + 6, 2) != 0) {
    bytes.fail("multi-disk zip archives are not supported");
  }
  const bool zip64 = dir.entries == 0xFFFF || dir.offset == 0xFFFFFFFF || dir.size == 0xFFFFFFFF;
  if (zip64) {
    if (end < zip64_locator_size || bytes.read(end - zip64_locator_size, 4) != zip64_locator_signature) {
      bytes.fail("zip64 sizes without a zip64 locator");
    }
    const uint64_t record = bytes.read(end - zip64_locator_size + 8, 8);
    bytes.need(record, zip64_end_size, "zip64 end record");
    if (bytes.read(record, 4) != zip64_end_signature) bytes.fail("bad zip64 end record signature");
    dir = {bytes.read(record + 32, 8), bytes.read(record + 48, 8), bytes.read(record + 40, 8)};
  }
  bytes.need(dir.offset, dir.size, "zip central directory");
  if (dir.entries > dir.size / central_header_size) {
    bytes.fail(fmt::format("zip central directory claims {} entries in {} bytes", dir.entries,
                           dir.size));
  }
  return dir;
}

// The zip64 extended-information extra field replaces the 32-bit fields that hold 0xFFFFFFFF.
void apply_zip64_extra(const Bytes& bytes, uint64_t extra, uint64_t extra_size, uint64_t& size,
                       uint64_t& compressed, uint64_t& local) {
  uint64_t at = extra;
  while (at + 4 <= extra + extra_size) {
    const uint64_t id = bytes.read(at, 2), length = bytes.read(at + 2, 2);
    if (at + 4 + length > extra + extra_size) bytes.fail("zip extra field runs past its record");
    if (id == 0x0001) {
      uint64_t field = at + 4;
      for (uint64_t* value : {&size, &compressed, &local}) {
        if (*value != 0xFFFFFFFF) continue;
        if (field + 8 > at + 4 + length) bytes.fail("zip64 extra field too short");
        *value = bytes.read(field, 8);
        field += 8;
      }
    }
    at += 4 + length;
  }
}

}  // namespace

bool ZipArchive::looks_like_zip(const uint8_t* data, size_t size) {
  return size >= 4 && data[0] == 'P' && data[1] == 'K' && data[2] == 3 && data[3] == 4;
}

ZipArchive ZipArchive::parse(const uint8_t* data, size_t size, const std::string& source) {
  const Bytes bytes(data, size, source);
  const Directory dir = read_directory(bytes);
  ZipArchive zip;
  zip.bytes_ = data;
  std::set<std::string, std::less<>> names;
  uint64_t at = dir.offset;
  for (uint64_t i = 0; i < dir.entries; ++i) {
    bytes.need(at, central_header_size, "zip central directory entry");
    if (bytes.read(at, 4) != central_header_signature) {
      bytes.fail(fmt::format("bad zip central directory signature at byte {}", at));
    }
    const uint64_t method = bytes.read(at + 10, 2), crc = bytes.read(at + 16, 4);
    uint64_t compressed = bytes.read(at + 20, 4), length = bytes.read(at + 24, 4);
    const uint64_t name_size = bytes.read(at + 28, 2), extra_size = bytes.read(at + 30, 2);
    const uint64_t comment_size = bytes.read(at + 32, 2);
    uint64_t local = bytes.read(at + 42, 4);
    bytes.need(at + central_header_size, name_size + extra_size + comment_size,
               "zip central directory entry");
    std::string name(reinterpret_cast<const char*>(data + at + central_header_size), name_size);
    apply_zip64_extra(bytes, at + central_header_size + name_size, extra_size, length, compressed,
                      local);
    if (method != 0 || compressed != length) {
      bytes.fail(fmt::format("zip entry '{}' is compressed (method {}); PyTorch files store "
                             "entries uncompressed", name, method));
    }
    bytes.need(local, local_header_size, "zip local header");
    if (bytes.read(local, 4) != local_header_signature) {
      bytes.fail(fmt::format("bad zip local header signature for '{}'", name));
    }
    const uint64_t start =
        local + local_header_size + bytes.read(local + 26, 2) + bytes.read(local + 28, 2);
    bytes.need(start, length, fmt::format("zip entry '{}'", name).c_str());
    if (crc32_z(0, data + start, length) != crc) {
      bytes.fail(fmt::format("zip entry '{}' fails its CRC check (corrupted)", name));
    }
    if (!names.insert(name).second) bytes.fail(fmt::format("zip entry '{}' appears twice", name));
    zip.entries_.push_back({std::move(name), start, length});
    at += central_header_size + name_size + extra_size + comment_size;
  }
  return zip;
}

const ZipEntry* ZipArchive::find(std::string_view name) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(),
                               [&](const ZipEntry& entry) { return entry.name == name; });
  return it == entries_.end() ? nullptr : &*it;
}

std::string_view ZipArchive::data(const ZipEntry& entry) const {
  return {reinterpret_cast<const char*>(bytes_ + entry.offset), static_cast<size_t>(entry.size)};
}

}  // namespace restora::pth

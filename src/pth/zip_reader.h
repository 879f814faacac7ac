// The zip container PyTorch writes since 1.6 (torch.save's default): every entry stored
// uncompressed, optionally with Zip64 records. Read from bytes in memory; each offset and
// length is checked before use, so a hostile or truncated file is a FormatError, never a read
// out of bounds.
//
//   ZipArchive zip = ZipArchive::parse(bytes.data(), bytes.size(), "model.pth");
//   for (const ZipEntry& e : zip.entries()) ...;
//   std::string_view pickle = zip.data("archive/data.pkl");
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace restora::pth {

struct ZipEntry {
  std::string name;
  uint64_t offset = 0;  // of the entry's bytes in the archive
  uint64_t size = 0;
};

class ZipArchive {
 public:
  // Throws FormatError "cannot read '<source>': <problem>" when there is no end-of-central-
  // directory record, a record is truncated or points outside the file, an entry is compressed
  // (torch.save never compresses), or two entries share a name. The bytes must outlive it.
  static ZipArchive parse(const uint8_t* data, size_t size, const std::string& source);

  // True when the bytes start like a zip archive (a local file header).
  static bool looks_like_zip(const uint8_t* data, size_t size);

  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry called `name`, or nullptr.
  const ZipEntry* find(std::string_view name) const;
  // The bytes of `entry` (one of entries()).
  std::string_view data(const ZipEntry& entry) const;

 private:
  const uint8_t* bytes_ = nullptr;
  std::vector<ZipEntry> entries_;
};

}  // namespace restora::pth

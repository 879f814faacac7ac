// The zip container reader on archives written by torch.save (fixtures) and damaged copies.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fileio/file_io.h"
#include "pth/zip_reader.h"
#include "restora/errors.h"

namespace restora::pth {
namespace {

std::vector<uint8_t> fixture(const std::string& name) {
  return fileio::read_file_bytes(std::string(RESTORA_PTH_FIXTURES) + "/" + name);
}

std::string refusal(const std::vector<uint8_t>& bytes) {
  try {
    ZipArchive::parse(bytes.data(), bytes.size(), "t.pth");
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST(ZipReader, ListsTorchSaveEntries) {
  const std::vector<uint8_t> bytes = fixture("nested.zip.pth");
  ASSERT_TRUE(ZipArchive::looks_like_zip(bytes.data(), bytes.size()));
  const ZipArchive zip = ZipArchive::parse(bytes.data(), bytes.size(), "t.pth");
  const ZipEntry* pickle = zip.find("nested.zip/data.pkl");
  ASSERT_NE(pickle, nullptr);
  EXPECT_EQ(zip.data(*pickle).substr(0, 2), std::string("\x80\x02"));
  const ZipEntry* version = zip.find("nested.zip/version");
  ASSERT_NE(version, nullptr);
  EXPECT_EQ(zip.data(*version), "3\n");
  EXPECT_GT(zip.entries().size(), 10u);  // data.pkl, version and one entry per storage
}

TEST(ZipReader, EveryTruncationIsRefused) {
  const std::vector<uint8_t> bytes = fixture("nested.zip.pth");
  for (size_t size = 0; size < bytes.size(); ++size) {
    const std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<ptrdiff_t>(size));
    EXPECT_NE(refusal(cut), "") << "cut at " << size;
  }
}

TEST(ZipReader, CorruptedDataFailsTheCrc) {
  std::vector<uint8_t> bytes = fixture("nested.zip.pth");
  const ZipArchive zip = ZipArchive::parse(bytes.data(), bytes.size(), "t.pth");
  const ZipEntry* pickle = zip.find("nested.zip/data.pkl");
  bytes[pickle->offset + 5] ^= 0x40;
  const std::string text = refusal(bytes);
  EXPECT_NE(text.find("'nested.zip/data.pkl' fails its CRC"), std::string::npos) << text;
}

TEST(ZipReader, CompressedEntriesAreRefused) {
  std::vector<uint8_t> bytes = fixture("nested.zip.pth");
  // the first central directory entry's method field: find its signature
  for (size_t at = 0; at + 4 < bytes.size(); ++at) {
    if (bytes[at] == 'P' && bytes[at + 1] == 'K' && bytes[at + 2] == 1 && bytes[at + 3] == 2) {
      bytes[at + 10] = 8;  // deflate
      break;
    }
  }
  EXPECT_NE(refusal(bytes).find("compressed (method 8)"), std::string::npos);
}

TEST(ZipReader, NotAZipIsRefused) {
  EXPECT_NE(refusal(std::vector<uint8_t>(100, 0)).find("end-of-central-directory"), std::string::npos);
  EXPECT_NE(refusal({}).find("too short"), std::string::npos);
}

}  // namespace
}  // namespace restora::pth

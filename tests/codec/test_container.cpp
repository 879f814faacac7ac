#include <gtest/gtest.h>

#include "codec/container.h"
#include "restora/errors.h"

namespace restora::codec {
namespace {

Container sample() {
  Container c;
  c.model = "codec";
  c.fingerprint = 0xdeadbeef;
  c.level = 3;
  c.width = 771;
  c.height = 513;
  c.color = ColorFormat::gray8;
  c.pad_right = 61;
  c.pad_bottom = 63;
  c.sections = {{1, 2, 3}, std::vector<uint8_t>(300, 7)};
  return c;
}

TEST(Container, RoundTripsEveryField) {
  const auto bytes = write_container(sample());
  EXPECT_TRUE(looks_like_container(bytes.data(), bytes.size()));
  const auto c = read_container(bytes.data(), bytes.size());
  EXPECT_EQ(c.model, "codec");
  EXPECT_EQ(c.fingerprint, 0xdeadbeef);
  EXPECT_EQ(c.level, 3);
  EXPECT_EQ(c.width, 771);
  EXPECT_EQ(c.height, 513);
  EXPECT_EQ(c.color, ColorFormat::gray8);
  EXPECT_EQ(c.pad_right, 61);
  EXPECT_EQ(c.pad_bottom, 63);
  EXPECT_EQ(c.sections, sample().sections);
  // magic 4, version 1, name 1+5, fingerprint 4, level 1, size 4, colour 1, padding 2,
  // count 1, lengths 1+2, sections 303, CRC 4
  EXPECT_EQ(bytes.size(), 334u);
}

TEST(Container, AnyChangedByteOrTruncationIsAFormatError) {
  const auto bytes = write_container(sample());
  for (size_t at = 0; at < bytes.size(); ++at)
    for (uint8_t flip : {0x01, 0x80, 0xff}) {
      auto changed = bytes;
      changed[at] ^= flip;
      EXPECT_THROW(read_container(changed.data(), changed.size()), FormatError) << at;
    }
  for (size_t size = 0; size < bytes.size(); ++size)
    EXPECT_THROW(read_container(bytes.data(), size), FormatError) << size;
}

TEST(Container, RefusesToWriteWhatItCouldNotRead) {
  auto c = sample();
  c.width = 16384;
  c.height = 16384;  // 2^28 pixels > max_pixels
  EXPECT_THROW(write_container(c), InvalidArgument);
  c = sample();
  c.model = "bad name";
  EXPECT_THROW(write_container(c), InvalidArgument);
  c = sample();
  c.level = 0;
  EXPECT_THROW(write_container(c), InvalidArgument);
  c = sample();
  c.sections.clear();
  EXPECT_THROW(write_container(c), InvalidArgument);
}

}  // namespace
}  // namespace restora::codec

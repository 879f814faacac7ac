#include <gtest/gtest.h>

#include <algorithm>

#include "compression/tiling.h"

namespace restora::compression {
namespace {

// The latents the fixed 32-latent tiles computed before tiles_for chose the cut.
int64_t fixed_tile_extent(int64_t size, int64_t context) {
  int64_t total = 0;
  for (int64_t start = 0; start < size; start += 32)
    total += std::min(size, start + 32 + context) - std::max<int64_t>(0, start - context);
  return total;
}

// Kept centres side by side cover [0, size) once; each tile has `context` latents beyond its
// centre on both sides, or the grid's edge.
void expect_valid_axis(const std::vector<TileSpan>& spans, int64_t size, int64_t context) {
  ASSERT_FALSE(spans.empty());
  int64_t next = 0;
  for (const auto& span : spans) {
    EXPECT_EQ(span.begin + span.keep_begin, next);
    EXPECT_LT(span.keep_begin, span.keep_end);
    EXPECT_TRUE(span.begin == 0 || span.keep_begin >= context);
    EXPECT_TRUE(span.end == size || span.end - span.begin - span.keep_end >= context);
    EXPECT_GE(span.begin, 0);
    EXPECT_LE(span.end, size);
    next = span.begin + span.keep_end;
  }
  EXPECT_EQ(next, size);
}

TEST(CodecTiling, KodakImagesAreOneTile) {
  for (const auto& [height, width] : {std::pair<int64_t, int64_t>{32, 48}, {48, 32}, {64, 64}}) {
    const auto tiles = tiles_for(height, width, 16);
    ASSERT_EQ(tiles.rows.size(), 1u);
    ASSERT_EQ(tiles.cols.size(), 1u);
    EXPECT_EQ(tiles.rows[0].end, height);
    EXPECT_EQ(tiles.cols[0].end, width);
    EXPECT_EQ(tiles.computed_latents(), height * width);  // no latent computed twice
  }
  const auto larger = tiles_for(64, 65, 16);
  EXPECT_GT(larger.rows.size() * larger.cols.size(), 1u) << "past the memory bound";
  EXPECT_GT(larger.computed_latents(), 64 * 65);  // the tiles' contexts overlap
}

TEST(CodecTiling, TilesCoverTheGridWithinTheMemoryBoundAndNeverCostMoreThanFixedTiles) {
  for (int64_t context : {8, 16, 40})
    for (int64_t height : {1, 4, 31, 68, 130, 513})
      for (int64_t width : {1, 7, 48, 120, 255, 1024}) {
        const auto tiles = tiles_for(height, width, context);
        SCOPED_TRACE(testing::Message() << height << "x" << width << " context " << context);
        expect_valid_axis(tiles.rows, height, context);
        expect_valid_axis(tiles.cols, width, context);
        const int64_t bound = (32 + 2 * context) * (32 + 2 * context);
        for (const auto& rows : tiles.rows)
          for (const auto& cols : tiles.cols)
            EXPECT_LE((rows.end - rows.begin) * (cols.end - cols.begin), bound);
        EXPECT_LE(tiles.computed_latents(),
                  fixed_tile_extent(height, context) * fixed_tile_extent(width, context));
      }
}

}  // namespace
}  // namespace restora::compression

// Tile geometry of src/image/tiles.
#include <gtest/gtest.h>
#include <restora/errors.h>

#include "image/tiles.h"

namespace restora {
namespace {

// Checks every property plan_tiles promises for one call.
void check_plan(cv::Size size, int tile, int overlap, int alignment) {
  SCOPED_TRACE(::testing::Message()
               << size << " tile " << tile << " overlap " << overlap << " alignment " << alignment);
  const std::vector<Tile> tiles = plan_tiles(size, tile, overlap, alignment);
  ASSERT_FALSE(tiles.empty());
  const cv::Rect whole(cv::Point(0, 0), size);
  cv::Mat owners(size, CV_32S, cv::Scalar(0));
  const bool single = tile <= 0 || (tile >= size.width && tile >= size.height);
  const int step = (tile + alignment - 1) / alignment * alignment;
  const int margin = (overlap + alignment - 1) / alignment * alignment;
  for (const Tile& current : tiles) {
    ASSERT_FALSE(current.core.empty());
    ASSERT_EQ(current.core & whole, current.core);
    ASSERT_EQ(current.context & whole, current.context);
    ASSERT_EQ(current.context & current.core, current.core);
    owners(current.core) += 1;
    if (single) continue;
    EXPECT_EQ(current.core.x % alignment, 0);
    EXPECT_EQ(current.core.y % alignment, 0);
    EXPECT_EQ(current.context.x % alignment, 0);
    EXPECT_EQ(current.context.y % alignment, 0);
    EXPECT_LE(current.core.width, step);
    EXPECT_LE(current.core.height, step);
    // The context is the core grown by the margin, clipped to the image.
    const cv::Rect grown(current.core.x - margin, current.core.y - margin,
                         current.core.width + 2 * margin, current.core.height + 2 * margin);
    EXPECT_EQ(current.context, grown & whole);
  }
  double lowest = 0, highest = 0;
  cv::minMaxLoc(owners, &lowest, &highest);
  EXPECT_EQ(lowest, 1) << "a pixel belongs to no core";
  EXPECT_EQ(highest, 1) << "a pixel belongs to two cores";
}

TEST(PlanTiles, CoresPartitionTheImage) {
  const cv::Size sizes[] = {{1, 1},   {1, 37},  {37, 1},   {64, 64},
                            {65, 63}, {100, 7}, {128, 96}, {257, 130}};
  for (const cv::Size size : sizes) {
    for (const int tile : {-1, 0, 1, 5, 16, 32, 64, 300}) {
      for (const int overlap : {0, 1, 8, 13}) {
        for (const int alignment : {1, 2, 8}) check_plan(size, tile, overlap, alignment);
      }
    }
  }
}

TEST(PlanTiles, MatchesReferencePlan) {
  // From tests/image/reference/image_reference.py: 10×7, tile 4, overlap 1,
  // alignment 2 (overlap rounds up to 2).
  const std::vector<std::pair<cv::Rect, cv::Rect>> expected = {
      {{0, 0, 4, 4}, {0, 0, 6, 6}}, {{4, 0, 4, 4}, {2, 0, 8, 6}}, {{8, 0, 2, 4}, {6, 0, 4, 6}},
      {{0, 4, 4, 3}, {0, 2, 6, 5}}, {{4, 4, 4, 3}, {2, 2, 8, 5}}, {{8, 4, 2, 3}, {6, 2, 4, 5}},
  };
  const std::vector<Tile> tiles = plan_tiles({10, 7}, 4, 1, 2);
  ASSERT_EQ(tiles.size(), expected.size());
  for (std::size_t index = 0; index < tiles.size(); ++index) {
    EXPECT_EQ(tiles[index].core, expected[index].first) << index;
    EXPECT_EQ(tiles[index].context, expected[index].second) << index;
  }
}

TEST(PlanTiles, OneTileWhenTilingIsOffOrTheTileCoversTheImage) {
  const cv::Rect whole(0, 0, 30, 20);
  for (const int tile : {0, -5, 30, 1000}) {
    const std::vector<Tile> tiles = plan_tiles({30, 20}, tile, 4, 8);
    ASSERT_EQ(tiles.size(), 1u) << tile;
    EXPECT_EQ(tiles[0].core, whole);
    EXPECT_EQ(tiles[0].context, whole);
  }
  // A tile that covers only one dimension still splits the other.
  EXPECT_EQ(plan_tiles({30, 20}, 25, 0, 1).size(), 2u);
}

TEST(PlanTiles, TileAndOverlapRoundUpToAlignment) {
  const std::vector<Tile> tiles = plan_tiles({40, 10}, 10, 3, 8);  // tile 16, overlap 8
  ASSERT_EQ(tiles.size(), 3u);
  EXPECT_EQ(tiles[1].core, cv::Rect(16, 0, 16, 10));
  EXPECT_EQ(tiles[1].context, cv::Rect(8, 0, 32, 10));
  EXPECT_EQ(tiles[2].core, cv::Rect(32, 0, 8, 10));
}

TEST(PlanTiles, HugeOverlapIsClippedNotOverflowed) {
  const std::vector<Tile> tiles = plan_tiles({50, 50}, 16, 2147483000, 8);
  for (const Tile& tile : tiles) EXPECT_EQ(tile.context, cv::Rect(0, 0, 50, 50));
}

TEST(PlanTiles, InvalidArgumentsThrow) {
  EXPECT_THROW(plan_tiles({10, 10}, 4, 0, 0), InvalidArgument);
  EXPECT_THROW(plan_tiles({10, 10}, 4, -1, 1), InvalidArgument);
  EXPECT_THROW(plan_tiles({0, 10}, 4, 0, 1), InvalidArgument);
  EXPECT_THROW(plan_tiles({10, -1}, 4, 0, 1), InvalidArgument);
}

}  // namespace
}  // namespace restora

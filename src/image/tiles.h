// Tile geometry for tiled inference: which part of the input each tile
// reads (context) and which part of the output it owns (core).
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace restora {

struct Tile {
  // The region of the input whose output this tile owns. The cores of a
  // plan partition the image: no overlap, no gap.
  cv::Rect core;
  // core grown by the overlap on every side, clipped to the image: what the
  // network reads so that the core's output does not see the tile border.
  cv::Rect context;
};

// value rounded up to a multiple of `multiple` (> 0); value >= 0.
std::int64_t round_up(std::int64_t value, std::int64_t multiple);

// tile <= 0, or tile >= both image dimensions: one tile covering the image.
// Otherwise tile and overlap are rounded up to multiples of alignment and
// the cores are tile×tile squares in row-major order from the origin (the
// last row and column smaller), so every core and context starts at a
// multiple of alignment. alignment < 1, overlap < 0 or an empty image throw
// restora::InvalidArgument.
std::vector<Tile> plan_tiles(cv::Size image, int tile, int overlap, int alignment);

}  // namespace restora

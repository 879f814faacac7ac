#include "image/tiles.h"

#include <fmt/format.h>
#include <restora/errors.h>

#include <algorithm>
#include <cstdint>

namespace restora {

std::int64_t round_up(std::int64_t value, std::int64_t multiple) {
  return (value + multiple - 1) / multiple * multiple;
}

std::vector<Tile> plan_tiles(cv::Size image, int tile, int overlap, int alignment) {
  if (image.width <= 0 || image.height <= 0) {
    throw InvalidArgument(
        fmt::format("cannot plan tiles for an empty {}x{} image", image.width, image.height));
  }
  if (alignment < 1)
    throw InvalidArgument(fmt::format("tile alignment {} is less than 1", alignment));
  if (overlap < 0) throw InvalidArgument(fmt::format("tile overlap {} is negative", overlap));

  const cv::Rect whole(0, 0, image.width, image.height);
  if (tile <= 0 || (tile >= image.width && tile >= image.height)) return {Tile{whole, whole}};

  // 64-bit so that rounding a huge overlap up cannot overflow; the context
  // is clipped to the image anyway.
  const std::int64_t step = round_up(tile, alignment);
  const std::int64_t margin = round_up(overlap, alignment);
  std::vector<Tile> tiles;
  for (std::int64_t y = 0; y < image.height; y += step) {
    for (std::int64_t x = 0; x < image.width; x += step) {
      const std::int64_t right = std::min<std::int64_t>(x + step, image.width);
      const std::int64_t bottom = std::min<std::int64_t>(y + step, image.height);
      const std::int64_t context_x = std::max<std::int64_t>(x - margin, 0);
      const std::int64_t context_y = std::max<std::int64_t>(y - margin, 0);
      const std::int64_t context_right = std::min<std::int64_t>(right + margin, image.width);
      const std::int64_t context_bottom = std::min<std::int64_t>(bottom + margin, image.height);
      tiles.push_back({cv::Rect(int(x), int(y), int(right - x), int(bottom - y)),
                       cv::Rect(int(context_x), int(context_y), int(context_right - context_x),
                                int(context_bottom - context_y))});
    }
  }
  return tiles;
}

}  // namespace restora

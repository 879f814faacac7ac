#include "compression/tiling.h"

#include <algorithm>
#include <limits>

namespace restora::compression {
namespace {

constexpr int64_t bounded_tile = 32;

// `size` latents cut into tiles of `step` (the last one may be shorter).
std::vector<TileSpan> spans(int64_t size, int64_t step, int64_t context) {
  std::vector<TileSpan> result;
  for (int64_t start = 0; start < size; start += step) {
    const int64_t begin = std::max<int64_t>(0, start - context);
    const int64_t end = std::min(size, start + step + context);
    result.push_back({begin, end, start - begin, std::min(size, start + step) - begin});
  }
  return result;
}

int64_t largest_extent(const std::vector<TileSpan>& spans) {
  int64_t largest = 0;
  for (const auto& span : spans) largest = std::max(largest, span.end - span.begin);
  return largest;
}

int64_t total_extent(const std::vector<TileSpan>& spans) {
  int64_t total = 0;
  for (const auto& span : spans) total += span.end - span.begin;
  return total;
}

}  // namespace

int64_t Tiles::computed_latents() const { return total_extent(rows) * total_extent(cols); }

Tiles tiles_for(int64_t height, int64_t width, int64_t context) {
  const int64_t side = bounded_tile + 2 * context, budget = side * side;
  Tiles best;
  int64_t best_work = std::numeric_limits<int64_t>::max();
  // For each height of tile rows, the widest columns that keep every tile within the budget.
  for (int64_t row_step = 1; row_step <= height; ++row_step) {
    Tiles cut;
    cut.rows = spans(height, row_step, context);
    const int64_t allowed = budget / largest_extent(cut.rows);
    if (allowed < width && allowed < 1 + 2 * context) continue;
    cut.cols = spans(width, allowed >= width ? width : allowed - 2 * context, context);
    const int64_t work = cut.computed_latents();
    if (work < best_work) {
      best_work = work;
      best = std::move(cut);
    }
  }
  return best;
}

}  // namespace restora::compression

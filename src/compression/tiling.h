// How the codec's transforms cut a latent grid into tiles, so that their activations stay bounded
// whatever the image size: each tile is computed with `context` latents of its neighbours on every
// side (more than the transforms' receptive radii) and only its centre is kept, so tiles decode
// as the whole image would, up to float rounding.
#pragma once

#include <cstdint>
#include <vector>

namespace restora::compression {

// One tile along one axis, in latents: computed over [begin, end), of which [keep_begin, keep_end)
// (relative to begin) is kept, at [begin + keep_begin, begin + keep_end) in the grid.
struct TileSpan {
  int64_t begin, end, keep_begin, keep_end;
};

// Every tile is one row span by one column span.
struct Tiles {
  std::vector<TileSpan> rows, cols;
  // The latents the transforms compute over all tiles: (Σ row extents)·(Σ column extents), a
  // latent in the context of several tiles counted once for each.
  int64_t computed_latents() const;
};

// The tiles of a height×width latent grid that compute the fewest latents in all, each tile with
// its context no larger than a 32-latent square one with its context (512² pixels plus context,
// the activations' memory bound). A grid up to (32 + 2·context)² latents is one tile: with the
// shipped codec's context of 16, a 1024×1024 image, so that no Kodak image computes any latent
// twice.
Tiles tiles_for(int64_t height, int64_t width, int64_t context);

}  // namespace restora::compression

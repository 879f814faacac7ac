// A tiny randomly initialised learned-codec network, apart from tiny_model.h so that tests
// without Torch need not include the network's headers.
#pragma once

#include <cstdint>

#include "compression/hyperprior_codec.h"

namespace restora::testing {

// 8 features, 12 latent and 8 side channels, 3 quality levels, the shipped linear shortcut, a
// checkerboard context, extra blocks, latent residual prediction and channel slices if asked;
// weights from torch::manual_seed(seed).
compression::HyperpriorCodec tiny_codec_network(uint64_t seed, bool checkerboard = false,
                                                int extra_blocks = 0, bool residual_prediction = false,
                                                int channel_slices = 1);

}  // namespace restora::testing

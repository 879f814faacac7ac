// A tiny randomly initialised learned-codec network, apart from tiny_model.h so that tests
// without Torch need not include the network's headers.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>

#include "compression/hyperprior_codec.h"

namespace restora::testing {

// 8 features, 12 latent and 8 side channels, 3 quality levels and the shipped linear shortcut,
// with `settings` (CodecShape's JSON keys, e.g. {{"checkerboard_context", true}}) over them;
// weights from torch::manual_seed(seed).
compression::HyperpriorCodec tiny_codec_network(uint64_t seed, const nlohmann::json& settings = nlohmann::json::object());

}  // namespace restora::testing

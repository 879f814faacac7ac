// Runs a restoration network over an image of any size, tile by tile, so that memory does
// not grow with the image and tiled output equals untiled output.
#pragma once

#include <opencv2/core.hpp>
#include <torch/types.h>

#include "archs/network.h"
#include "nn/precision.h"

namespace restora {

struct EngineOptions {
  int tile = 0;         // input pixels per tile side; 0 = automatic
  int overlap = -1;     // context pixels per tile side; -1 = the network's receptive radius
  nn::Precision precision = nn::Precision::fp32;
  torch::Device device = torch::kCPU;
};

// Tile side chosen when EngineOptions::tile is 0.
int automatic_tile(int scale);

// lq: H×W CV_32FC(C) in the network's input range; condition: value of the conditioning map
// (ignored by networks without one). -> (scale·H)×(scale·W) CV_32FC(C_out), not clipped.
// The network must be in eval mode; it runs under inference mode.
cv::Mat run_tiled(archs::RestorationNetworkImpl& network, const cv::Mat& lq, float condition,
                  int scale, const EngineOptions& options);

}  // namespace restora

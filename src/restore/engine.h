// Runs a restoration network over an image of any size, tile by tile, so that memory does
// not grow with the image and tiled output equals untiled output.
#pragma once

#include <opencv2/core.hpp>
#include <torch/types.h>

#include <cstdint>
#include <functional>

#include "archs/network.h"
#include "image/condition_maps.h"
#include "nn/precision.h"

namespace restora {

struct EngineOptions {
  int tile = 0;         // input pixels per tile side; 0 = the largest that fits max_memory
  int overlap = -1;     // context pixels per tile side; -1 = the network's receptive radius
  nn::Precision precision = nn::Precision::fp32;
  torch::Device device = torch::kCPU;
  // Tensor memory allowed while running (bytes, counted by restore/tensor_memory.h and
  // enforced as a cap during run_tiled); 0 = default_max_memory().
  std::uint64_t max_memory = 0;
  // What run_tiled returns: CV_32F (unclipped) or CV_8U / CV_16U, each tile clipped and rounded
  // as write_image does, so a large output is never held in float.
  int output_depth = CV_32F;
  // Called after each tile with the tiles done and their count (a run again with smaller tiles
  // after an allocation failure starts over). It may throw (restora::Cancelled) to stop.
  std::function<void(int done, int total)> on_tile;
};

// A quarter of the machine's physical memory (1 GiB when unknown).
std::uint64_t default_max_memory();

// The tile side (input pixels) that keeps the network's tensor memory within
// options.max_memory: two small probe runs measure the bytes per pixel of a tile's context,
// the rest is arithmetic. At least the network's size multiple, at most 2048.
int choose_tile(archs::RestorationNetworkImpl& network, int scale, const EngineOptions& options);

// lq: H×W with C channels, CV_32F in the network's input range or CV_8U / CV_16U (converted a
// tile at a time); maps: the network's condition maps in its order (as many as its traits'
// condition_channels), each cut per tile exactly like lq; kernel: the blur kernel (CV_32FC1, odd
// sides) a network with traits.takes_kernel needs, the same for every tile (its FFT data step
// treats each tile as periodic: tiles approximate the whole image there). -> (scale·H)×(scale·W)
// with C_out channels of options.output_depth.
// The network must be in eval mode; it runs under inference mode. options.tile 0 uses
// choose_tile (images up to 256×256 run whole). When an allocation fails (past max_memory or
// in the system) the image is run again with tiles of half the side, down to the minimum;
// failing there too throws restora::Error naming the budget.
cv::Mat run_tiled(archs::RestorationNetworkImpl& network, const cv::Mat& lq,
                  const ConditionMaps& maps, int scale, const EngineOptions& options,
                  const cv::Mat& kernel = cv::Mat());

}  // namespace restora

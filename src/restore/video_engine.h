// Runs a recurrent video network (archs/recurrent.h) over a stream of frames, tile by tile,
// each tile carrying its own recurrent state: memory stays flat in the clip's length (a frame
// in, a frame out) and bounded in the frame's size.
//
//   VideoEngine engine(network, 4, options);
//   while (read(frame)) write(engine.push(frame));   // restored frame, same order
//
// A tile's state covers its context (core + overlap); what crosses the context's edge is cut,
// so tiles differ from the whole frame once the state has carried information further than the
// overlap. With overlap >= (frames so far) × receptive radius they are equal.
#pragma once

#include <opencv2/core.hpp>
#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "archs/recurrent.h"
#include "image/tiles.h"
#include "nn/precision.h"

namespace restora {

struct VideoEngineOptions {
  // Input pixels per tile side; 0 = whole frames when one frame's tensors fit max_memory (probed
  // as the image engine's choose_tile does), else the largest tile that fits.
  int tile = 0;
  int overlap = -1;  // context pixels per tile side; -1 = 4 × the network's receptive radius
  std::uint64_t max_memory = 0;  // tensor bytes one tile may use; 0 = default_max_memory()
  nn::Precision precision = nn::Precision::fp32;
  torch::Device device = torch::kCPU;
};

class VideoEngine {
 public:
  // The network must be in eval mode and outlive the engine.
  VideoEngine(archs::RecurrentNetworkImpl& network, int scale, const VideoEngineOptions& options);
  // frame: H×W with the network's channels, CV_32F in [0, 1] or CV_8U; every frame of a stream
  // the size of the first (InvalidArgument otherwise) -> (scale·H)×(scale·W) CV_32F, unclipped.
  cv::Mat push(const cv::Mat& frame);
  // Forgets the state: the next frame starts a new clip (a scene cut).
  void reset();
  int frames() const { return frames_; }  // pushed since the start or the last reset
  int overlap() const { return overlap_; }
  size_t tiles() const { return tiles_.size(); }  // planned at the first frame

  // Everything the next frame depends on, as named CPU fp32 tensors (tile I's "tI.hidden", ...)
  // and the frame count and size, so a stopped run can go on exactly where it stopped.
  struct Snapshot {
    std::vector<std::pair<std::string, torch::Tensor>> tensors;
    int frames = 0;
    cv::Size size;
  };
  Snapshot snapshot() const;
  // Takes a snapshot of an engine with the same network, scale and tiles; a mismatch ->
  // FormatError.
  void restore(const Snapshot& snapshot);

 private:
  archs::RecurrentNetworkImpl& network_;
  int scale_;
  VideoEngineOptions options_;
  int overlap_;
  cv::Size size_;
  std::vector<Tile> tiles_;
  std::vector<archs::RecurrentState> states_;
  int frames_ = 0;
};

}  // namespace restora

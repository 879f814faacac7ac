// Synthetic video made from one still photo: what the recurrent video networks train on, since
// no video training set is available here. A virtual camera moves smoothly over the still
// (sub-pixel translation with momentum, a slow rotation and zoom), objects cut from elsewhere in
// the photo move across the view on their own paths and occlude what is behind them, and the
// exposure drifts. The task's degradation is then applied per frame by the caller.
//
//   Rng rng(seed);
//   restora::SequenceOptions options;               // 7 frames of 64×64
//   restora::Sequence clip = restora::make_sequence(still_f32, rng, options);
//   // clip.frames[t]: CV_32F in [0, 1]; clip.camera[t]: where frame t's pixels come from
#pragma once

#include <opencv2/core.hpp>

#include <vector>

#include "degrade/random.h"

namespace restora {

struct SequenceOptions {
  int frames = 7;
  cv::Size size{64, 64};      // each frame's size
  double max_speed = 3.0;     // the camera's translation per frame, pixels (a cap on its speed)
  double max_turn = 0.5;      // its rotation per frame, degrees
  double max_zoom = 0.01;     // its relative change of scale per frame
  int max_objects = 2;        // objects moving on their own: 0 .. max_objects per clip
  double max_exposure = 0.03;  // relative change of brightness per frame
};

struct Sequence {
  std::vector<cv::Mat> frames;      // CV_32F, the still's channels, in [0, 1]
  // Frame t's pixel (x, y) shows the still's point camera[t]·(x, y, 1) (objects aside).
  std::vector<cv::Matx23d> camera;
};

// still: CV_32FC1 or CV_32FC3 in [0, 1], larger than options.size (the camera starts where its
// path, drawn first, stays inside the still as far as the still allows; beyond, the still is
// reflected). Velocities change smoothly: each frame adds a normal step of a quarter of the cap
// to the previous velocity, clipped to the cap. Every draw comes from rng. Options out of range
// (frames < 1, an empty size, negative caps) -> InvalidArgument.
Sequence make_sequence(const cv::Mat& still, Rng& rng, const SequenceOptions& options = {});

}  // namespace restora

// The in-memory image every Restora module exchanges.
#pragma once

#include <opencv2/core.hpp>

namespace restora {

// pixels: H×W CV_32FC1 (gray) or CV_32FC3 in RGB order (not OpenCV's BGR),
//         nominal range [0,1]; values are never clipped on input so float
//         inputs (e.g. noisy images of the denoising protocol) survive.
// alpha:  empty, or H×W CV_32FC1 in [0,1], carried beside the colour.
// bit_depth: 8, 16 or 32 (float) as read from the file; outputs follow it
//            unless the caller asks otherwise.
struct Image {
  cv::Mat pixels;
  cv::Mat alpha;
  int bit_depth = 8;

  int width() const { return pixels.cols; }
  int height() const { return pixels.rows; }
  int channels() const { return pixels.channels(); }
  bool has_alpha() const { return !alpha.empty(); }
};

}  // namespace restora

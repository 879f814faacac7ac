// The in-memory image every Restora module exchanges.
#pragma once

#include <opencv2/core.hpp>

namespace restora {

// pixels: H×W, one channel (gray) or three in RGB order (not OpenCV's BGR), stored as
//         - CV_32F, nominal range [0,1], never clipped on input so float inputs (e.g. noisy
//           images of the denoising protocol) survive: what read_image gives by default;
//         - or the file's own integers, CV_8U or CV_16U (read_image with
//           ReadOptions::integer_samples): 4× or 2× less memory for large images.
//         Restorer::restore and write_image take either.
// alpha:  empty, or H×W with one channel, stored like the pixels, carried beside the colour.
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

// JPEG compression: the degradation of the JPEG artifact-removal protocol.
#pragma once

#include <opencv2/core.hpp>
#include <vector>

#include "degrade/random.h"

namespace restora {

// image_u8: H×W CV_8UC1 (encoded as a grayscale JPEG) or CV_8UC3 in RGB
// order (YCbCr JPEG with 4:2:0 chroma, libjpeg's default). quality: 1..100.
// Returns the complete JPEG file (libjpeg through cv::imencode).
std::vector<uchar> jpeg_encode(const cv::Mat& image_u8, int quality);

// jpeg_encode() then decode: CV_8U with the input's channel count and order.
cv::Mat jpeg_roundtrip(const cv::Mat& image_u8, int quality);

// Quality for blind training: uniform integer in [lo, hi], 1 <= lo <= hi <= 100.
int sample_quality(int lo, int hi, Rng& rng);

}  // namespace restora

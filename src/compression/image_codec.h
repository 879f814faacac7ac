// Compressing an 8-bit image to .rci bytes and back with a learned codec model.
//
//   auto model = compression::load_codec_model(resolve_model("codec"));
//   std::vector<uint8_t> file = compression::compress(model, rgb_u8, /*level=*/4);
//   cv::Mat decoded = compression::decompress(model, file);   // RGB (or gray) 8-bit
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "compression/tensor_codec.h"

namespace restora::compression {

// image: H×W CV_8UC3 (RGB) or CV_8UC1; level: 1 … model.levels() (1 = smallest files).
std::vector<uint8_t> compress(CodecModel& model, const cv::Mat& image, int level,
                              Quantization quantization = Quantization::rate_distortion,
                              double distortion_price = default_distortion_price);

// Bytes of an .rci file made with this model -> the image (CV_8UC3 RGB or CV_8UC1).
// FormatError for anything malformed, ModelMismatch when the file names another model.
cv::Mat decompress(CodecModel& model, const std::vector<uint8_t>& bytes);

}  // namespace restora::compression

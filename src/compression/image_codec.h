// Compressing an image to .rci bytes and back with a learned codec model.
//
//   auto model = compression::load_codec_model(resolve_model("codec"));
//   std::vector<uint8_t> file = compression::compress(model, rgb_u8, /*level=*/4);
//   cv::Mat decoded = compression::decompress(model, file);   // RGB (or gray) 8-bit
//
// The entropy-coded symbols depend only on integer arithmetic (tables, integer entropy-model networks),
// so decoding reads back exactly the symbols written; the networks run in fp32.
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "codec/container.h"
#include "compression/codec_model.h"

namespace restora::compression {

// How the encoder turns latents into integers; the decoder reads either the same way.
enum class Quantization {
  rounding,         // the nearest integer, as in training
  rate_distortion,  // of the two integers around a latent, the one cheaper in distortion + bits
};

// image: H×W CV_8UC3 (RGB) or CV_8UC1; level: 1 … model.levels() (1 = smallest files).
std::vector<uint8_t> compress(CodecModel& model, const cv::Mat& image, int level,
                              Quantization quantization = Quantization::rate_distortion);

// Bytes of an .rci file made with this model -> the image (CV_8UC3 RGB or CV_8UC1).
// FormatError for anything malformed, ModelMismatch when the file names another model.
cv::Mat decompress(CodecModel& model, const std::vector<uint8_t>& bytes);

// The header of an .rci file, checked (FormatError).
codec::Container read_header(const std::vector<uint8_t>& bytes);

}  // namespace restora::compression

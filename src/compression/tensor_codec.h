// The learned codec between image tensors and .rci bytes, without OpenCV (compression/image_codec.h
// adds 8-bit images on top), so that tools built beside another LibTorch can code and decode too.
//
// The entropy-coded symbols depend only on integer arithmetic (tables, integer entropy-model
// networks), so decoding reads back exactly the symbols written; the networks run in fp32.
#pragma once

#include <torch/types.h>

#include <cstdint>
#include <vector>

#include "codec/container.h"
#include "compression/codec_model.h"

namespace restora::compression {

// How the encoder turns latents into integers; the decoder reads either the same way.
enum class Quantization {
  rounding,         // the nearest integer, as in training
  rate_distortion,  // of the two integers around a latent, the one cheaper in distortion + bits
};

// Rate-distortion quantization prices a squared latent error of channel c at
// price·λ·255²·g_c² bits (g_c the channel's inverse gain at the level; docs/CODEC_FORMAT.md).
// The default was the best on BSDS400 training images (bench/tune_quantization).
constexpr double default_distortion_price = 0.16;

// The header of the file that codes a width×height image at `level` (1 … model.levels()), with
// the padding the image needs (pad_right, pad_bottom); InvalidArgument for a level the model
// lacks or an image too large for the format.
codec::Container file_header(const CodecModel& model, int width, int height,
                             codec::ColorFormat color, int level);

// padded: 1×3×(height + pad_bottom)×(width + pad_right), RGB in [0, 1], the image's last row and
// column repeated into file_header's padding -> the .rci file's bytes.
std::vector<uint8_t> compress_tensor(CodecModel& model, const torch::Tensor& padded, int width,
                                     int height, codec::ColorFormat color, int level,
                                     Quantization quantization = Quantization::rate_distortion,
                                     double distortion_price = default_distortion_price);

// The header of an .rci file, checked (FormatError).
codec::Container read_header(const std::vector<uint8_t>& bytes);

// What a file codes, in integers: each latent's symbol (the latent minus its mean, quantized)
// and the fixed-point mean and log-scale (value·2^fraction_bits) that coded it. In a file,
// int64 1×M×h×w each; the same on every machine, thread count and precision.
struct CodedLatents {
  torch::Tensor symbols;
  FixedPointParameters parameters;
};

// A file read by read_header -> the integers it codes. FormatError for anything malformed,
// ModelMismatch when the file names another model.
CodedLatents decode_latents(CodecModel& model, const codec::Container& file);

// A file's decoded integers at its quality `level` -> its padded RGB image, 1×3×H×W float in
// [0, 1] (crop to the header's width and height), by the float networks (fp32; another CPU's
// kernels may round an output value the other way); InvalidArgument for a level the model lacks.
torch::Tensor reconstruct(CodecModel& model, const CodedLatents& coded, int level);

}  // namespace restora::compression

// The hyper-synthesis h_s run in exact integer arithmetic, so that the encoder and every decoder
// derive bit-identical means and scale-table indices from ẑ (Ballé et al. 2019, "Integer
// networks for data compression with latent-variable models", in the simplest form that holds:
// post-training fixed point).
//
// Activations carry `fraction_bits` fractional bits and are clamped to ±2^(fraction_bits+10);
// weights carry `weight_bits`. Each layer's sums are computed in float64 on integer-valued
// operands: the load-time bound kernel·2^(fraction_bits+10)·max|w| + max|b| < 2^52 keeps every
// product and partial sum an exactly representable integer, so the result is the same for any
// summation order, thread count, BLAS or machine. Rescaling divides by a power of two (exact)
// and floors. It always runs on the CPU.
#pragma once

#include <torch/nn/modules/container/sequential.h>
#include <torch/types.h>

#include <string>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::compression {

struct FixedPointParameters {
  torch::Tensor mean;       // int64, 1×M×h×w, value·2^fraction_bits
  torch::Tensor log_scale;  // int64, same
};

class IntegerHyperSynthesis {
 public:
  // Fixed-point copy of a trained float h_s made of Conv2d, PixelShuffle and ReLU modules.
  static IntegerHyperSynthesis quantize(const torch::nn::Sequential& layers, int fraction_bits = 10,
                                        int weight_bits = 16);
  // Reads coding.hyper.* tensors; validates shapes and the exactness bound (FormatError).
  static IntegerHyperSynthesis from_file(const model_file::Safetensors& file, const std::string& source);
  std::vector<model_file::Tensor> to_tensors() const;
  // Writes the dequantized weights into the float h_s it was made from (model files keep only
  // the integer form).
  void dequantize_into(torch::nn::Sequential& layers) const;

  // z_hat: int32 or int64, 1×Z×h×w -> mean and log-scale of every latent, 1×M×4h×4w.
  FixedPointParameters run(const torch::Tensor& z_hat) const;
  int fraction_bits() const { return fraction_bits_; }

 private:
  struct Layer {
    torch::Tensor weight;  // float64, integer-valued, out×in×k×k
    torch::Tensor bias;    // float64, integer-valued, out
    int64_t shuffle = 1;   // pixel shuffle factor after the convolution
    bool relu = false;
  };
  void check_bounds(const std::string& source) const;

  std::vector<Layer> layers_;
  int fraction_bits_ = 10, weight_bits_ = 16;
};

}  // namespace restora::compression

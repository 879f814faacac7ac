// The codec's entropy-model networks (h_s and, with a checkerboard context, the context and
// parameter networks) run in exact integer arithmetic, so that the encoder and every decoder
// derive bit-identical means and scale-table indices (Ballé et al. 2019, "Integer networks for
// data compression with latent-variable models", in the simplest form that holds: post-training
// fixed point).
//
// Activations carry `fraction_bits` fractional bits and are clamped to ±2^(fraction_bits+10);
// each layer's weights carry as many fractional bits, up to `weight_bits`, as 16-bit integers
// hold (at most 32767 in magnitude), which halves their size in the model file. Each layer's sums
// are computed in float64 on integer-valued operands: the load-time bound
// kernel·2^(fraction_bits+10)·max|w| + max|b| < 2^52 keeps every product and partial sum an
// exactly representable integer, so the result is the same for any summation order, thread
// count, BLAS or machine. Rescaling divides by a power of two (exact) and floors. It always runs
// on the CPU.
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

class IntegerNetwork {
 public:
  // Fixed-point copy of a trained float network made of Conv2d, PixelShuffle and ReLU modules,
  // stored in model files as `prefix`.* tensors (e.g. "coding.hyper").
  static IntegerNetwork quantize(const torch::nn::Sequential& layers, const std::string& prefix,
                                 int fraction_bits = 10, int weight_bits = 16);
  // Reads `prefix`.* tensors (16- or 32-bit weights; files without per-layer weight bits use
  // the layout's for every layer); validates shapes and the exactness bound (FormatError).
  static IntegerNetwork from_file(const model_file::Safetensors& file, const std::string& prefix,
                                  const std::string& source);
  std::vector<model_file::Tensor> to_tensors() const;
  // Writes the dequantized weights into the float network it was made from (model files keep
  // only the integer form).
  void dequantize_into(torch::nn::Sequential& layers) const;

  // x: integers, 1×C×h×w, in fixed point (value·2^fraction_bits) -> the output, int64, the same
  // way. The input is clamped like every activation.
  torch::Tensor run(const torch::Tensor& x) const;
  // The same integers as run() at the positions where `at` (h×w bool) is true only, as 1×C×N
  // in row-major position order: far less work where a pass needs half the grid. No layer may
  // shuffle pixels, and every layer after the first must be 1×1.
  torch::Tensor run_at(const torch::Tensor& x, const torch::Tensor& at) const;
  int fraction_bits() const { return fraction_bits_; }

 private:
  struct Layer {
    torch::Tensor weight;  // float64, integer-valued, out×in×k×k
    torch::Tensor bias;    // float64, integer-valued, out
    int weight_bits = 16;  // the weights' fractional bits; the bias has fraction_bits more
    int64_t shuffle = 1;   // pixel shuffle factor after the convolution
    bool relu = false;
  };
  void check_bounds(const std::string& source) const;
  torch::Tensor fixed_input(const torch::Tensor& x) const;  // float64, clamped, channels checked
  // Sums (float64, integer-valued) back to fraction_bits, clamped, then the layer's ReLU.
  torch::Tensor finish(const Layer& layer, const torch::Tensor& sums) const;

  std::string prefix_;
  std::vector<Layer> layers_;
  int fraction_bits_ = 10;
};

// h_s's output split into the latents' mean and log-scale (an even number of channels).
FixedPointParameters split_parameters(const torch::Tensor& output);

}  // namespace restora::compression

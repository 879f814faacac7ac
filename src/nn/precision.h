// Numeric precision and memory layout choices for running networks on a device.
#pragma once

#include <torch/nn/module.h>

#include <string>
#include <vector>

#include "model_file/model_meta.h"

namespace restora::nn {

using model_file::Precision;

Precision parse_precision(const std::string& name);  // "fp32" | "bf16"

// True when this CPU computes bf16 natively (AMX-BF16 or AVX512-BF16), checked at run time.
bool cpu_has_native_bf16();

// The precision to run a model in. requested: "fp32", "bf16" (as asked, validated or not) or
// "auto": bf16 when the model is validated for it (`validated` holds bf16) and the device is a
// CPU with native bf16, fp32 otherwise (emulated bf16 is slower than fp32; on CUDA auto stays
// fp32 until bf16 is measured there). Unknown names -> InvalidArgument.
Precision choose_precision(const std::string& requested, const std::vector<Precision>& validated,
                           const torch::Device& device);

// Whether autocast is on for `device`'s type in the current thread.
bool autocast_enabled(const torch::Device& device);

// Enables bf16 autocast for the current thread while alive (a no-op for fp32). Inputs,
// the global skips and the outputs stay fp32: autocast only lowers conv/matmul.
class AutocastScope {
 public:
  AutocastScope(Precision precision, const torch::Device& device);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool enabled_ = false;
  torch::Device device_;
  bool previous_ = false;
};

// True when this CPU has AVX-512 (AVX512F), checked at run time.
bool cpu_has_avx512();

// The memory layout that convolutions run fastest in for `precision` on `device`: channels-last
// (oneDNN's NHWC kernels, the fast path for bf16 and on AVX-512), except fp32 on a CPU without
// AVX-512, where oneDNN's AVX2 kernels run NHWC convolutions about half as fast as NCHW ones
// (docs/PERFORMANCE.md, "Memory layout"). Weights and inputs must share it.
torch::MemoryFormat preferred_layout(Precision precision, const torch::Device& device);

// A copy of a 4-D tensor in `layout`, one channel included: contiguous(ChannelsLast) leaves a
// one-channel tensor's NCHW strides, as both layouts count as contiguous then, and oneDNN takes
// a convolution's output layout from the strides, so a gray network would run in NCHW from its
// first convolution on.
// A tensor of another rank (a clip, N×T×C×H×W) comes back contiguous: the network lays out its
// frames.
torch::Tensor in_layout(const torch::Tensor& tensor, torch::MemoryFormat layout);

// Converts every 4-D parameter and buffer to `layout` in place.
void to_layout(torch::nn::Module& module, torch::MemoryFormat layout);

}  // namespace restora::nn

#include "nn/precision.h"

#include <ATen/autocast_mode.h>
#include <fmt/format.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <algorithm>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include "restora/errors.h"

namespace restora::nn {

Precision parse_precision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw InvalidArgument(fmt::format("unknown precision '{}'; known: fp32, bf16", name));
}

namespace {

bool probe_native_bf16() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool amx_bf16 = edx & (1u << 22);
  const unsigned max_subleaf = eax;
  bool avx512_bf16 = false;
  if (max_subleaf >= 1 && __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx))
    avx512_bf16 = eax & (1u << 5);
  return amx_bf16 || avx512_bf16;
#else
  return false;
#endif
}

bool probe_avx512() {
#if defined(__x86_64__) || defined(__i386__)
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) && (ebx & (1u << 16));
#else
  return false;
#endif
}

}  // namespace

bool cpu_has_native_bf16() {
  static const bool native = probe_native_bf16();
  return native;
}

bool cpu_has_avx512() {
  static const bool avx512 = probe_avx512();
  return avx512;
}

Precision choose_precision(const std::string& requested, const std::vector<Precision>& validated,
                           const torch::Device& device) {
  if (requested != "auto") {
    if (requested != "fp32" && requested != "bf16")
      throw InvalidArgument(
          fmt::format("unknown precision '{}'; known: auto, fp32, bf16", requested));
    return parse_precision(requested);
  }
  const bool bf16_validated =
      std::find(validated.begin(), validated.end(), Precision::bf16) != validated.end();
  return bf16_validated && device.is_cpu() && cpu_has_native_bf16() ? Precision::bf16
                                                                     : Precision::fp32;
}

// LibTorch 2.4 takes the device type in its autocast calls and warns at every call of the older
// per-device ones, which 1.x has alone.
#define RESTORA_DEVICE_TYPE_AUTOCAST \
  (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4))

bool autocast_enabled(const torch::Device& device) {
#if RESTORA_DEVICE_TYPE_AUTOCAST
  return at::autocast::is_autocast_enabled(device.type());
#else
  return device.is_cuda() ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

namespace {

void set_bf16_autocast(const torch::Device& device, bool enabled) {
#if RESTORA_DEVICE_TYPE_AUTOCAST
  at::autocast::set_autocast_dtype(device.type(), at::kBFloat16);
  at::autocast::set_autocast_enabled(device.type(), enabled);
#else
  if (device.is_cuda()) {
    at::autocast::set_autocast_gpu_dtype(at::kBFloat16);
    at::autocast::set_enabled(enabled);
  } else {
    at::autocast::set_autocast_cpu_dtype(at::kBFloat16);
    at::autocast::set_cpu_enabled(enabled);
  }
#endif
}

}  // namespace

AutocastScope::AutocastScope(Precision precision, const torch::Device& device)
    : enabled_(precision == Precision::bf16), device_(device) {
  if (!enabled_) return;
  previous_ = autocast_enabled(device_);
  set_bf16_autocast(device_, true);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!enabled_) return;
  // Leaving the outermost scope drops the cached bf16 copies of the weights.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_bf16_autocast(device_, previous_);
}

torch::MemoryFormat preferred_layout(Precision precision, const torch::Device& device) {
  const bool nchw = device.is_cpu() && precision == Precision::fp32 && !cpu_has_avx512();
  return nchw ? torch::MemoryFormat::Contiguous : torch::MemoryFormat::ChannelsLast;
}

torch::Tensor in_layout(const torch::Tensor& tensor, torch::MemoryFormat layout) {
  if (tensor.dim() != 4) return tensor.contiguous();  // a clip N×T×C×H×W: the network lays out frames
  return torch::empty(tensor.sizes(), tensor.options().memory_format(layout)).copy_(tensor);
}

void to_layout(torch::nn::Module& module, torch::MemoryFormat layout) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters())
    if (parameter.dim() == 4) parameter.set_data(in_layout(parameter, layout));
  for (auto& buffer : module.buffers())
    if (buffer.dim() == 4) buffer.set_data(in_layout(buffer, layout));
}

}  // namespace restora::nn

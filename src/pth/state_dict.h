// A PyTorch checkpoint's tensors, read without running it: the zip container of torch.save
// (PyTorch ≥ 1.6), the legacy stream of older releases (magic number, protocol, system info,
// pickle, storage keys, raw storages), or safetensors. Nested dicts and lists are flattened to
// dotted names ("params_ema.body.0.weight"); numbers and strings beside the tensors (an epoch,
// a learning rate) are skipped.
//
//   StateDict dict = read_state_dict("RealESRGAN_x4plus.pth");
//   for (const model_file::Tensor& t : dict.tensors) ...;
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::pth {

enum class ContainerFormat { zip, legacy, safetensors };
const char* container_format_name(ContainerFormat format);  // "zip", "legacy", "safetensors"

struct StateDict {
  ContainerFormat format = ContainerFormat::zip;
  std::vector<model_file::Tensor> tensors;  // contiguous copies, in the order met

  const model_file::Tensor* find(const std::string& name) const;
};

// Throws FormatError "cannot read '<source>': <problem>" for anything else: a pickle that calls
// a function or names a class state dicts do not use, a truncated or corrupted container, a
// tensor reaching outside its storage, negative strides, big-endian files, two tensors with one
// name, or more tensor bytes than the file could describe (4 × its size + 1 MiB).
StateDict parse_state_dict(const uint8_t* data, size_t size, const std::string& source);

// Also throws FileError when `path` cannot be read.
StateDict read_state_dict(const std::filesystem::path& path);

}  // namespace restora::pth

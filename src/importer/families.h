// The published network layouts `restora import` recognises, told apart by key names and tensor
// shapes alone (nothing in a state dict names its architecture), and their conversion to a
// Restora network of the same function.
//
//   Detection found = detect_family(tensors);      // names already unwrapped (unwrap.h)
//   if (found.conversion) ... else found.nearest   // the closest family and what did not match
//
// Families: DnCNN (KAIR's model.N and cszn's dncnn.N, with or without batch norm, folded into
// the convolutions), FDnCNN (a noise-level map as an extra input), FFDNet (KAIR: the image
// pixel-unshuffled by 2 beside the map), EDSR and RCAN (BasicSR's layouts), SRVGGNetCompact
// (Real-ESRGAN's compact models), SwinIR (classical and lightweight super-resolution) and RRDBNet
// (ESRGAN's old sequential keys, ESRGAN/BSRGAN's RRDB_trunk keys and BasicSR's body keys; x1, x2
// and x4).
#pragma once

#include <torch/types.h>

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model_file/model_meta.h"

namespace restora::importer {

using NamedTensors = std::map<std::string, torch::Tensor>;

// A Restora network equivalent to the source: same outputs for the same inputs.
struct Conversion {
  std::string family;  // "DnCNN (KAIR, batch norm folded)", ...
  std::string arch;    // Restora's registry id
  nlohmann::json arch_config;
  std::string task;    // the usual task of the family; `restora import --task` overrides it
  model_file::Conditioning conditioning = model_file::Conditioning::none;
  NamedTensors tensors;  // under the Restora network's parameter names
};

// How close a family came: the keys (or shapes) that did not fit its layout.
struct Mismatch {
  std::string family;
  size_t matched = 0;   // expected tensors found with the expected shape
  size_t expected = 0;
  std::vector<std::string> problems;  // "missing conv_last.weight", "unexpected x", ...
};

struct Detection {
  std::optional<Conversion> conversion;
  Mismatch nearest;  // when no family matched
};

Detection detect_family(const NamedTensors& tensors);

// The family names, for messages and docs.
std::vector<std::string> known_families();

}  // namespace restora::importer

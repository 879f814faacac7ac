// A learned codec model file: the float networks (analysis, synthesis, hyper-analysis), the
// integer entropy-model networks (h_s; the checkerboard and channel contexts' when it has them) and the
// integer coding tables, with the fingerprint files carry.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "codec/coding_tables.h"
#include "compression/hyperprior_codec.h"
#include "compression/integer_network.h"
#include "model_file/model_meta.h"

namespace restora::compression {

struct CodecModel {
  model_file::ModelMeta meta;
  HyperpriorCodec network{nullptr};  // eval mode, CPU, fp32
  IntegerNetwork hyper;                          // h_s: ẑ -> 2M
  std::optional<IntegerNetwork> context, parameters;  // with a checkerboard context
  std::vector<IntegerNetwork> channel_context;         // slices 1 … channel_slices − 1
  codec::CodingTables tables;
  uint32_t fingerprint = 0;
  std::filesystem::path path;
  int levels() const { return network->shape().levels(); }
};

// Reads and validates a model file of task "codec" (FormatError / ModelMismatch naming it).
CodecModel load_codec_model(const std::filesystem::path& path);

// The model file of a trained network: metadata, the float weights, and the coding.* tensors
// computed once here — the factorized prior and the Gaussian conditional as integer tables, the
// entropy-model networks in fixed point (which replaces their float weights in the file).
model_file::ModelFile make_codec_model_file(HyperpriorCodecImpl& network, const std::string& name,
                                            const std::string& description);

}  // namespace restora::compression

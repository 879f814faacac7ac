// `restora import`: a model file of another project (a PyTorch .pth/.pt/.ckpt state dict or a
// safetensors file) turned into a self-describing Restora model file, read without running it
// (pth/state_dict.h), its architecture recognised from key names and shapes (families.h).
//
//   model_file::ModelFile model = importer::import_model("RealESRGAN_x4plus.pth", {});
//   model_file::write_model_file("realesrgan-x4.safetensors", model);
#pragma once

#include <filesystem>
#include <string>

#include "model_file/model_meta.h"

namespace restora::importer {

struct ImportOptions {
  std::string name;  // default: the file's stem
  std::string task;  // default: the family's usual task (denoise for DnCNN, real for the SR nets)
};

// Throws FileError when `path` cannot be read and FormatError "cannot import '<path>': ..." when
// it is not a state dict of a known family: the message names the nearest family and the keys
// or shapes that did not fit. An unknown task -> InvalidArgument. Only fp32 is marked valid; bf16
// is added by validation (`restora import --validate`, as `restora eval --record` does).
model_file::ModelFile import_model(const std::filesystem::path& path, const ImportOptions& options);

}  // namespace restora::importer

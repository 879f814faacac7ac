// libFuzzer target: the safetensors reader and the model metadata parser (what every `--model
// FILE` passes through before any Torch code) on any bytes. Allowed outcomes: a parsed model or
// restora::FormatError.
#include <cstddef>
#include <cstdint>

#include "model_file/model_meta.h"
#include "model_file/safetensors.h"
#include "restora/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto file = restora::model_file::parse_safetensors(data, size, "fuzz.safetensors");
    if (!file.metadata.empty()) restora::model_file::parse_model_meta(file.metadata, "fuzz.safetensors");
  } catch (const restora::FormatError&) {
  }
  return 0;
}

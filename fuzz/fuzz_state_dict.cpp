// libFuzzer target: the PyTorch checkpoint reader (src/pth: zip container, legacy stream,
// restricted pickle interpreter, tensor views) on any bytes. Its only allowed outcomes are a
// state dict or restora::FormatError; a crash, hang, leak or sanitizer report is a bug. Zip
// entries are CRC-checked, so mutations of a zip's pickle stop there: the legacy seeds carry the
// pickle interpreter's mutations instead.
#include <cstddef>
#include <cstdint>

#include "pth/state_dict.h"
#include "restora/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    restora::pth::parse_state_dict(data, size, "fuzz.pth");
  } catch (const restora::FormatError&) {
  }
  return 0;
}

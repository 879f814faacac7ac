// libFuzzer target: Restora's image reading around OpenCV (format sniffing, the container checks
// of PNG/JPEG/TIFF/BMP/WebP headers, EXIF orientation, 16-bit and float paths, alpha) on any
// bytes, through decode_image: read_image's decoding of a file's bytes. OpenCV's decoders are not
// instrumented; its pixel limit is lowered so a forged header cannot ask for gigabytes.
// Allowed outcomes: an image or a restora::Error.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <vector>

#include "image/decode.h"
#include "restora/errors.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4000000", 1);
  setenv("OPENCV_IO_MAX_IMAGE_WIDTH", "8192", 1);
  setenv("OPENCV_IO_MAX_IMAGE_HEIGHT", "8192", 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    restora::ReadOptions options;
    options.integer_samples = size % 2 == 1;
    restora::decode_image(std::vector<unsigned char>(data, data + size), "fuzz.img", options);
  } catch (const restora::Error&) {
  }
  return 0;
}

// libFuzzer target: Restora's image reading around OpenCV (format sniffing, the container checks
// of PNG/JPEG/TIFF/BMP/WebP headers, EXIF orientation, 16-bit and float paths, alpha) on any
// bytes, through the public read_image as a user's file would go. OpenCV's decoders are not
// instrumented; its pixel limit is lowered so a forged header cannot ask for gigabytes.
// Allowed outcomes: an image or a restora::Error.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "restora/errors.h"
#include "restora/image_io.h"

namespace {
std::string path;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv("OPENCV_IO_MAX_IMAGE_PIXELS", "4000000", 1);
  setenv("OPENCV_IO_MAX_IMAGE_WIDTH", "8192", 1);
  setenv("OPENCV_IO_MAX_IMAGE_HEIGHT", "8192", 1);
  path = "/dev/shm/restora-fuzz-image-" + std::to_string(getpid());
  std::atexit([] { std::remove(path.c_str()); });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::ofstream(path, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  try {
    restora::ReadOptions options;
    options.integer_samples = size % 2 == 1;
    restora::read_image(path, options);
  } catch (const restora::Error&) {
  }
  return 0;
}

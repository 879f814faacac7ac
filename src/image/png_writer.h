// PNG encoding straight from an Image, row by row through libpng: the encoded file is never
// whole in memory and no full-size copy of the image is made, so a 16384² upscale can be
// written beside its 0.8 GB of 8-bit pixels. Internal to restora_image; write_image is the
// public entry point.
#pragma once

#include <restora/image.h>

#include "fileio/file_io.h"

namespace restora::png {

// image: pixels CV_32F (clipped to [0,1], NaN as 0, rounded half up) or CV_8U / CV_16U (scaled
// when bit_depth differs); alpha, when present, of the pixels' size, any of these depths.
// Writes gray, gray+alpha, RGB or RGBA at bit_depth 8 or 16 and hands the bytes to `sink`.
// Throws FormatError when libpng refuses the image, or what `sink` throws.
void write(const Image& image, int bit_depth, const fileio::ByteSink& sink);

}  // namespace restora::png

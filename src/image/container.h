// Byte-level facts about image files that OpenCV's decoders do not report:
// the format by signature, whether the data is complete, the EXIF
// orientation, and what the PNG header says about colour. Internal to
// restora_image; read_image and write_image are the public entry points.
#pragma once

#include <opencv2/core.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace restora::container {

using Bytes = std::vector<unsigned char>;

enum class Format { png, jpeg, bmp, tiff, webp };

// Upper-case name for messages: "PNG", "JPEG", ...
const char* format_name(Format format);

// The format named by the file's signature; empty for anything else.
std::optional<Format> sniff_format(const Bytes& bytes);

struct Facts {
  // Empty when the container structure is complete; otherwise why not,
  // e.g. "no end-of-image marker". Decoders accept some incomplete files
  // (libjpeg grey-fills a cut JPEG), so a reason here means reject.
  std::string incomplete;
  // EXIF orientation 1..8 (1 = as stored) for JPEG, PNG and WebP. OpenCV's
  // TIFF decoder applies the TIFF tag itself, so TIFF always reports 1.
  int orientation = 1;
  // PNG colour type gray or gray+alpha: OpenCV decodes gray+alpha as BGRA.
  bool png_gray = false;
  // TIFF SamplesPerPixel of the first image; 0 when unknown.
  int tiff_samples_per_pixel = 0;
  // The width and height the header declares (before any decoding); 0 when not found.
  std::uint64_t width = 0, height = 0;
};

Facts inspect(const Bytes& bytes, Format format);

}  // namespace restora::container

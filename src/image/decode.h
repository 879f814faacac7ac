// Decoding image bytes that are already in memory, exactly as read_image decodes a file's (the
// container checks, EXIF orientation, depth, alpha). Internal to restora_image: for bytes that
// never were a file of their own (the image fuzz target; uploads).
#pragma once

#include <filesystem>
#include <vector>

#include "restora/image_io.h"

namespace restora {

// `source` names the bytes in messages ("cannot read image '<source>': ..."). Throws FormatError
// as read_image does for empty, oversized, unknown, incomplete or corrupt data.
Image decode_image(const std::vector<unsigned char>& bytes, const std::filesystem::path& source,
                   const ReadOptions& options = {});

}  // namespace restora

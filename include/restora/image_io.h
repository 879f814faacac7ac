// Image files in and out of restora::Image.
//
//   restora::Image image = restora::read_image("photo.jpg");  // RGB float, EXIF applied
//   ...
//   restora::write_image(image, "out/photo.png");               // atomic, follows bit_depth
//   restora::WriteOptions options;
//   options.bit_depth = 32;
//   restora::write_image(image, "out/photo.tif", options);     // float, unclipped
//
// Formats: PNG, JPEG, BMP, TIFF, WebP. Errors: restora::FileError (missing,
// unreadable, unwritable), restora::FormatError (empty, unknown, truncated
// or corrupt data), restora::InvalidArgument (unknown extension, a depth the
// format cannot store); each message names the file.
#pragma once

#include <restora/errors.h>
#include <restora/image.h>

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

namespace restora {

struct ReadOptions {
  // false: samples become float, integers scaled to [0,1] by 255 or 65535. true: 8- and 16-bit
  // files keep their integer samples (CV_8U, CV_16U), for large images; float TIFF stays float.
  bool integer_samples = false;
  // More pixels than this (width × height as the file's header declares them, checked before
  // decoding: a server's guard against decompression bombs) -> FormatError. 0 = no limit
  // beyond OpenCV's own.
  std::uint64_t max_pixels = 0;
};

// Decodes PNG, JPEG, BMP, TIFF or WebP (the format is taken from the bytes,
// not the extension): 8- and 16-bit gray, gray+alpha, RGB, RGBA, palette, and
// 32-bit float TIFF with values kept unclipped. bit_depth records 8, 16 or 32. The EXIF orientation
// (JPEG, PNG, WebP; TIFF's own tag) is applied to pixels and alpha.
// Truncated JPEG, PNG, WebP and BMP files are rejected rather than decoded
// with grey-filled or missing rows. Gray+alpha TIFF is rejected: OpenCV's
// decoder drops its alpha and its 16-bit precision.
Image read_image(const std::filesystem::path& path, const ReadOptions& options = {});

// A blur kernel for deblurring, CV_32FC1 normalised to sum 1: a text matrix (rows of numbers
// separated by spaces, tabs or commas, one row a line, like ../shared/data/kernels/*/*.txt),
// which must be finite, non-negative and sum to 1 within 5 %; or an image (PNG, ...), whose gray
// values are normalised. Even sides get a zero row (bottom) or column (right), which keeps the
// centre where scipy.ndimage puts it. At most 127×127. A file that breaks a rule ->
// FormatError naming it and the rule; a missing one -> FileError.
cv::Mat read_kernel(const std::filesystem::path& path);

struct WriteOptions {
  // 0 follows image.bit_depth; 8, 16 or 32 are explicit requests.
  int bit_depth = 0;
  // 1..100, used by JPEG only. WebP is always written lossless.
  int jpeg_quality = 95;
};

// Encodes by extension (.png .jpg .jpeg .bmp .tif .tiff .webp, any case).
// Depths: 8 everywhere; 16 in PNG and TIFF; 32 (float, unclipped) in TIFF.
// An explicit bit_depth the format cannot store is an InvalidArgument; an
// inherited one falls back: 16 -> 8 for JPEG, BMP, WebP; 32 -> 16 for PNG
// and 8 for JPEG, BMP, WebP. Integer depths clip to [0,1] and round half up.
// Integer pixels are written as they are when the depth matches, scaled otherwise.
// Alpha is kept by PNG, TIFF and WebP and dropped by JPEG and BMP. Gray+alpha
// stays gray+alpha in PNG and becomes RGBA (equal channels) in TIFF and WebP;
// gray becomes RGB in WebP, which has no gray mode.
// The file appears complete or not at all: the bytes go to a hidden
// temporary file in the destination folder, which is then renamed. PNG is
// encoded row by row, so writing it needs no copy of the image.
void write_image(const Image& image, const std::filesystem::path& path,
                 const WriteOptions& options = {});

// True for the extensions write_image knows, case-insensitive.
bool is_image_path(const std::filesystem::path& path);

// True for .tif and .tiff, case-insensitive: the format that stores 32-bit float samples.
bool is_tiff_path(const std::filesystem::path& path);

// Image files under folder, recursively, sorted by path. Hidden files and
// folders (name starting with '.', which includes write_image's temporary
// files) are skipped.
std::vector<std::filesystem::path> list_images(const std::filesystem::path& folder);

// samples: CV_32F in [0,1], CV_8U or CV_16U, any channel count -> CV_8U, same channels.
// Floats become round(clamp(x, 0, 1) * 255) with halves rounded up, NaN 0; 16-bit values
// are scaled to the nearest 8-bit value; 8-bit ones are returned as they are.
cv::Mat quantize_u8(const cv::Mat& samples);

// The same to CV_16U: floats times 65535, 8-bit values times 257.
cv::Mat quantize_u16(const cv::Mat& samples);

// samples: CV_32F, CV_8U or CV_16U -> `depth` (CV_8U, CV_16U: quantize_u8 / quantize_u16;
// CV_32F: floats as they are, integers by to_float01).
cv::Mat to_sample_depth(const cv::Mat& samples, int depth);

// u8_or_u16: CV_8U or CV_16U, any channel count -> CV_32F divided by 255 or
// 65535.
cv::Mat to_float01(const cv::Mat& u8_or_u16);

// rgb_or_gray_u8: CV_8UC3 in RGB order or CV_8UC1 -> Image with bit_depth 8.
Image image_from_u8(const cv::Mat& rgb_or_gray_u8);

}  // namespace restora

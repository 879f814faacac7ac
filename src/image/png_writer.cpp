#include "image/png_writer.h"

#include <fmt/format.h>
#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <exception>
#include <string>
#include <vector>

#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::png {
namespace {

// What libpng's callbacks need; they cannot throw through its C frames, so failures are kept
// here and raised after it has returned.
struct Job {
  const Image* image = nullptr;
  int bit_depth = 8;
  const fileio::ByteSink* sink = nullptr;
  std::exception_ptr sink_failure;
  std::string png_message;
  std::vector<png_byte> bytes;  // one row as PNG stores it (16-bit big-endian)

  // Row y rounded as write_image rounds every format, colour then alpha interleaved.
  png_bytep row(int y) {
    const auto quantize = bit_depth == 16 ? quantize_u16 : quantize_u8;
    std::vector<cv::Mat> planes{quantize(image->pixels.row(y))};
    if (image->has_alpha()) planes.push_back(quantize(image->alpha.row(y)));
    cv::Mat samples;
    cv::merge(planes, samples);
    if (bit_depth == 8) {
      std::copy(samples.data, samples.data + bytes.size(), bytes.begin());
    } else {
      const auto* values = samples.ptr<std::uint16_t>();
      for (std::size_t i = 0; i < bytes.size() / 2; ++i) {
        bytes[2 * i] = png_byte(values[i] >> 8);
        bytes[2 * i + 1] = png_byte(values[i] & 0xFF);
      }
    }
    return bytes.data();
  }
};

void on_write(png_structp png, png_bytep data, std::size_t size) {
  auto* job = static_cast<Job*>(png_get_io_ptr(png));
  bool failed = false;
  try {
    (*job->sink)(data, size);
  } catch (...) {
    job->sink_failure = std::current_exception();
    failed = true;
  }
  if (failed) png_error(png, "the file could not be written");  // leaves the catch first
}

void on_flush(png_structp) {}

void on_error(png_structp png, png_const_charp message) {
  static_cast<Job*>(png_get_error_ptr(png))->png_message = message;
  png_longjmp(png, 1);
}

void on_warning(png_structp, png_const_charp) {}

// libpng reports errors by longjmp to here: no object with a destructor may live in this frame.
bool encode(png_structp png, png_infop info, Job& job) {
  if (setjmp(png_jmpbuf(png))) return false;
  const auto& pixels = job.image->pixels;
  const bool gray = job.image->channels() == 1;
  const int colour = job.image->has_alpha()
                         ? (gray ? PNG_COLOR_TYPE_GRAY_ALPHA : PNG_COLOR_TYPE_RGBA)
                         : (gray ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB);
  png_set_write_fn(png, &job, on_write, on_flush);
  png_set_IHDR(png, info, png_uint_32(pixels.cols), png_uint_32(pixels.rows), job.bit_depth, colour,
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  // OpenCV's defaults, tuned for speed: large outputs are common here.
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_FILTER_SUB);
  png_set_compression_level(png, Z_BEST_SPEED);
  png_set_compression_strategy(png, Z_RLE);
  png_write_info(png, info);
  for (int y = 0; y < pixels.rows; ++y) png_write_row(png, job.row(y));
  png_write_end(png, info);
  return true;
}

}  // namespace

void write(const Image& image, int bit_depth, const fileio::ByteSink& sink) {
  Job job;
  job.image = &image;
  job.bit_depth = bit_depth;
  job.sink = &sink;
  const int channels = image.channels() + (image.has_alpha() ? 1 : 0);
  job.bytes.resize(std::size_t(image.width()) * channels * (bit_depth == 16 ? 2 : 1));

  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &job, on_error, on_warning);
  png_infop info = png ? png_create_info_struct(png) : nullptr;
  const bool encoded = info && encode(png, info, job);
  png_destroy_write_struct(&png, &info);
  if (job.sink_failure) std::rethrow_exception(job.sink_failure);
  if (!encoded)
    throw FormatError(fmt::format("the PNG encoder failed: {}",
                                  job.png_message.empty() ? "out of memory" : job.png_message));
}

}  // namespace restora::png

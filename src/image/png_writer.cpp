#include "image/png_writer.h"

#include <fmt/format.h>
#include <png.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <exception>
#include <string>
#include <type_traits>
#include <vector>

#include "restora/errors.h"

namespace restora::png {
namespace {

// Samples of one source row as integers of the output depth, written every `stride` values
// starting at `offset` (so colour and alpha interleave).
template <typename Source>
void convert_row(const Source* in, int count, int in_channels, std::uint16_t* out, int stride,
                 int offset, int out_max) {
  for (int x = 0; x < count; ++x) {
    for (int c = 0; c < in_channels; ++c) {
      const Source value = in[x * in_channels + c];
      std::uint16_t sample;
      if constexpr (std::is_same_v<Source, float>) {
        const double clipped = std::isnan(value) ? 0.0 : std::clamp(double(value), 0.0, 1.0);
        sample = std::uint16_t(std::floor(clipped * out_max + 0.5));
      } else if constexpr (std::is_same_v<Source, std::uint8_t>) {
        sample = out_max == 255 ? value : std::uint16_t(value * 257);
      } else {  // 16-bit: v / 257 is never exactly half way, so this rounds to nearest
        sample = out_max == 65535 ? value : std::uint16_t((value + 128) / 257);
      }
      out[x * stride + offset + c] = sample;
    }
  }
}

void convert_row(const cv::Mat& source, int row, std::uint16_t* out, int stride, int offset,
                 int out_max) {
  const int channels = source.channels();
  switch (source.depth()) {
    case CV_32F:
      return convert_row(source.ptr<float>(row), source.cols, channels, out, stride, offset,
                         out_max);
    case CV_8U:
      return convert_row(source.ptr<std::uint8_t>(row), source.cols, channels, out, stride, offset,
                         out_max);
    case CV_16U:
      return convert_row(source.ptr<std::uint16_t>(row), source.cols, channels, out, stride, offset,
                         out_max);
  }
}

// What libpng's callbacks need; they cannot throw through its C frames, so failures are kept
// here and raised after it has returned.
struct Job {
  const Image* image = nullptr;
  int bit_depth = 8;
  const fileio::ByteSink* sink = nullptr;
  std::exception_ptr sink_failure;
  std::string png_message;
  std::vector<std::uint16_t> samples;  // one row, interleaved
  std::vector<png_byte> bytes;         // the same row as PNG stores it (16-bit big-endian)

  int channels() const { return image->channels() + (image->has_alpha() ? 1 : 0); }

  png_bytep row(int y) {
    const int stride = channels();
    const int out_max = bit_depth == 16 ? 65535 : 255;
    convert_row(image->pixels, y, samples.data(), stride, 0, out_max);
    if (image->has_alpha())
      convert_row(image->alpha, y, samples.data(), stride, image->channels(), out_max);
    if (bit_depth == 8) {
      std::copy(samples.begin(), samples.end(), bytes.begin());
    } else {
      for (std::size_t i = 0; i < samples.size(); ++i) {
        bytes[2 * i] = png_byte(samples[i] >> 8);
        bytes[2 * i + 1] = png_byte(samples[i] & 0xFF);
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
  job.samples.resize(std::size_t(image.width()) * job.channels());
  job.bytes.resize(job.samples.size() * (bit_depth == 16 ? 2 : 1));

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

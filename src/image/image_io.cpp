#include "restora/image_io.h"

#include <fmt/format.h>
#include <restora/errors.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <string>
#include <system_error>

#include "fileio/file_io.h"
#include "image/container.h"
#include "image/decode.h"
#include "image/png_writer.h"

namespace restora {
namespace {

namespace fs = std::filesystem;
using container::Bytes;
using container::Format;

std::string read_message(const fs::path& path, const std::string& problem) {
  return fmt::format("cannot read image '{}': {}", path.string(), problem);
}

std::string write_message(const fs::path& path, const std::string& problem) {
  return fmt::format("cannot write image '{}': {}", path.string(), problem);
}


// The display orientation of EXIF values 2..8, as OpenCV applies them.
cv::Mat apply_orientation(const cv::Mat& stored, int orientation) {
  cv::Mat shown;
  switch (orientation) {
    case 2:
      cv::flip(stored, shown, 1);
      break;
    case 3:
      cv::rotate(stored, shown, cv::ROTATE_180);
      break;
    case 4:
      cv::flip(stored, shown, 0);
      break;
    case 5:
      cv::transpose(stored, shown);
      break;
    case 6:
      cv::rotate(stored, shown, cv::ROTATE_90_CLOCKWISE);
      break;
    case 7:
      cv::transpose(stored, shown);
      cv::flip(shown, shown, -1);
      break;
    case 8:
      cv::rotate(stored, shown, cv::ROTATE_90_COUNTERCLOCKWISE);
      break;
    default:
      shown = stored;
  }
  return shown;
}

// decoded: OpenCV's BGR(A) or gray output -> RGB Image, float or (integer_samples) as decoded.
// Colour order is swapped in place so a large image is not copied on the way.
Image to_image(cv::Mat decoded, bool gray, bool integer_samples, const fs::path& path) {
  Image image;
  double scale = 1.0;
  switch (decoded.depth()) {
    case CV_8U:
      image.bit_depth = 8;
      scale = 1.0 / 255.0;
      break;
    case CV_16U:
      image.bit_depth = 16;
      scale = 1.0 / 65535.0;
      break;
    case CV_32F:
    case CV_64F:
      image.bit_depth = 32;
      break;
    default:
      throw FormatError(read_message(path, "unsupported sample type (not 8/16-bit or float)"));
  }
  const int channels = decoded.channels();
  if (channels < 1 || channels > 4)
    throw FormatError(read_message(path, fmt::format("unsupported channel count {}", channels)));
  if (channels == 2 || channels == 4) cv::extractChannel(decoded, image.alpha, channels - 1);
  if (channels == 1) {
    image.pixels = decoded;
  } else if (channels == 2 || gray) {
    cv::extractChannel(decoded, image.pixels, 0);
  } else if (channels == 3) {
    cv::cvtColor(decoded, decoded, cv::COLOR_BGR2RGB);
    image.pixels = decoded;
  } else {
    cv::cvtColor(decoded, image.pixels, cv::COLOR_BGRA2RGB);
  }
  const bool keep_integers = integer_samples && image.bit_depth != 32;
  if (!keep_integers) {
    image.pixels.convertTo(image.pixels, CV_32F, scale);
    if (image.has_alpha()) image.alpha.convertTo(image.alpha, CV_32F, scale);
  }
  return image;
}

template <typename Sample>
cv::Mat quantize(const cv::Mat& float01, double max_value, int depth) {
  if (float01.depth() != CV_32F) {
    throw InvalidArgument(
        fmt::format("quantize: expected CV_32F samples, got type {}", float01.type()));
  }
  cv::Mat quantized(float01.size(), CV_MAKETYPE(depth, float01.channels()));
  const int row_length = float01.cols * float01.channels();
  for (int row = 0; row < float01.rows; ++row) {
    const float* in = float01.ptr<float>(row);
    Sample* out = quantized.ptr<Sample>(row);
    for (int index = 0; index < row_length; ++index) {
      const double value = std::isnan(in[index]) ? 0.0 : std::clamp(double(in[index]), 0.0, 1.0);
      out[index] = Sample(std::floor(value * max_value + 0.5));
    }
  }
  return quantized;
}

std::optional<Format> format_from_extension(const fs::path& path) {
  std::string extension = path.extension().string();
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  if (extension == ".png") return Format::png;
  if (extension == ".jpg" || extension == ".jpeg") return Format::jpeg;
  if (extension == ".bmp") return Format::bmp;
  if (extension == ".tif" || extension == ".tiff") return Format::tiff;
  if (extension == ".webp") return Format::webp;
  return std::nullopt;
}

const char* encoder_extension(Format format) {
  switch (format) {
    case Format::png:
      return ".png";
    case Format::jpeg:
      return ".jpg";
    case Format::bmp:
      return ".bmp";
    case Format::tiff:
      return ".tiff";
    case Format::webp:
      return ".webp";
  }
  return "";
}

bool is_sample_depth(int depth) { return depth == CV_32F || depth == CV_8U || depth == CV_16U; }

void check_writable_image(const Image& image, const fs::path& path) {
  if (image.pixels.empty()) throw InvalidArgument(write_message(path, "image is empty"));
  if (!is_sample_depth(image.pixels.depth()) ||
      (image.pixels.channels() != 1 && image.pixels.channels() != 3)) {
    throw InvalidArgument(
        write_message(path, "pixels must have 1 or 3 channels of CV_32F, CV_8U or CV_16U"));
  }
  if (image.has_alpha() &&
      (image.alpha.type() != CV_MAKETYPE(image.pixels.depth(), 1) ||
       image.alpha.size() != image.pixels.size())) {
    throw InvalidArgument(
        write_message(path, "alpha must have one channel of the pixels' size and depth"));
  }
}

// The depth actually written: see WriteOptions in image_io.h.
int resolve_bit_depth(const Image& image, Format format, const WriteOptions& options,
                      const fs::path& path) {
  const int requested = options.bit_depth;
  if (requested != 0 && requested != 8 && requested != 16 && requested != 32) {
    throw InvalidArgument(
        write_message(path, fmt::format("bit depth {} is not 8, 16 or 32", requested)));
  }
  const bool stores_16 = format == Format::png || format == Format::tiff;
  const bool stores_32 = format == Format::tiff;
  if (requested == 16 && !stores_16) {
    throw InvalidArgument(
        write_message(path, fmt::format("{} cannot store 16-bit samples (use .png or .tif)",
                                        container::format_name(format))));
  }
  if (requested == 32 && !stores_32) {
    throw InvalidArgument(
        write_message(path, fmt::format("{} cannot store 32-bit float samples (use .tif)",
                                        container::format_name(format))));
  }
  if (requested != 0) return requested;
  switch (image.bit_depth) {
    case 8:
      return 8;
    case 16:
      return stores_16 ? 16 : 8;
    case 32:
      return stores_32 ? 32 : stores_16 ? 16 : 8;
    default:
      throw InvalidArgument(write_message(
          path, fmt::format("image bit_depth {} is not 8, 16 or 32", image.bit_depth)));
  }
}

// Every format but PNG, which png::write streams. OpenCV's encoders need one BGR(A) matrix.
Bytes encode(const Image& image, Format format, int bit_depth, int jpeg_quality,
             const fs::path& path) {
  const bool keep_alpha = image.has_alpha() && (format == Format::tiff || format == Format::webp);

  // Gather planes in OpenCV's order (BGR, then alpha).
  std::vector<cv::Mat> planes;
  if (image.channels() == 1) {
    planes.assign(keep_alpha ? 3 : 1, image.pixels);
  } else {
    cv::split(image.pixels, planes);
    std::swap(planes[0], planes[2]);
  }
  if (keep_alpha) planes.push_back(image.alpha);
  cv::Mat samples;
  cv::merge(planes, samples);
  planes.clear();
  samples = to_sample_depth(samples, bit_depth == 8 ? CV_8U : bit_depth == 16 ? CV_16U : CV_32F);

  Bytes bytes;
  std::vector<int> parameters;
  if (format == Format::jpeg) parameters = {cv::IMWRITE_JPEG_QUALITY, jpeg_quality};
  // Naming any compression keeps OpenCV from storing 3-channel float TIFF
  // as lossy LogLuv, its default, which also drops negative values.
  if (format == Format::tiff) parameters = {cv::IMWRITE_TIFF_COMPRESSION, 5 /* LZW */};
  try {
    if (!cv::imencode(encoder_extension(format), samples, bytes, parameters)) bytes.clear();
  } catch (const cv::Exception& error) {
    throw FileError(write_message(
        path, fmt::format("{} encoder failed: {}", container::format_name(format), error.err)));
  }
  if (bytes.empty()) {
    throw FileError(
        write_message(path, fmt::format("{} encoder failed", container::format_name(format))));
  }
  return bytes;
}

}  // namespace

Image decode_image(const Bytes& bytes, const fs::path& path, const ReadOptions& options) {
  // Refused before any decoder sees them: nothing, or more than cv::imdecode's 2 GiB.
  if (bytes.empty()) throw FormatError(read_message(path, "file is empty (0 bytes)"));
  if (bytes.size() > std::size_t(INT_MAX))
    throw FormatError(read_message(path, "file is larger than 2 GiB"));
  const std::optional<Format> format = container::sniff_format(bytes);
  if (!format) {
    throw FormatError(
        read_message(path, "unknown image format (expected PNG, JPEG, BMP, TIFF or WebP)"));
  }
  const container::Facts facts = container::inspect(bytes, *format);
  if (!facts.incomplete.empty()) throw FormatError(read_message(path, facts.incomplete));
  // Compared without multiplying: two 32-bit sides would wrap a 64-bit product.
  if (options.max_pixels && facts.width && facts.height > options.max_pixels / facts.width)
    throw FormatError(read_message(
        path, fmt::format("{}x{} is {} pixels, more than the limit of {}", facts.width,
                          facts.height, facts.width * facts.height, options.max_pixels)));
  if (facts.tiff_samples_per_pixel == 2) {
    throw FormatError(
        read_message(path, "gray+alpha TIFF is not supported (save it as PNG or RGBA TIFF)"));
  }

  cv::Mat decoded;
  try {
    // IMREAD_UNCHANGED keeps alpha and 16 bits but skips EXIF orientation.
    decoded =
        cv::imdecode(cv::Mat(1, int(bytes.size()), CV_8U, const_cast<unsigned char*>(bytes.data())),
                     cv::IMREAD_UNCHANGED);
  } catch (const cv::Exception&) {
    decoded.release();
  }
  if (decoded.empty()) {
    throw FormatError(read_message(
        path, fmt::format("corrupt or unsupported {} data", container::format_name(*format))));
  }
  decoded = apply_orientation(decoded, facts.orientation);
  return to_image(std::move(decoded), facts.png_gray, options.integer_samples, path);
}

Image read_image(const fs::path& path, const ReadOptions& options) {
  return decode_image(fileio::read_file_bytes(path), path, options);
}

void write_image(const Image& image, const fs::path& path, const WriteOptions& options) {
  const std::optional<Format> format = format_from_extension(path);
  if (!format) {
    throw InvalidArgument(write_message(
        path, fmt::format(
                  "unknown extension '{}' (expected .png, .jpg, .jpeg, .bmp, .tif, .tiff or .webp)",
                  path.extension().string())));
  }
  check_writable_image(image, path);
  const int bit_depth = resolve_bit_depth(image, *format, options, path);
  if (options.jpeg_quality < 1 || options.jpeg_quality > 100) {
    throw InvalidArgument(
        write_message(path, fmt::format("JPEG quality {} is not in 1..100", options.jpeg_quality)));
  }
  if (*format != Format::png) {
    fileio::write_file_atomically(path,
                                  encode(image, *format, bit_depth, options.jpeg_quality, path));
    return;
  }
  fileio::write_file_atomically(path, [&](const fileio::ByteSink& sink) {
    try {
      png::write(image, bit_depth, sink);
    } catch (const FormatError& failure) {
      throw FileError(write_message(path, failure.what()));
    }
  });
}

bool is_image_path(const fs::path& path) { return format_from_extension(path).has_value(); }

bool is_tiff_path(const fs::path& path) {
  return format_from_extension(path) == Format::tiff;
}

std::vector<fs::path> list_images(const fs::path& folder) {
  return fileio::list_files(folder, [](const fs::path& path) { return is_image_path(path); },
                            "images");
}

namespace {

bool is_integer(const cv::Mat& samples) {
  return samples.depth() == CV_8U || samples.depth() == CV_16U;
}

// Integer samples to another integer depth; 16 -> 8 never ties (v / 257 is never half way).
cv::Mat rescale_integers(const cv::Mat& samples, int depth) {
  const double from = samples.depth() == CV_8U ? 255.0 : 65535.0;
  const double to = depth == CV_8U ? 255.0 : 65535.0;
  if (from == to) return samples;
  cv::Mat converted;
  samples.convertTo(converted, depth, to / from);
  return converted;
}

}  // namespace

cv::Mat quantize_u8(const cv::Mat& samples) {
  if (is_integer(samples)) return rescale_integers(samples, CV_8U);
  return quantize<unsigned char>(samples, 255.0, CV_8U);
}

cv::Mat quantize_u16(const cv::Mat& samples) {
  if (is_integer(samples)) return rescale_integers(samples, CV_16U);
  return quantize<std::uint16_t>(samples, 65535.0, CV_16U);
}

cv::Mat to_sample_depth(const cv::Mat& samples, int depth) {
  if (depth == CV_8U) return quantize_u8(samples);
  if (depth == CV_16U) return quantize_u16(samples);
  return samples.depth() == CV_32F ? samples : to_float01(samples);
}

cv::Mat to_float01(const cv::Mat& u8_or_u16) {
  cv::Mat floats;
  switch (u8_or_u16.depth()) {
    case CV_8U:
      u8_or_u16.convertTo(floats, CV_32F, 1.0 / 255.0);
      break;
    case CV_16U:
      u8_or_u16.convertTo(floats, CV_32F, 1.0 / 65535.0);
      break;
    default:
      throw InvalidArgument(fmt::format("to_float01: expected CV_8U or CV_16U samples, got type {}",
                                        u8_or_u16.type()));
  }
  return floats;
}

Image image_from_u8(const cv::Mat& rgb_or_gray_u8) {
  if (rgb_or_gray_u8.type() != CV_8UC1 && rgb_or_gray_u8.type() != CV_8UC3) {
    throw InvalidArgument(fmt::format("image_from_u8: expected CV_8UC1 or CV_8UC3, got type {}",
                                      rgb_or_gray_u8.type()));
  }
  Image image;
  image.pixels = to_float01(rgb_or_gray_u8);
  image.bit_depth = 8;
  return image;
}

}  // namespace restora

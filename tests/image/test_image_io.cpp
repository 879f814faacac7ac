// Round trips, channel order, EXIF orientation and sample conversions of
// src/image/image_io. Every image is made here; nothing reads ../shared.
#include <gtest/gtest.h>
#include <restora/errors.h>
#include <zlib.h>

#include <cstring>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "restora/image_io.h"
#include "image/image_test_support.h"

namespace restora {
namespace {

using testing::Bytes;
using testing::TemporaryFolder;

double max_difference(const cv::Mat& a, const cv::Mat& b) {
  EXPECT_EQ(a.size(), b.size());
  EXPECT_EQ(a.type(), b.type());
  if (a.size() != b.size() || a.type() != b.type()) return 1e9;
  return cv::norm(a, b, cv::NORM_INF);
}

// Samples k/255 (or k/65535) so that integer formats store them exactly.
Image random_image(cv::Size size, int channels, bool alpha, int bit_depth, std::uint64_t seed) {
  cv::RNG rng(seed);
  const int depth = bit_depth == 16 ? CV_16U : CV_8U;
  const double high = bit_depth == 16 ? 65536.0 : 256.0;
  cv::Mat samples(size, CV_MAKETYPE(depth, channels));
  rng.fill(samples, cv::RNG::UNIFORM, 0.0, high);
  Image image;
  image.pixels = to_float01(samples);
  image.bit_depth = bit_depth;
  if (alpha) {
    cv::Mat alpha_samples(size, depth);
    rng.fill(alpha_samples, cv::RNG::UNIFORM, 1.0, high);  // > 0: lossless WebP keeps RGB
    image.alpha = to_float01(alpha_samples);
  }
  return image;
}

void expect_same_image(const Image& expected, const Image& actual) {
  EXPECT_EQ(actual.bit_depth, expected.bit_depth);
  EXPECT_EQ(actual.channels(), expected.channels());
  EXPECT_EQ(max_difference(expected.pixels, actual.pixels), 0.0);
  ASSERT_EQ(actual.has_alpha(), expected.has_alpha());
  if (expected.has_alpha()) {
    EXPECT_EQ(max_difference(expected.alpha, actual.alpha), 0.0);
  }
}

struct LosslessCase {
  const char* extension;
  int bit_depth;
  int channels;
  bool alpha;
};

TEST(ImageIo, LosslessRoundTripIsExact) {
  const LosslessCase cases[] = {
      {".png", 8, 1, false},   {".png", 8, 3, false},  {".png", 8, 3, true},
      {".png", 8, 1, true},    {".png", 16, 1, false}, {".png", 16, 3, false},
      {".png", 16, 3, true},   {".png", 16, 1, true},  {".tif", 8, 1, false},
      {".tif", 8, 3, false},   {".tif", 8, 3, true},   {".tiff", 16, 1, false},
      {".tiff", 16, 3, false}, {".tiff", 16, 3, true}, {".bmp", 8, 1, false},
      {".bmp", 8, 3, false},   {".webp", 8, 3, false}, {".webp", 8, 3, true},
  };
  TemporaryFolder folder;
  for (const LosslessCase& test : cases) {
    SCOPED_TRACE(::testing::Message()
                 << test.extension << " " << test.bit_depth << "-bit " << test.channels
                 << " channels" << (test.alpha ? " + alpha" : ""));
    const Image image = random_image({7, 5}, test.channels, test.alpha, test.bit_depth, 11);
    const auto path = folder / (std::string("image") + test.extension);
    write_image(image, path);
    expect_same_image(image, read_image(path));
  }
}

// The same image stored as integers: same depth, samples k instead of k/255 or k/65535.
Image as_integers(const Image& image) {
  Image integers;
  const auto convert = [&](const cv::Mat& floats) {
    return image.bit_depth == 16 ? quantize_u16(floats) : quantize_u8(floats);
  };
  integers.pixels = convert(image.pixels);
  if (image.has_alpha()) integers.alpha = convert(image.alpha);
  integers.bit_depth = image.bit_depth;
  return integers;
}

// Integer storage writes the very bytes float storage writes, and reads back as integers.
TEST(ImageIo, IntegerSamplesWriteTheSameFilesAndReadBackExactly) {
  const LosslessCase cases[] = {
      {".png", 8, 1, false},  {".png", 8, 3, true},    {".png", 8, 1, true},
      {".png", 16, 3, false}, {".png", 16, 1, true},   {".tif", 8, 3, true},
      {".tif", 16, 3, false}, {".bmp", 8, 3, false},   {".webp", 8, 3, true},
      {".jpg", 8, 3, false},  {".jpg", 16, 1, false},
  };
  TemporaryFolder folder;
  ReadOptions integer_samples;
  integer_samples.integer_samples = true;
  for (const LosslessCase& test : cases) {
    SCOPED_TRACE(::testing::Message()
                 << test.extension << " " << test.bit_depth << "-bit " << test.channels
                 << " channels" << (test.alpha ? " + alpha" : ""));
    const Image image = random_image({9, 6}, test.channels, test.alpha, test.bit_depth, 5);
    const Image integers = as_integers(image);
    const auto from_floats = folder / (std::string("floats") + test.extension);
    const auto from_integers = folder / (std::string("integers") + test.extension);
    write_image(image, from_floats);
    write_image(integers, from_integers);
    EXPECT_EQ(testing::read_bytes(from_floats), testing::read_bytes(from_integers));
    if (std::string(test.extension) == ".jpg") continue;  // lossy, and 8-bit only
    const Image read = read_image(from_integers, integer_samples);
    expect_same_image(integers, read);
    EXPECT_EQ(read.pixels.depth(), test.bit_depth == 16 ? CV_16U : CV_8U);
  }
  // Float TIFF stays float.
  Image floats = random_image({4, 3}, 3, false, 8, 6);
  floats.bit_depth = 32;
  write_image(floats, folder / "float.tif");
  EXPECT_EQ(read_image(folder / "float.tif", integer_samples).pixels.type(), CV_32FC3);
}

// Writing at another depth rescales integers as it rounds floats.
TEST(ImageIo, IntegerSamplesAtAnotherDepth) {
  TemporaryFolder folder;
  for (const int bit_depth : {8, 16}) {
    SCOPED_TRACE(bit_depth);
    const Image image = random_image({11, 4}, 3, true, bit_depth, 8);
    WriteOptions other;
    other.bit_depth = bit_depth == 8 ? 16 : 8;
    write_image(image, folder / "floats.png", other);
    write_image(as_integers(image), folder / "integers.png", other);
    EXPECT_EQ(testing::read_bytes(folder / "floats.png"),
              testing::read_bytes(folder / "integers.png"));
    other.bit_depth = 32;
    write_image(as_integers(image), folder / "integers.tif", other);
    Image expected = image;
    expected.bit_depth = 32;
    expect_same_image(expected, read_image(folder / "integers.tif"));
  }
  Image mixed = as_integers(random_image({3, 3}, 3, true, 8, 9));
  mixed.alpha = to_float01(mixed.alpha);
  testing::error_message<InvalidArgument>([&] { write_image(mixed, folder / "mixed.png"); });
}

TEST(ImageIo, FloatTiffKeepsValuesOutsideTheUnitRange) {
  const float values[] = {-0.3f, 1.7f, 0.5f, 1e-8f, 3.25f, -2.0f};
  TemporaryFolder folder;
  for (const int channels : {1, 3}) {
    for (const bool alpha : {false, true}) {
      Image image;
      image.pixels = cv::Mat(2, 3, CV_32FC(channels));
      for (int index = 0; index < 6 * channels; ++index) {
        image.pixels.ptr<float>()[index] = values[index % 6] * float(1 + index / 6);
      }
      if (alpha) image.alpha = cv::Mat(2, 3, CV_32F, const_cast<float*>(values)).clone();
      image.bit_depth = 32;
      const auto path = folder / "float.tif";
      write_image(image, path);
      Image expected = image;  // TIFF has no gray+alpha: it becomes RGBA
      if (channels == 1 && alpha) cv::merge(std::vector<cv::Mat>(3, image.pixels), expected.pixels);
      expect_same_image(expected, read_image(path));
    }
  }
}

TEST(ImageIo, JpegRoundTripIsClose) {
  cv::Mat gradient(32, 48, CV_32FC3);
  for (int y = 0; y < gradient.rows; ++y) {
    for (int x = 0; x < gradient.cols; ++x) {
      gradient.at<cv::Vec3f>(y, x) = {x / 47.0f, y / 31.0f, 0.5f};
    }
  }
  TemporaryFolder folder;
  for (const int channels : {3, 1}) {
    Image image;
    image.bit_depth = 8;
    if (channels == 3) {
      image.pixels = gradient;
    } else {
      cv::extractChannel(gradient, image.pixels, 0);
    }
    write_image(image, folder / "smooth.jpg");
    const Image read = read_image(folder / "smooth.jpg");
    EXPECT_EQ(read.channels(), channels);
    EXPECT_EQ(read.bit_depth, 8);
    EXPECT_FALSE(read.has_alpha());
    EXPECT_LT(max_difference(image.pixels, read.pixels), 0.05);
    EXPECT_LT(cv::norm(image.pixels, read.pixels, cv::NORM_L1) / (image.pixels.total() * channels),
              0.01);
  }
}

TEST(ImageIo, TinyImagesRoundTrip) {
  TemporaryFolder folder;
  for (const cv::Size size : {cv::Size(1, 1), cv::Size(9, 1), cv::Size(1, 9)}) {
    for (const char* extension : {".png", ".tif", ".bmp", ".webp", ".jpg"}) {
      SCOPED_TRACE(::testing::Message() << size << " " << extension);
      const Image image = random_image(size, 3, false, 8, 5);
      const auto path = folder / (std::string("tiny") + extension);
      write_image(image, path);
      const Image read = read_image(path);
      ASSERT_EQ(read.pixels.size(), size);
      // JPEG is lossy, and 4:2:0 chroma makes random colours drift.
      EXPECT_LE(max_difference(image.pixels, read.pixels),
                std::strcmp(extension, ".jpg") ? 0.0 : 0.5);
    }
  }
}

TEST(ImageIo, AlphaDroppedByJpegAndBmp) {
  TemporaryFolder folder;
  const Image image = random_image({4, 3}, 3, true, 8, 2);
  write_image(image, folder / "a.bmp");
  const Image read = read_image(folder / "a.bmp");
  EXPECT_FALSE(read.has_alpha());
  EXPECT_EQ(max_difference(image.pixels, read.pixels), 0.0);
  write_image(image, folder / "a.jpg");
  EXPECT_FALSE(read_image(folder / "a.jpg").has_alpha());
}

TEST(ImageIo, GrayAlphaInTiffAndWebpBecomesRgba) {
  TemporaryFolder folder;
  const Image image = random_image({4, 3}, 1, true, 8, 3);
  cv::Mat rgb;
  cv::merge(std::vector<cv::Mat>(3, image.pixels), rgb);
  for (const char* name : {"gray_alpha.tif", "gray_alpha.webp"}) {
    write_image(image, folder / name);
    const Image read = read_image(folder / name);
    EXPECT_EQ(max_difference(rgb, read.pixels), 0.0) << name;
    EXPECT_EQ(max_difference(image.alpha, read.alpha), 0.0) << name;
  }
}

// Gray+alpha PNG (which OpenCV's encoder cannot write), checked by OpenCV's decoder.
TEST(ImageIo, GrayAlphaPngDecodesWithLibpng) {
  TemporaryFolder folder;
  for (const int bit_depth : {8, 16}) {
    const Image image = random_image({13, 6}, 1, true, bit_depth, 4);
    write_image(image, folder / "gray_alpha.png");
    const cv::Mat decoded = cv::imread((folder / "gray_alpha.png").string(), cv::IMREAD_UNCHANGED);
    ASSERT_EQ(decoded.type(), CV_MAKETYPE(bit_depth == 8 ? CV_8U : CV_16U, 4));
    std::vector<cv::Mat> planes;
    cv::split(to_float01(decoded), planes);
    for (int channel = 0; channel < 3; ++channel)
      EXPECT_EQ(max_difference(image.pixels, planes[channel]), 0.0);
    EXPECT_EQ(max_difference(image.alpha, planes[3]), 0.0);
  }
}

TEST(ImageIo, PureRedReadsAsRedInEveryFormat) {
  TemporaryFolder folder;
  const cv::Mat bgr_red(8, 8, CV_8UC3, cv::Scalar(0, 0, 255));  // OpenCV's own order
  for (const char* extension : {".png", ".jpg", ".bmp", ".tif", ".webp"}) {
    std::vector<unsigned char> bytes;
    ASSERT_TRUE(cv::imencode(extension, bgr_red, bytes));
    const auto path = folder / (std::string("red") + extension);
    testing::write_bytes(path, bytes);
    const cv::Vec3f pixel = read_image(path).pixels.at<cv::Vec3f>(4, 4);
    EXPECT_NEAR(pixel[0], 1.0, 0.02) << extension;
    EXPECT_NEAR(pixel[1], 0.0, 0.02) << extension;
    EXPECT_NEAR(pixel[2], 0.0, 0.02) << extension;
  }
  std::vector<unsigned char> bytes;
  cv::Mat bgr_red_16;
  bgr_red.convertTo(bgr_red_16, CV_16U, 257.0);
  ASSERT_TRUE(cv::imencode(".png", bgr_red_16, bytes));
  testing::write_bytes(folder / "red16.png", bytes);
  EXPECT_EQ(read_image(folder / "red16.png").pixels.at<cv::Vec3f>(0, 0), cv::Vec3f(1, 0, 0));
}

TEST(ImageIo, RedIsWrittenAsRed) {
  TemporaryFolder folder;
  Image image;
  image.pixels = cv::Mat(8, 8, CV_32FC3, cv::Scalar(1, 0, 0));
  for (const char* extension : {".png", ".jpg", ".bmp", ".tif", ".webp"}) {
    const auto path = folder / (std::string("red") + extension);
    write_image(image, path);
    const cv::Vec3b pixel = cv::imread(path.string(), cv::IMREAD_COLOR).at<cv::Vec3b>(4, 4);
    EXPECT_LE(pixel[0], 3) << extension;
    EXPECT_LE(pixel[1], 3) << extension;
    EXPECT_GE(pixel[2], 252) << extension;
  }
}

TEST(ImageIo, IntegerFormatsClipAndRound) {
  TemporaryFolder folder;
  Image image;
  image.pixels = (cv::Mat_<float>(1, 4) << -0.5f, 1.5f, 0.5f / 255, 0.5f);
  write_image(image, folder / "clip.png");
  const cv::Mat stored = cv::imread((folder / "clip.png").string(), cv::IMREAD_UNCHANGED);
  const cv::Mat expected = (cv::Mat_<unsigned char>(1, 4) << 0, 255, 1, 128);
  EXPECT_EQ(max_difference(expected, stored), 0.0);
}

TEST(ImageIo, InheritedDepthFallsBackExplicitDepthIsChecked) {
  TemporaryFolder folder;
  const Image sixteen = random_image({3, 2}, 3, false, 16, 6);
  write_image(sixteen, folder / "a.jpg");
  EXPECT_EQ(read_image(folder / "a.jpg").bit_depth, 8);
  write_image(sixteen, folder / "a.webp");
  EXPECT_EQ(read_image(folder / "a.webp").bit_depth, 8);
  WriteOptions eight;
  eight.bit_depth = 8;
  write_image(sixteen, folder / "a.png", eight);
  EXPECT_EQ(read_image(folder / "a.png").bit_depth, 8);

  Image floats;
  floats.pixels = cv::Mat(2, 2, CV_32FC1, cv::Scalar(1.7));
  floats.bit_depth = 32;
  write_image(floats, folder / "b.png");
  const Image read = read_image(folder / "b.png");
  EXPECT_EQ(read.bit_depth, 16);
  EXPECT_EQ(read.pixels.at<float>(0, 0), 1.0f);
  write_image(floats, folder / "b.bmp");
  EXPECT_EQ(read_image(folder / "b.bmp").bit_depth, 8);

  WriteOptions sixteen_bits;
  sixteen_bits.bit_depth = 16;
  for (const char* name : {"c.jpg", "c.bmp", "c.webp"}) {
    const std::string message = testing::error_message<InvalidArgument>(
        [&] { write_image(sixteen, folder / name, sixteen_bits); });
    EXPECT_TRUE(testing::contains(message, name)) << message;
  }
  WriteOptions float_bits;
  float_bits.bit_depth = 32;
  testing::error_message<InvalidArgument>(
      [&] { write_image(floats, folder / "c.png", float_bits); });
  WriteOptions twelve_bits;
  twelve_bits.bit_depth = 12;
  testing::error_message<InvalidArgument>(
      [&] { write_image(floats, folder / "c.tif", twelve_bits); });
  WriteOptions bad_quality;
  bad_quality.jpeg_quality = 0;
  testing::error_message<InvalidArgument>(
      [&] { write_image(sixteen, folder / "c.jpg", bad_quality); });
  EXPECT_EQ(folder.entries(),
            (std::vector<std::string>{"a.jpg", "a.png", "a.webp", "b.bmp", "b.png"}));
}

// A minimal EXIF block (big-endian TIFF structure) holding only Orientation.
Bytes exif_block(int orientation) {
  return {'M',  'M',  0, 42, 0, 0, 0, 8,  // header, first IFD at 8
          0,    1,                        // one entry
          0x01, 0x12, 0, 3,  0, 0, 0, 1, 0, static_cast<unsigned char>(orientation),
          0,    0,    0, 0,  0, 0};  // no next IFD
}

void append_u32_be(Bytes& bytes, std::uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back((value >> shift) & 0xFF);
}

void append_u32_le(Bytes& bytes, std::uint32_t value) {
  for (int shift = 0; shift < 32; shift += 8) bytes.push_back((value >> shift) & 0xFF);
}

// OpenCV's PNG with an eXIf chunk inserted after IHDR.
Bytes png_with_orientation(const cv::Mat& image, int orientation) {
  Bytes png;
  cv::imencode(".png", image, png);
  const Bytes exif = exif_block(orientation);
  Bytes chunk;
  append_u32_be(chunk, std::uint32_t(exif.size()));
  chunk.insert(chunk.end(), {'e', 'X', 'I', 'f'});
  chunk.insert(chunk.end(), exif.begin(), exif.end());
  append_u32_be(chunk, std::uint32_t(crc32(0L, chunk.data() + 4, uInt(chunk.size() - 4))));
  png.insert(png.begin() + 33, chunk.begin(), chunk.end());  // signature 8 + IHDR 25
  return png;
}

// OpenCV's JPEG with an APP1 Exif segment inserted after SOI.
Bytes jpeg_with_orientation(const cv::Mat& image, int orientation) {
  Bytes jpeg;
  cv::imencode(".jpg", image, jpeg, {cv::IMWRITE_JPEG_QUALITY, 95});
  const Bytes exif = exif_block(orientation);
  Bytes segment{0xFF, 0xE1, 0, static_cast<unsigned char>(2 + 6 + exif.size()), 'E', 'x', 'i',
                'f',  0,    0};
  segment.insert(segment.end(), exif.begin(), exif.end());
  jpeg.insert(jpeg.begin() + 2, segment.begin(), segment.end());
  return jpeg;
}

// OpenCV's lossless WebP rewrapped as extended WebP (VP8X) with an EXIF chunk.
Bytes webp_with_orientation(const cv::Mat& image, int orientation) {
  Bytes simple;
  cv::imencode(".webp", image, simple);
  Bytes body{'W', 'E', 'B', 'P', 'V', 'P', '8', 'X', 10, 0, 0, 0, 0x08 /* EXIF flag */, 0, 0, 0};
  for (const int extent : {image.cols - 1, image.rows - 1}) {
    for (int shift = 0; shift < 24; shift += 8) body.push_back((extent >> shift) & 0xFF);
  }
  body.insert(body.end(), simple.begin() + 12, simple.end());  // the VP8L chunk
  const Bytes exif = exif_block(orientation);
  body.insert(body.end(), {'E', 'X', 'I', 'F'});
  append_u32_le(body, std::uint32_t(exif.size()));
  body.insert(body.end(), exif.begin(), exif.end());
  Bytes webp{'R', 'I', 'F', 'F'};
  append_u32_le(webp, std::uint32_t(body.size()));
  webp.insert(webp.end(), body.begin(), body.end());
  return webp;
}

// Expected display of the stored 2×3 image 10..60 for EXIF orientations 1..8,
// computed with Pillow's ImageOps.exif_transpose by
// tests/image/reference/image_reference.py.
struct Shown {
  int rows;
  int cols;
  unsigned char values[6];
};
const Shown kShownByOrientation[8] = {
    {2, 3, {10, 20, 30, 40, 50, 60}}, {2, 3, {30, 20, 10, 60, 50, 40}},
    {2, 3, {60, 50, 40, 30, 20, 10}}, {2, 3, {40, 50, 60, 10, 20, 30}},
    {3, 2, {10, 40, 20, 50, 30, 60}}, {3, 2, {40, 10, 50, 20, 60, 30}},
    {3, 2, {60, 30, 50, 20, 40, 10}}, {3, 2, {30, 60, 20, 50, 10, 40}},
};

TEST(ImageIo, PngExifOrientationMatchesPillow) {
  TemporaryFolder folder;
  const cv::Mat stored = (cv::Mat_<unsigned char>(2, 3) << 10, 20, 30, 40, 50, 60);
  cv::Mat stored_alpha = 255 - stored;
  cv::Mat gray_alpha;
  cv::merge(std::vector<cv::Mat>{stored, stored, stored, stored_alpha}, gray_alpha);
  for (int orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(orientation);
    const Shown& shown = kShownByOrientation[orientation - 1];
    const cv::Mat shown_u8(shown.rows, shown.cols, CV_8U, const_cast<unsigned char*>(shown.values));
    const cv::Mat expected = to_float01(shown_u8);
    testing::write_bytes(folder / "oriented.png", png_with_orientation(stored, orientation));
    EXPECT_EQ(max_difference(expected, read_image(folder / "oriented.png").pixels), 0.0);
    // Alpha turns with the colour.
    testing::write_bytes(folder / "oriented_alpha.png",
                         png_with_orientation(gray_alpha, orientation));
    const Image with_alpha = read_image(folder / "oriented_alpha.png");
    cv::Mat rgb;
    cv::merge(std::vector<cv::Mat>(3, expected), rgb);
    EXPECT_EQ(max_difference(rgb, with_alpha.pixels), 0.0);
    EXPECT_EQ(max_difference(to_float01(255 - shown_u8), with_alpha.alpha), 0.0);
  }
}

// OpenCV applies EXIF itself when asked for 8-bit colour: an independent oracle.
TEST(ImageIo, JpegExifOrientationMatchesOpenCv) {
  TemporaryFolder folder;
  cv::Mat stored(16, 32, CV_8UC3, cv::Scalar(0, 0, 0));
  stored(cv::Rect(0, 0, 16, 8)).setTo(cv::Scalar(255, 255, 255));
  stored(cv::Rect(16, 8, 16, 8)).setTo(cv::Scalar(0, 0, 255));
  for (int orientation = 1; orientation <= 8; ++orientation) {
    SCOPED_TRACE(orientation);
    const Bytes jpeg = jpeg_with_orientation(stored, orientation);
    testing::write_bytes(folder / "oriented.jpg", jpeg);
    cv::Mat oracle = cv::imdecode(jpeg, cv::IMREAD_COLOR);
    cv::cvtColor(oracle, oracle, cv::COLOR_BGR2RGB);
    EXPECT_EQ(max_difference(to_float01(oracle), read_image(folder / "oriented.jpg").pixels), 0.0);
  }
  // Orientation 6 turns the stored image clockwise: its white top-left
  // quarter ends up top-right.
  testing::write_bytes(folder / "six.jpg", jpeg_with_orientation(stored, 6));
  const Image six = read_image(folder / "six.jpg");
  ASSERT_EQ(six.pixels.size(), cv::Size(16, 32));
  EXPECT_GT(six.pixels.at<cv::Vec3f>(2, 13)[1], 0.9f);
  EXPECT_LT(six.pixels.at<cv::Vec3f>(2, 2)[1], 0.1f);
}

TEST(ImageIo, WebpExifOrientationIsApplied) {
  TemporaryFolder folder;
  const cv::Mat stored = (cv::Mat_<unsigned char>(2, 3) << 10, 20, 30, 40, 50, 60);
  cv::Mat bgr;
  cv::cvtColor(stored, bgr, cv::COLOR_GRAY2BGR);
  testing::write_bytes(folder / "oriented.webp", webp_with_orientation(bgr, 8));
  const Shown& shown = kShownByOrientation[7];
  const cv::Mat expected =
      to_float01(cv::Mat(shown.rows, shown.cols, CV_8U, const_cast<unsigned char*>(shown.values)));
  std::vector<cv::Mat> planes;
  cv::split(read_image(folder / "oriented.webp").pixels, planes);
  EXPECT_EQ(max_difference(expected, planes[0]), 0.0);
}

TEST(ImageIo, QuantizeU8MatchesReference) {
  // Inputs and expected values from tests/image/reference/image_reference.py.
  const cv::Mat inputs =
      (cv::Mat_<float>(1, 13) << -0.5f, 0.0f, 0.0019607844296842813f, 0.0058823530562222f,
       0.009803921915590763f, 0.25f, 0.5f, 0.5f, 0.9990000128746033f, 0.9980000257492065f,
       0.998039186000824f, 1.0f, 1.7000000476837158f);
  const cv::Mat expected =
      (cv::Mat_<unsigned char>(1, 13) << 0, 0, 1, 2, 3, 64, 128, 128, 255, 254, 254, 255, 255);
  EXPECT_EQ(max_difference(expected, quantize_u8(inputs)), 0.0);

  const cv::Mat with_nan = (cv::Mat_<float>(1, 1) << std::nanf(""));
  EXPECT_EQ(quantize_u8(with_nan).at<unsigned char>(0, 0), 0);
  const cv::Mat three = quantize_u8(cv::Mat(2, 2, CV_32FC3, cv::Scalar(0.0, 0.5, 1.0)));
  EXPECT_EQ(three.type(), CV_8UC3);
  EXPECT_EQ(three.at<cv::Vec3b>(1, 1), cv::Vec3b(0, 128, 255));
  testing::error_message<InvalidArgument>([] { quantize_u8(cv::Mat(1, 1, CV_64F)); });
}

TEST(ImageIo, QuantizeRescalesIntegers) {
  const cv::Mat eight = (cv::Mat_<unsigned char>(1, 3) << 0, 128, 255);
  EXPECT_EQ(max_difference(quantize_u8(eight), eight), 0.0);
  const cv::Mat sixteen = quantize_u16(eight);
  EXPECT_EQ(max_difference(sixteen, (cv::Mat_<std::uint16_t>(1, 3) << 0, 32896, 65535)), 0.0);
  EXPECT_EQ(max_difference(quantize_u16(sixteen), sixteen), 0.0);
  // Nearest 8-bit level: 128 / 257 = 0.498 -> 0, 129 / 257 = 0.502 -> 1.
  const cv::Mat near = (cv::Mat_<std::uint16_t>(1, 4) << 128, 129, 65406, 65535);
  EXPECT_EQ(max_difference(quantize_u8(near), (cv::Mat_<unsigned char>(1, 4) << 0, 1, 254, 255)),
            0.0);
  EXPECT_EQ(max_difference(quantize_u16(cv::Mat(1, 1, CV_32F, cv::Scalar(0.5))),
                           (cv::Mat_<std::uint16_t>(1, 1) << 32768)),
            0.0);
}

TEST(ImageIo, ToFloat01AndImageFromU8) {
  const cv::Mat sixteen = (cv::Mat_<std::uint16_t>(1, 3) << 0, 257, 65535);
  const cv::Mat floats = to_float01(sixteen);
  EXPECT_EQ(floats.type(), CV_32F);
  EXPECT_FLOAT_EQ(floats.at<float>(0, 1), 257.0f / 65535.0f);
  EXPECT_EQ(floats.at<float>(0, 2), 1.0f);
  testing::error_message<InvalidArgument>([] { to_float01(cv::Mat(1, 1, CV_32F)); });

  const cv::Mat rgb(2, 2, CV_8UC3, cv::Scalar(255, 0, 51));
  const Image image = image_from_u8(rgb);
  EXPECT_EQ(image.bit_depth, 8);
  EXPECT_FALSE(image.has_alpha());
  EXPECT_EQ(image.pixels.type(), CV_32FC3);
  const cv::Vec3f pixel = image.pixels.at<cv::Vec3f>(1, 1);
  EXPECT_EQ(pixel[0], 1.0f);
  EXPECT_EQ(pixel[1], 0.0f);
  EXPECT_FLOAT_EQ(pixel[2], 0.2f);
  EXPECT_EQ(image_from_u8(cv::Mat(2, 2, CV_8UC1)).pixels.type(), CV_32FC1);
  testing::error_message<InvalidArgument>([] { image_from_u8(cv::Mat(1, 1, CV_8UC4)); });
}

}  // namespace
}  // namespace restora

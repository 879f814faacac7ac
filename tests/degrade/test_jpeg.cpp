#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <vector>

#include "degrade/jpeg.h"
#include "restora/errors.h"

namespace restora {
namespace {

// A smooth RGB (or gray) pattern with some texture, like a photograph;
// values stay in 20..226, so no wrap-around edges.
cv::Mat SmoothImage(int channels) {
  cv::Mat image(64, 80, CV_8UC(channels));
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      for (int c = 0; c < channels; ++c) {
        image.ptr<uchar>(y)[x * channels + c] =
            static_cast<uchar>(20 + x + y + 30 * c + (x * y) % 9);
      }
    }
  }
  return image;
}

double Psnr(const cv::Mat& a, const cv::Mat& b) {
  const double mse = cv::norm(a, b, cv::NORM_L2SQR) / double(a.total() * a.channels());
  return 10.0 * std::log10(255.0 * 255.0 / mse);
}

// The component count and sampling factors of the SOF0 (baseline) header.
struct FrameHeader {
  int components = 0;
  std::vector<int> sampling;  // 0xHV per component
};

FrameHeader ReadFrameHeader(const std::vector<uchar>& jpeg) {
  FrameHeader header;
  for (size_t i = 2; i + 9 < jpeg.size();) {
    if (jpeg[i] != 0xFF) break;
    const int marker = jpeg[i + 1];
    const size_t length = (size_t(jpeg[i + 2]) << 8) | jpeg[i + 3];
    if (marker == 0xC0) {
      header.components = jpeg[i + 9];
      for (int c = 0; c < header.components; ++c) header.sampling.push_back(jpeg[i + 11 + 3 * c]);
      break;
    }
    i += 2 + length;
  }
  return header;
}

TEST(Jpeg, GrayStaysOneChannel) {
  const cv::Mat gray = SmoothImage(1);
  const cv::Mat decoded = jpeg_roundtrip(gray, 30);
  EXPECT_EQ(decoded.type(), CV_8UC1);
  EXPECT_EQ(decoded.size(), gray.size());
  const FrameHeader header = ReadFrameHeader(jpeg_encode(gray, 30));
  EXPECT_EQ(header.components, 1);
}

TEST(Jpeg, ColorIsEncodedWith420Chroma) {
  const std::vector<uchar> bytes = jpeg_encode(SmoothImage(3), 50);
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(bytes[0], 0xFF);
  EXPECT_EQ(bytes[1], 0xD8);
  const FrameHeader header = ReadFrameHeader(bytes);
  ASSERT_EQ(header.components, 3);
  EXPECT_EQ(header.sampling, (std::vector<int>{0x22, 0x11, 0x11}));
}

TEST(Jpeg, QualityHundredIsCloseToTheInput) {
  const cv::Mat gray = SmoothImage(1);
  EXPECT_GT(Psnr(jpeg_roundtrip(gray, 100), gray), 50.0);
  const cv::Mat rgb = SmoothImage(3);
  const cv::Mat decoded = jpeg_roundtrip(rgb, 100);
  EXPECT_EQ(decoded.type(), CV_8UC3);
  EXPECT_GT(Psnr(decoded, rgb), 45.0);  // chroma is subsampled even at q=100
}

TEST(Jpeg, LowerQualityGivesLowerPsnr) {
  for (int channels : {1, 3}) {
    const cv::Mat image = SmoothImage(channels);
    const double at_10 = Psnr(jpeg_roundtrip(image, 10), image);
    const double at_40 = Psnr(jpeg_roundtrip(image, 40), image);
    const double at_90 = Psnr(jpeg_roundtrip(image, 90), image);
    EXPECT_LT(at_10, at_40) << channels << " channel(s)";
    EXPECT_LT(at_40, at_90) << channels << " channel(s)";
  }
}

TEST(Jpeg, KeepsRgbOrder) {
  const cv::Mat red(32, 32, CV_8UC3, cv::Scalar(255, 0, 0));  // R, G, B
  const cv::Mat decoded = jpeg_roundtrip(red, 75);
  const cv::Vec3b pixel = decoded.at<cv::Vec3b>(16, 16);
  EXPECT_GT(pixel[0], 240);
  EXPECT_LT(pixel[1], 15);
  EXPECT_LT(pixel[2], 15);
}

TEST(Jpeg, IsDeterministicAndLeavesTheInputAlone) {
  const cv::Mat image = SmoothImage(3);
  const cv::Mat copy = image.clone();
  EXPECT_EQ(jpeg_encode(image, 20), jpeg_encode(image, 20));
  jpeg_roundtrip(image, 20);
  EXPECT_EQ(cv::norm(image, copy, cv::NORM_INF), 0.0);
}

TEST(Jpeg, RejectsInvalidInput) {
  const cv::Mat image = SmoothImage(3);
  EXPECT_THROW(jpeg_encode(image, 0), InvalidArgument);
  EXPECT_THROW(jpeg_encode(image, 101), InvalidArgument);
  EXPECT_THROW(jpeg_roundtrip(cv::Mat(8, 8, CV_32FC3), 50), InvalidArgument);
  EXPECT_THROW(jpeg_roundtrip(cv::Mat(8, 8, CV_8UC4), 50), InvalidArgument);
  EXPECT_THROW(jpeg_roundtrip(cv::Mat(), 50), InvalidArgument);
}

TEST(SampleQuality, CoversTheInclusiveRange) {
  Rng rng(6);
  std::vector<int> seen(101, 0);
  for (int i = 0; i < 2000; ++i) ++seen[sample_quality(10, 40, rng)];
  for (int quality = 0; quality <= 100; ++quality) {
    if (quality >= 10 && quality <= 40) {
      EXPECT_GT(seen[quality], 0) << quality;
    } else {
      EXPECT_EQ(seen[quality], 0) << quality;
    }
  }
  EXPECT_THROW(sample_quality(0, 40, rng), InvalidArgument);
  EXPECT_THROW(sample_quality(10, 101, rng), InvalidArgument);
  EXPECT_THROW(sample_quality(50, 40, rng), InvalidArgument);
}

}  // namespace
}  // namespace restora

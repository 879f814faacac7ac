#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "degrade/imresize_expected.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"

namespace restora {
namespace {

// 13×17×3, the same formula as synthetic_image() in
// tests/degrade/reference/imresize_reference.py.
cv::Mat SyntheticImage() {
  cv::Mat image(13, 17, CV_8UC3);
  for (int y = 0; y < image.rows; ++y) {
    for (int x = 0; x < image.cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        image.ptr<uchar>(y)[3 * x + c] =
            static_cast<uchar>((x * 37 + y * 91 + c * 53 + (x * y * (c + 1)) % 23) * 7 % 256);
      }
    }
  }
  return image;
}

std::vector<unsigned char> Values(const cv::Mat& image) {
  const cv::Mat continuous = image.clone();
  return std::vector<unsigned char>(continuous.datastart, continuous.dataend);
}

// Expected values: the independent numpy imresize, see imresize_expected.h.
TEST(ImresizeMatlab, MatchesReferenceImplementationOnSyntheticImage) {
  const cv::Mat image = SyntheticImage();
  struct Case {
    double scale;
    cv::Size size;
    const std::vector<unsigned char>& expected;
  };
  const Case cases[] = {{1.0 / 2, {9, 7}, expected::kImresizeHalf},
                        {1.0 / 3, {6, 5}, expected::kImresizeThird},
                        {1.0 / 4, {5, 4}, expected::kImresizeQuarter},
                        {2.0, {34, 26}, expected::kImresizeDouble}};
  for (const Case& test : cases) {
    const cv::Mat resized = imresize_matlab(image, test.scale);
    ASSERT_EQ(resized.type(), CV_8UC3);
    ASSERT_EQ(resized.size(), test.size) << "scale " << test.scale;
    EXPECT_EQ(Values(resized), test.expected) << "scale " << test.scale;
  }
}

TEST(ImresizeMatlab, FloatInputIsNotRounded) {
  cv::Mat image;
  SyntheticImage().convertTo(image, CV_32F, 1.0 / 255.0);
  const cv::Mat resized = imresize_matlab(image, 1.0 / 3);
  ASSERT_EQ(resized.type(), CV_32FC3);
  ASSERT_EQ(resized.total() * 3, expected::kImresizeThirdFloat.size());
  const float* values = resized.ptr<float>(0);
  for (size_t i = 0; i < expected::kImresizeThirdFloat.size(); ++i) {
    EXPECT_NEAR(values[i], expected::kImresizeThirdFloat[i], 1e-6) << i;
  }
}

TEST(ImresizeMatlab, ScaleOneIsIdentity) {
  const cv::Mat image = SyntheticImage();
  EXPECT_EQ(Values(imresize_matlab(image, 1.0)), Values(image));
}

TEST(ImresizeMatlab, ChannelsAreResizedIndependently) {
  cv::Mat four_channels;
  const cv::Mat rgb = SyntheticImage();
  std::vector<cv::Mat> planes;
  cv::split(rgb, planes);
  planes.push_back(255 - planes[0]);
  cv::merge(planes, four_channels);
  const cv::Mat resized = imresize_matlab(four_channels, 0.5);
  ASSERT_EQ(resized.type(), CV_8UC4);
  std::vector<cv::Mat> resized_planes;
  cv::split(resized, resized_planes);
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(Values(resized_planes[c]), Values(imresize_matlab(planes[c], 0.5))) << c;
  }
}

TEST(ImresizeMatlab, TinyImagesWork) {
  const cv::Mat pixel(1, 1, CV_8UC1, cv::Scalar(77));
  for (double scale : {0.5, 0.25, 1.0, 3.0}) {
    const cv::Mat resized = imresize_matlab(pixel, scale);
    const int side = static_cast<int>(std::ceil(scale));
    ASSERT_EQ(resized.size(), cv::Size(side, side)) << scale;
    for (uchar value : Values(resized)) EXPECT_EQ(value, 77) << scale;
  }
  const cv::Mat row(1, 7, CV_8UC3, cv::Scalar(10, 200, 30));
  const cv::Mat halved = imresize_matlab(row, 0.5);
  ASSERT_EQ(halved.size(), cv::Size(4, 1));
  EXPECT_EQ(cv::norm(halved, cv::Mat(1, 4, CV_8UC3, cv::Scalar(10, 200, 30)), cv::NORM_INF), 0.0);
  const cv::Mat column(9, 1, CV_32FC1, cv::Scalar(0.25));
  const cv::Mat doubled = imresize_matlab(column, 2.0);
  ASSERT_EQ(doubled.size(), cv::Size(2, 18));
  EXPECT_LT(cv::norm(doubled, cv::Mat(18, 2, CV_32FC1, cv::Scalar(0.25)), cv::NORM_INF), 1e-6);
}

TEST(ImresizeMatlab, RejectsInvalidInput) {
  const cv::Mat image = SyntheticImage();
  EXPECT_THROW(imresize_matlab(image, 0.0), InvalidArgument);
  EXPECT_THROW(imresize_matlab(image, -0.5), InvalidArgument);
  EXPECT_THROW(imresize_matlab(image, NAN), InvalidArgument);
  EXPECT_THROW(imresize_matlab(cv::Mat(4, 4, CV_16UC1), 0.5), InvalidArgument);
  EXPECT_THROW(imresize_matlab(cv::Mat(), 0.5), InvalidArgument);
}

TEST(ImresizeMatlab, IsFastOnAPhotoSizedImage) {
  cv::Mat image(512, 512, CV_8UC3);
  cv::randu(image, 0, 256);
  const auto start = std::chrono::steady_clock::now();
  const cv::Mat small = imresize_matlab(image, 0.25);
  const cv::Mat large = imresize_matlab(small, 4.0);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(large.size(), image.size());
  EXPECT_LT(seconds, 0.5);  // milliseconds in practice; generous for shared machines
}

TEST(Modcrop, CropsBottomAndRightToAMultiple) {
  const cv::Mat image = SyntheticImage();  // 17 wide, 13 high
  const cv::Mat cropped = modcrop(image, 4);
  ASSERT_EQ(cropped.size(), cv::Size(16, 12));
  EXPECT_EQ(Values(cropped), Values(image(cv::Rect(0, 0, 16, 12))));
  EXPECT_EQ(modcrop(image, 1).size(), image.size());
  EXPECT_THROW(modcrop(image, 0), InvalidArgument);
  EXPECT_THROW(modcrop(image, 14), InvalidArgument);
}

// MATLAB's own LR images of Set5: the oracle of the SR protocol.
TEST(ImresizeMatlab, ReproducesMatlabSet5BitForBit) {
  const char* shared = std::getenv("RESTORA_SHARED_DATA");
  const std::filesystem::path root = shared ? shared : "";
  if (!shared || !std::filesystem::is_directory(root / "test/Set5_LR_matlab")) {
    GTEST_SKIP() << "RESTORA_SHARED_DATA/test/Set5_LR_matlab not available";
  }
  // Both images are read in OpenCV's BGR order; the resize treats channels
  // independently, so comparing BGR with BGR is the same as RGB with RGB.
  for (int scale : {2, 3, 4}) {
    for (const char* name : {"baby", "bird", "butterfly", "head", "woman"}) {
      const cv::Mat gt =
          cv::imread((root / "test/Set5" / (std::string(name) + "_GT.png")).string());
      const std::string lr_name = std::string(name) + "x" + std::to_string(scale) + ".png";
      const cv::Mat expected = cv::imread(
          (root / "test/Set5_LR_matlab" / ("X" + std::to_string(scale)) / lr_name).string());
      ASSERT_FALSE(gt.empty()) << name;
      ASSERT_FALSE(expected.empty()) << lr_name;
      const cv::Mat lr = imresize_matlab(modcrop(gt, scale), 1.0 / scale);
      ASSERT_EQ(lr.size(), expected.size()) << lr_name;
      EXPECT_EQ(cv::norm(lr, expected, cv::NORM_INF), 0.0) << lr_name;
    }
  }
}

}  // namespace
}  // namespace restora

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <string>

#include "metrics/metrics.h"
#include "restora/errors.h"

namespace restora::metrics {
namespace {

// The same formulas as synthetic_pair() in
// tests/metrics/reference/metrics_reference.py: a smooth RGB ramp with
// texture, and a "restored" copy with block-constant offsets on 8×8 blocks
// (JPEG-like blocking) plus a small pixel pattern.
cv::Mat SyntheticGroundTruth(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        image.ptr<uchar>(y)[3 * x + c] =
            static_cast<uchar>((3 * x + 2 * y + 50 * c + (x * y) % 7) % 256);
      }
    }
  }
  return image;
}

cv::Mat SyntheticRestored(int rows, int cols) {
  const cv::Mat gt = SyntheticGroundTruth(rows, cols);
  cv::Mat image(rows, cols, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        const int offset =
            ((x / 8) * 5 + (y / 8) * 3 + c) % 7 - 3 + (x * 7 + y * 13 + c * 5) % 3 - 1;
        image.ptr<uchar>(y)[3 * x + c] =
            static_cast<uchar>(std::clamp(gt.ptr<uchar>(y)[3 * x + c] + offset, 0, 255));
      }
    }
  }
  return image;
}

cv::Mat FirstChannel(const cv::Mat& image) {
  cv::Mat channel;
  cv::extractChannel(image, channel, 0);
  return channel;
}

// Relative tolerance for values computed in double by different code.
void ExpectClose(double actual, double expected, const char* what) {
  EXPECT_NEAR(actual, expected, 1e-10 * std::max(1.0, std::abs(expected))) << what;
}

// Reference values: tests/metrics/reference/metrics_reference.py (skimage,
// numpy).
TEST(Metrics, YChannelMatchesSkimageRgb2ycbcr) {
  const cv::Mat y = rgb_to_y(SyntheticGroundTruth(37, 45));
  ASSERT_EQ(y.type(), CV_64FC1);
  ExpectClose(y.at<double>(0, 0), 50.997058823529414, "Y(0,0)");
  ExpectClose(y.at<double>(5, 7), 77.62058823529411, "Y(5,7)");
  ExpectClose(y.at<double>(36, 44), 73.7936705882353, "Y(36,44)");
}

TEST(Metrics, GrayIsItsOwnY) {
  const cv::Mat gray = FirstChannel(SyntheticGroundTruth(9, 10));
  const cv::Mat y = rgb_to_y(gray);
  ASSERT_EQ(y.type(), CV_64FC1);
  cv::Mat expected;
  gray.convertTo(expected, CV_64F);
  EXPECT_EQ(cv::norm(y, expected, cv::NORM_INF), 0.0);
}

TEST(Metrics, AllChannelsMatchReference) {
  const Scores scores = measure(SyntheticRestored(37, 45), SyntheticGroundTruth(37, 45),
                                Space::all_channels, 0, true);
  ExpectClose(scores.psnr, 41.42066051765019, "psnr");
  ExpectClose(scores.ssim, 0.9804469814399995, "ssim");
  ExpectClose(scores.mse, 4.688288288288288, "mse");
  ExpectClose(scores.mae, 1.8154154154154154, "mae");
  ExpectClose(scores.psnr_b, 39.5180118133974, "psnr_b");
}

TEST(Metrics, YChannelWithCropMatchesReference) {
  const Scores scores =
      measure(SyntheticRestored(37, 45), SyntheticGroundTruth(37, 45), Space::y, 4, true);
  ExpectClose(scores.psnr, 45.79630204559302, "psnr");
  ExpectClose(scores.ssim, 0.9909703959388301, "ssim");
  ExpectClose(scores.mse, 1.711788704567409, "mse");
  ExpectClose(scores.mae, 1.146081991118908, "mae");
  ExpectClose(scores.psnr_b, 39.82063513533263, "psnr_b");
}

TEST(Metrics, GrayImageMatchesReference) {
  const cv::Mat restored = FirstChannel(SyntheticRestored(32, 40));
  const cv::Mat gt = FirstChannel(SyntheticGroundTruth(32, 40));
  const Scores scores = measure(restored, gt, Space::y, 0, true);
  ExpectClose(scores.psnr, 41.319805184087286, "psnr");
  ExpectClose(scores.ssim, 0.9785291528696393, "ssim");
  ExpectClose(scores.mse, 4.7984375, "mse");
  ExpectClose(scores.mae, 1.8453125, "mae");
  ExpectClose(scores.psnr_b, 36.78182501706962, "psnr_b");
}

TEST(Metrics, PsnrBMeasuresBlockingOfTheTestImageOnly) {
  const cv::Mat restored = prepare(FirstChannel(SyntheticRestored(32, 40)), Space::y, 0);
  const cv::Mat gt = prepare(FirstChannel(SyntheticGroundTruth(32, 40)), Space::y, 0);
  EXPECT_LT(psnr_b(restored, gt), psnr(restored, gt));  // the restored image is blocky
  // A linear ramp has the same neighbour differences across and inside
  // blocks: no blocking effect, so PSNR-B equals PSNR whichever side it is on.
  cv::Mat ramp(32, 40, CV_64FC1);
  for (int y = 0; y < ramp.rows; ++y) {
    for (int x = 0; x < ramp.cols; ++x) ramp.at<double>(y, x) = 2.0 * x + 2.0 * y;
  }
  EXPECT_EQ(psnr_b(ramp, ramp), INFINITY);
  EXPECT_DOUBLE_EQ(psnr_b(ramp, gt), psnr(ramp, gt));
  EXPECT_LT(psnr_b(restored, ramp), psnr(restored, ramp));
}

TEST(Metrics, IdenticalImages) {
  const cv::Mat gt = SyntheticGroundTruth(20, 24);
  const Scores scores = measure(gt, gt, Space::all_channels, 2, false);
  EXPECT_EQ(scores.psnr, INFINITY);
  EXPECT_DOUBLE_EQ(scores.ssim, 1.0);
  EXPECT_EQ(scores.mse, 0.0);
  EXPECT_EQ(scores.mae, 0.0);
  EXPECT_TRUE(std::isnan(scores.psnr_b));
}

TEST(Metrics, PrepareConvertsAndCrops) {
  const cv::Mat gt = SyntheticGroundTruth(20, 24);
  const cv::Mat all = prepare(gt, Space::all_channels, 3);
  ASSERT_EQ(all.type(), CV_64FC3);
  ASSERT_EQ(all.size(), cv::Size(18, 14));
  EXPECT_EQ(all.at<cv::Vec3d>(0, 0)[2], gt.at<cv::Vec3b>(3, 3)[2]);
  const cv::Mat y = prepare(gt, Space::y, 3);
  ASSERT_EQ(y.type(), CV_64FC1);
  EXPECT_EQ(y.at<double>(0, 0), rgb_to_y(gt).at<double>(3, 3));
  EXPECT_THROW(prepare(gt, Space::y, 10), InvalidArgument);
  EXPECT_THROW(prepare(gt, Space::y, -1), InvalidArgument);
  EXPECT_THROW(prepare(cv::Mat(20, 24, CV_32FC3), Space::y, 0), InvalidArgument);
}

TEST(Metrics, MismatchedImagesAreRejectedNamingBothSizes) {
  const cv::Mat a = prepare(SyntheticGroundTruth(20, 24), Space::all_channels, 0);
  const cv::Mat b = prepare(SyntheticGroundTruth(20, 25), Space::all_channels, 0);
  try {
    psnr(a, b);
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("24x20x3"), std::string::npos) << message;
    EXPECT_NE(message.find("25x20x3"), std::string::npos) << message;
  }
  const cv::Mat y = prepare(SyntheticGroundTruth(20, 24), Space::y, 0);
  EXPECT_THROW(mse(a, y), InvalidArgument);
  EXPECT_THROW(ssim(a, b), InvalidArgument);
  EXPECT_THROW(psnr_b(a, b), InvalidArgument);
  EXPECT_THROW(mae(cv::Mat(20, 24, CV_8UC3), cv::Mat(20, 24, CV_8UC3)), InvalidArgument);
  EXPECT_THROW(
      measure(SyntheticGroundTruth(20, 24), SyntheticGroundTruth(20, 25), Space::y, 0, false),
      InvalidArgument);
}

TEST(Metrics, TooSmallForTheWindowsIsRejected) {
  const cv::Mat small = prepare(SyntheticGroundTruth(10, 30), Space::y, 0);
  EXPECT_THROW(ssim(small, small), InvalidArgument);
  const cv::Mat narrow = prepare(SyntheticGroundTruth(15, 30), Space::y, 0);
  EXPECT_THROW(psnr_b(narrow, narrow), InvalidArgument);
}


TEST(Metrics, MsSsimMatchesNumpyReference) {
  const cv::Mat restored = prepare(SyntheticRestored(190, 201), Space::all_channels, 0);
  const cv::Mat gt = prepare(SyntheticGroundTruth(190, 201), Space::all_channels, 0);
  EXPECT_NEAR(ms_ssim(restored, gt), 0.9957032074424245, 1e-9);  // metrics_reference.py
  EXPECT_DOUBLE_EQ(ms_ssim(gt, gt), 1.0);
  const cv::Mat small = prepare(SyntheticGroundTruth(175, 201), Space::all_channels, 0);
  EXPECT_THROW(ms_ssim(small, small), InvalidArgument);
}

// Levin's comp_upto_shift: a result off by a few pixels scores as if aligned, over the image
// less the margin; a shift beyond the margin does not.
TEST(Metrics, ShiftedPsnrFindsTheBestShift) {
  const cv::Mat large = SyntheticGroundTruth(60, 64);
  const cv::Rect window(6, 5, 40, 36);
  const cv::Mat reference = prepare(large(window).clone(), Space::all_channels, 0);
  const cv::Mat shifted = prepare(large(window + cv::Point(3, -2)).clone(), Space::all_channels, 0);
  EXPECT_TRUE(std::isinf(shifted_psnr(shifted, reference, 4)));
  EXPECT_TRUE(std::isfinite(shifted_psnr(shifted, reference, 2)));  // the x shift of 3 is out of reach
  EXPECT_DOUBLE_EQ(shifted_psnr(shifted, reference, 0), psnr(shifted, reference));
  // Noise on top: the aligned score is the PSNR of the inner region.
  cv::Mat noisy = shifted.clone();
  cv::randn(noisy, 0.0, 3.0);
  noisy += shifted;
  const cv::Rect inner(4, 4, 40 - 8, 36 - 8);
  const double aligned = psnr(noisy(inner + cv::Point(-3, 2)), reference(inner));
  EXPECT_DOUBLE_EQ(shifted_psnr(noisy, reference, 4), aligned);
  EXPECT_THROW(shifted_psnr(shifted, reference, 18), InvalidArgument);
}

TEST(Flicker, OutputThatChangesAsTheTruthDoesHasNone) {
  cv::Mat a(12, 10, CV_8UC3, cv::Scalar(40, 80, 120)), b(12, 10, CV_8UC3, cv::Scalar(50, 90, 130));
  EXPECT_EQ(flicker(a, b, a, b, 0), 0.0);
  // A still output while the truth brightens by 10 in every channel: the truth's Y change,
  // 10 · (65.481 + 128.553 + 24.966) / 255.
  EXPECT_NEAR(flicker(a, a, a, b, 2), 10 * 219.0 / 255, 1e-9);
  // Only the cropped interior counts: a change on the border alone is no flicker.
  cv::Mat c = a.clone();
  c.row(0).setTo(cv::Scalar(200, 0, 0));
  EXPECT_EQ(flicker(a, c, a, a, 1), 0.0);
  EXPECT_GT(flicker(a, c, a, a, 0), 0.0);
  EXPECT_THROW(flicker(a, cv::Mat(12, 11, CV_8UC3), a, a, 0), InvalidArgument);
}

}  // namespace
}  // namespace restora::metrics

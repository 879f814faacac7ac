// The comparison sheet: panel geometry, the crops against their definition (nearest-neighbour
// enlargement of the same region in every panel, a small input enlarged first), and its errors.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "image/comparison_sheet.h"
#include "restora/errors.h"

namespace restora {
namespace {

cv::Mat Noise(int rows, int cols, int seed) {
  cv::Mat image(rows, cols, CV_8UC3);
  cv::theRNG().state = static_cast<uint64_t>(seed);
  cv::randu(image, 0, 256);
  return image;
}

TEST(ComparisonSheet, PanelsAndCropsShowTheSameRegion) {
  const cv::Mat big = Noise(40, 60, 1), other = Noise(40, 60, 2), small = Noise(10, 15, 3);
  SheetOptions options;
  options.crop = cv::Rect(20, 8, 12, 16);
  options.crop_zoom = 3;
  options.gap = 4;
  const cv::Mat sheet = comparison_sheet({small, big, other}, {"input", "a", "b"}, options);
  const int label = 28, panel = 60;  // the crop (36 wide) is narrower than the image
  ASSERT_EQ(sheet.size(), cv::Size(3 * panel + 2 * 4, label + 40 + 4 + 48));
  ASSERT_EQ(sheet.type(), CV_8UC3);
  cv::Mat small_full;
  cv::resize(small, small_full, big.size(), 0, 0, cv::INTER_NEAREST);
  const std::vector<cv::Mat> fulls{small_full, big, other};
  for (int i = 0; i < 3; ++i) {
    const int x = i * (panel + 4);
    cv::Mat expected;
    cv::resize(fulls[static_cast<size_t>(i)](options.crop), expected, {36, 48}, 0, 0, cv::INTER_NEAREST);
    EXPECT_EQ(cv::norm(sheet(cv::Rect(x, label + 40 + 4, 36, 48)), expected, cv::NORM_INF), 0.0) << i;
    // Outside the crop's frame the panel is the image itself.
    EXPECT_EQ(cv::norm(sheet(cv::Rect(x, label, 18, 40)), fulls[static_cast<size_t>(i)](cv::Rect(0, 0, 18, 40)),
                       cv::NORM_INF),
              0.0)
        << i;
  }
  // A gray image is shown in colour; the default crop is a centred square.
  EXPECT_EQ(comparison_sheet({cv::Mat(40, 60, CV_8UC1, cv::Scalar(9))}, {"gray"}, {}).type(), CV_8UC3);
}

TEST(ComparisonSheet, MismatchedInputsAreRefused) {
  const cv::Mat big = Noise(40, 60, 1);
  EXPECT_THROW(comparison_sheet({big, Noise(40, 50, 2)}, {"a", "b"}, {}), InvalidArgument);
  EXPECT_THROW(comparison_sheet({big, Noise(16, 24, 2)}, {"a", "b"}, {}), InvalidArgument);  // 2.5x
  EXPECT_THROW(comparison_sheet({big}, {"a", "b"}, {}), InvalidArgument);
  SheetOptions outside;
  outside.crop = cv::Rect(50, 30, 20, 20);
  EXPECT_THROW(comparison_sheet({big}, {"a"}, outside), InvalidArgument);
  EXPECT_THROW(comparison_sheet({}, {}, {}), InvalidArgument);
}

}  // namespace
}  // namespace restora

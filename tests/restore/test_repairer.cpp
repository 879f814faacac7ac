// Detection (Restorer::detect) and the Repairer: masks of the image's size, thresholds that
// order them, tiles that do not change them, and repairs that keep every pixel outside the
// filled mask exactly.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "restora/errors.h"
#include "restora/repairer.h"
#include "support/tiny_model.h"

namespace restora {
namespace {

class RepairerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("restora-repairer");
    detector_ = testing::write_tiny_model(dir_ / "repair.safetensors", testing::tiny_meta("repair", 3, "repair"), 4);
    inpainter_ = testing::write_tiny_model(dir_ / "inpaint.safetensors", testing::tiny_meta("inpaint", 3, "inpaint"), 5);
    image_.pixels = cv::Mat(37, 45, CV_8UC3);
    cv::randu(image_.pixels, cv::Scalar::all(0), cv::Scalar::all(256));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  cv::Mat detect(double threshold, int tile = 0) const {
    RestoreOptions options;
    options.model = detector_.string();
    options.threshold = threshold;
    options.tile = tile;
    options.threads = 1;
    return Restorer("repair", options).detect(image_);
  }
  std::filesystem::path dir_, detector_, inpainter_;
  Image image_;
};

TEST_F(RepairerTest, DetectionGivesAMaskOrderedByTheThreshold) {
  const cv::Mat half = detect(0.5);
  ASSERT_EQ(half.type(), CV_8UC1);
  ASSERT_EQ(half.size(), image_.pixels.size());
  EXPECT_EQ(cv::countNonZero(half) + cv::countNonZero(half == 0), static_cast<int>(half.total()));
  EXPECT_EQ(cv::countNonZero(half & (half != 255)), 0);  // 0 or 255 only
  int previous = static_cast<int>(half.total()) + 1;
  for (const double threshold : {1e-6, 0.3, 0.5, 0.7, 1 - 1e-6}) {
    const int marked = cv::countNonZero(detect(threshold));
    EXPECT_LE(marked, previous) << threshold;
    previous = marked;
  }
  EXPECT_EQ(cv::norm(detect(0.5, 8), half, cv::NORM_INF), 0.0);  // tiled == untiled
  EXPECT_THROW(detect(1.0), InvalidArgument);
}

TEST_F(RepairerTest, DetectorsDoNotRestoreNorRestorersDetect) {
  RestoreOptions options;
  options.model = detector_.string();
  EXPECT_THROW(Restorer("repair", options).restore(image_), InvalidArgument);
  options.model = inpainter_.string();
  EXPECT_THROW(Restorer("inpaint", options).detect(image_), InvalidArgument);
  options.model = inpainter_.string();
  EXPECT_THROW(Restorer("repair", options).detect(image_), ModelMismatch);  // an inpainting model
}

TEST_F(RepairerTest, RepairFillsTheGrownMaskAndKeepsEverythingElse) {
  // A threshold at which this untrained detector marks some pixels but not all.
  const double threshold = testing::partial_threshold(detector_, image_.pixels);
  const int marked = cv::countNonZero(detect(threshold));
  ASSERT_GT(marked, 0);
  ASSERT_LT(marked, static_cast<int>(image_.pixels.total()) / 2);
  RepairOptions options;
  options.detector.model = detector_.string();
  options.detector.threshold = threshold;
  options.detector.threads = 1;
  options.inpaint_model = inpainter_.string();
  for (const int grow : {0, 2}) {
    SCOPED_TRACE(grow);
    options.grow = grow;
    Repairer repairer(options);
    const auto repaired = repairer.repair(image_);
    EXPECT_EQ(cv::norm(repaired.found, detect(threshold), cv::NORM_INF), 0.0);
    EXPECT_EQ(cv::countNonZero(repaired.found & ~repaired.mask), 0);  // the mask holds what was found
    if (grow == 0) EXPECT_EQ(cv::norm(repaired.mask, repaired.found, cv::NORM_INF), 0.0);
    else EXPECT_GT(cv::countNonZero(repaired.mask), cv::countNonZero(repaired.found));
    cv::Mat changed;
    cv::absdiff(repaired.image.pixels, image_.pixels, changed);
    cv::cvtColor(changed, changed, cv::COLOR_RGB2GRAY);
    EXPECT_EQ(cv::countNonZero(changed & ~repaired.mask), 0);  // outside the mask: the input
    EXPECT_GT(cv::countNonZero(changed), 0);
  }
  options.grow = 17;
  EXPECT_THROW(Repairer{options}, InvalidArgument);
}

}  // namespace
}  // namespace restora

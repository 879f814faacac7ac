// Inpainting masks: seeded, at least their coverage and not far past it, each family's shape,
// and the mask kind's zeroed pixels and per-pixel map.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "degrade/degradation.h"
#include "degrade/masks.h"
#include "restora/errors.h"

namespace restora {
namespace {

const MaskFamily families[] = {MaskFamily::strokes, MaskFamily::scratches, MaskFamily::blobs,
                               MaskFamily::boxes, MaskFamily::large};

TEST(Masks, SeededWithTheRequestedCoverage) {
  for (const auto family : families) {
    SCOPED_TRACE(mask_family_name(family));
    EXPECT_EQ(mask_family(mask_family_name(family)), family);
    const double target = family == MaskFamily::scratches ? 0.04 : family == MaskFamily::large ? 0.35 : 0.15;
    Rng first(7), again(7), other(8);
    const cv::Mat mask = random_mask(family, {192, 128}, target, first);
    EXPECT_EQ(mask.type(), CV_8UC1);
    EXPECT_EQ(mask.size(), cv::Size(192, 128));
    EXPECT_EQ(cv::norm(mask, random_mask(family, {192, 128}, target, again), cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(mask, random_mask(family, {192, 128}, target, other), cv::NORM_INF), 0.0);
    EXPECT_GE(mask_coverage(mask), target);
    EXPECT_LE(mask_coverage(mask), target + (family == MaskFamily::scratches ? 0.02 : 0.15));
    EXPECT_EQ(cv::countNonZero((mask != 0) & (mask != 255)), 0);  // binary
  }
  Rng rng(1);
  EXPECT_THROW(random_mask(MaskFamily::boxes, {10, 10}, 0.0, rng), InvalidArgument);
  EXPECT_THROW(mask_family("stripes"), InvalidArgument);
}

TEST(Masks, ScratchesAreThinAndHolesAreWide) {
  // An opening with a 5×5 square removes lines up to 3-4 px wide and keeps wide holes.
  const auto opened_fraction = [](MaskFamily family, double coverage) {
    Rng rng(3);
    const cv::Mat mask = random_mask(family, {256, 256}, coverage, rng);
    cv::Mat opened;
    cv::morphologyEx(mask, opened, cv::MORPH_OPEN, cv::getStructuringElement(cv::MORPH_RECT, {5, 5}));
    return static_cast<double>(cv::countNonZero(opened)) / cv::countNonZero(mask);
  };
  EXPECT_LT(opened_fraction(MaskFamily::scratches, 0.04), 0.2);  // crossings survive
  EXPECT_GT(opened_fraction(MaskFamily::large, 0.35), 0.8);
  EXPECT_GT(opened_fraction(MaskFamily::boxes, 0.15), 0.9);
}

TEST(Masks, TheMaskKindZeroesThePixelsAndEmitsTheMap) {
  const cv::Mat gt(64, 80, CV_8UC3, cv::Scalar(10, 120, 240));
  const auto& kind = find_degradation("mask");
  const auto setting = kind.make({{"family", 2}, {"coverage", 0.2}});
  EXPECT_EQ(kind.label(setting), "blobs 20%");
  Rng rng(5);
  auto state = start_degrading(gt);
  kind.apply(state, setting, rng);
  ASSERT_EQ(state.maps.size(), 1u);
  const auto& map = state.maps[0];
  EXPECT_EQ(map.name, "mask");
  ASSERT_EQ(map.pixels.size(), gt.size());
  Rng same(5);
  const cv::Mat expected = random_mask(MaskFamily::blobs, gt.size(), 0.2, same);
  cv::Mat binary;
  map.pixels.convertTo(binary, CV_8U, 255);
  EXPECT_EQ(cv::norm(binary, expected, cv::NORM_INF), 0.0);
  cv::Mat kept = state.image.clone();
  kept.setTo(cv::Scalar::all(0), expected);
  EXPECT_EQ(cv::norm(kept, state.image, cv::NORM_INF), 0.0);           // masked pixels are 0
  cv::Mat untouched = gt.clone();
  untouched.setTo(cv::Scalar::all(0), expected);
  EXPECT_EQ(cv::norm(untouched, state.image, cv::NORM_INF), 0.0);      // the rest unchanged
}

}  // namespace
}  // namespace restora

// The synthetic damage of old prints: seeded, painted only where the mask says (up to the
// quarter-opacity fringe), more with a larger amount, and emitted by the "damage" kind as a map.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "degrade/chain.h"
#include "degrade/damage.h"
#include "degrade/degradation.h"
#include "degrade/masks.h"
#include "restora/errors.h"

namespace restora {
namespace {

// A mid-grey textured photo, far from the paints' extremes.
cv::Mat Photo(int rows, int cols, int channels) {
  cv::Mat image(rows, cols, CV_32FC(channels));
  for (int y = 0; y < rows; ++y)
    for (int x = 0; x < cols; ++x)
      for (int c = 0; c < channels; ++c)
        image.ptr<float>(y)[x * channels + c] = 0.45f + 0.1f * static_cast<float>(((x * 7 + y * 3 + c * 5) % 13) / 13.0);
  return image;
}

TEST(Damage, SeededAndPaintedWhereTheMaskSays) {
  const cv::Mat clean = Photo(160, 200, 3);
  Rng a(5), b(5), c(6);
  const auto first = random_damage(clean, a, 0, 0.8), again = random_damage(clean, b, 0, 0.8);
  EXPECT_EQ(cv::norm(first.image, again.image, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(first.mask, again.mask, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(first.mask, random_damage(clean, c, 0, 0.8).mask, cv::NORM_L1), 0.0);
  ASSERT_EQ(first.mask.type(), CV_8UC1);
  const double coverage = mask_coverage(first.mask);
  EXPECT_GT(coverage, 0.001);
  EXPECT_LT(coverage, 0.3);
  cv::Mat change;
  cv::absdiff(first.image, clean, change);
  cv::cvtColor(change, change, cv::COLOR_RGB2GRAY);
  // Inside the mask the paint shows; outside only faint fringes of soft edges.
  EXPECT_GT(cv::mean(change, first.mask)[0], 0.04);
  EXPECT_LT(cv::mean(change, first.mask == 0)[0], 0.004);
}

TEST(Damage, MoreWithALargerAmountAndGrayWorks) {
  double light = 0, heavy = 0;
  for (uint64_t seed = 0; seed < 16; ++seed) {
    Rng first(seed), second(seed);
    light += mask_coverage(random_damage(Photo(128, 128, 1), first, 0, 0.1).mask);
    heavy += mask_coverage(random_damage(Photo(128, 128, 1), second, 0, 1.0).mask);
  }
  EXPECT_GT(heavy, 2 * light);
  Rng rng(1);
  EXPECT_EQ(random_damage(Photo(32, 32, 1), rng).image.channels(), 1);
  EXPECT_THROW(random_damage(Photo(32, 32, 1), rng, 0, 1.5), InvalidArgument);
  EXPECT_THROW(random_damage(cv::Mat::zeros(8, 8, CV_8UC3), rng), InvalidArgument);
}

TEST(Damage, TheKindEmitsItsMask) {
  const auto& kind = find_degradation("damage");
  EXPECT_FALSE(kind.quantized());
  cv::Mat clean_u8;
  Photo(64, 80, 3).convertTo(clean_u8, CV_8U, 255);
  Rng sampler(1), rng(3), same(3);
  const auto degraded = degrade(sample_chain(parse_chain("damage:amount=0.9"), sampler), clean_u8, rng);
  const auto* map = find_map(degraded.maps, "damage");
  ASSERT_NE(map, nullptr);
  cv::Mat clean;
  clean_u8.convertTo(clean, CV_32F, 1.0 / 255);
  const auto expected = random_damage(clean, same, 0, 0.9);
  cv::Mat expected_map;
  expected.mask.convertTo(expected_map, CV_32F, 1.0 / 255);
  EXPECT_EQ(cv::norm(map->full(clean.size()), expected_map, cv::NORM_INF), 0.0);
  EXPECT_LT(cv::norm(degraded.lq, expected.image, cv::NORM_INF), 1e-6);
}

}  // namespace
}  // namespace restora

namespace restora {
namespace {

TEST(Damage, KindsSplitTheMask) {
  cv::Mat clean(96, 128, CV_32FC3, cv::Scalar::all(0.5));
  int present = 0;
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    Rng rng(seed);
    const auto damage = random_damage(clean, rng, 128, 1.0);
    cv::Mat all = cv::Mat::zeros(clean.size(), CV_8UC1);
    for (const auto& of_kind : damage.kinds) {
      ASSERT_EQ(of_kind.size(), clean.size());
      all |= of_kind;
      present += cv::countNonZero(of_kind) > 0;
    }
    EXPECT_EQ(cv::norm(all, damage.mask, cv::NORM_INF), 0.0) << seed;
  }
  EXPECT_GE(present, 6 * 2);  // each kind is present with probability 0.7
}

}  // namespace
}  // namespace restora

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "degrade/random.h"
#include "restora/errors.h"

namespace restora {
namespace {

// Golden values from tests/degrade/reference/random_reference.py, an
// independent Python implementation of the same algorithms.
TEST(Rng, MatchesIndependentImplementationForSeedOne) {
  Rng rng(1);
  const std::vector<uint64_t> expected = {0xB3F2AF6D0FC710C5ULL, 0x853B559647364CEAULL,
                                          0x92F89756082A4514ULL, 0x642E1C7BC266A3A7ULL};
  for (uint64_t value : expected) EXPECT_EQ(rng.next_u64(), value);
  EXPECT_EQ(Rng(0).next_u64(), 0x99EC5F36CB75F2B4ULL);
}

TEST(Rng, UniformMatchesIndependentImplementation) {
  Rng rng(1);
  EXPECT_EQ(rng.uniform(), 0.7029218331588505);
  EXPECT_EQ(rng.uniform(), 0.5204366199388569);
  EXPECT_EQ(rng.uniform(), 0.5741057000197225);
}

TEST(Rng, UniformIntMatchesIndependentImplementation) {
  Rng dice(1);
  for (int expected : {2, 5, 3, 6, 6, 5, 3, 4, 2, 5}) EXPECT_EQ(dice.uniform_int(1, 6), expected);
  Rng full(1);
  const int lowest = INT32_MIN;
  const int highest = INT32_MAX;
  EXPECT_EQ(full.uniform_int(lowest, highest), -1882779451);
  EXPECT_EQ(full.uniform_int(lowest, highest), -952742678);
  EXPECT_EQ(full.uniform_int(lowest, highest), -2010495724);
}

TEST(Rng, NormalMatchesIndependentImplementation) {
  Rng rng(1);
  for (double expected : {1.884396104787977, 0.18978089448693036, 1.302090250702661,
                          -1.9094343319583578, 0.43832091511541}) {
    EXPECT_DOUBLE_EQ(rng.normal(), expected);
  }
}

TEST(Rng, MixMatchesIndependentImplementationAndIsNotSymmetric) {
  EXPECT_EQ(Rng::mix(1, 2), 0xBF7F6A7A7887B1EEULL);
  EXPECT_EQ(Rng::mix(2, 1), 0x802B5C08C54FCB2CULL);
}

TEST(Rng, UniformHasTheMomentsOfUniform) {
  Rng rng(7);
  const int count = 200000;
  double sum = 0.0, sum_squares = 0.0;
  for (int i = 0; i < count; ++i) {
    const double value = rng.uniform();
    ASSERT_GE(value, 0.0);
    ASSERT_LT(value, 1.0);
    sum += value;
    sum_squares += value * value;
  }
  const double mean = sum / count;
  EXPECT_NEAR(mean, 0.5, 0.003);
  EXPECT_NEAR(sum_squares / count - mean * mean, 1.0 / 12.0, 0.001);
}

TEST(Rng, UniformRangeStaysInside) {
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) {
    const double value = rng.uniform(-2.5, 4.0);
    ASSERT_GE(value, -2.5);
    ASSERT_LT(value, 4.0);
  }
  EXPECT_EQ(rng.uniform(1.5, 1.5), 1.5);
  EXPECT_THROW(rng.uniform(2.0, 1.0), InvalidArgument);
  EXPECT_THROW(rng.uniform(0.0, INFINITY), InvalidArgument);
}

TEST(Rng, NormalHasTheMomentsOfStandardNormal) {
  Rng rng(11);
  const int count = 200000;
  double sum = 0.0, sum_squares = 0.0, sum_fourth = 0.0;
  for (int i = 0; i < count; ++i) {
    const double value = rng.normal();
    sum += value;
    sum_squares += value * value;
    sum_fourth += value * value * value * value;
  }
  EXPECT_NEAR(sum / count, 0.0, 0.01);
  EXPECT_NEAR(sum_squares / count, 1.0, 0.015);
  EXPECT_NEAR(sum_fourth / count, 3.0, 0.1);  // kurtosis of a normal
}

TEST(Rng, UniformIntIsInclusiveAndUnbiased) {
  Rng rng(5);
  std::vector<int> counts(6, 0);
  const int count = 120000;
  for (int i = 0; i < count; ++i) {
    const int value = rng.uniform_int(1, 6);
    ASSERT_GE(value, 1);
    ASSERT_LE(value, 6);
    ++counts[value - 1];
  }
  for (int face : counts) EXPECT_NEAR(face / double(count), 1.0 / 6.0, 0.006);
  EXPECT_EQ(rng.uniform_int(4, 4), 4);
  EXPECT_THROW(rng.uniform_int(5, 4), InvalidArgument);
}

TEST(Rng, CoinIsFair) {
  Rng rng(9);
  int heads = 0;
  for (int i = 0; i < 100000; ++i) heads += rng.coin() ? 1 : 0;
  EXPECT_NEAR(heads / 100000.0, 0.5, 0.006);
}

TEST(Rng, RestoredStateContinuesExactly) {
  Rng original(123);
  for (int i = 0; i < 10; ++i) original.next_u64();
  original.normal();  // leaves the second value of a pair pending
  Rng restored = Rng::restore_state(original.save_state());
  for (int i = 0; i < 100; ++i) {
    ASSERT_EQ(restored.normal(), original.normal());
    ASSERT_EQ(restored.next_u64(), original.next_u64());
    ASSERT_EQ(restored.uniform_int(0, 9), original.uniform_int(0, 9));
  }
  EXPECT_EQ(restored.save_state(), original.save_state());
}

TEST(Rng, MalformedStateIsAFormatError) {
  EXPECT_THROW(Rng::restore_state(""), FormatError);
  EXPECT_THROW(Rng::restore_state("xoshiro256ss-v1 1 2 3"), FormatError);
  EXPECT_THROW(Rng::restore_state("pcg64 1 2 3 4 0 0"), FormatError);
  EXPECT_THROW(Rng::restore_state("xoshiro256ss-v1 0 0 0 0 0 0"), FormatError);
  EXPECT_THROW(Rng::restore_state("xoshiro256ss-v1 1 2 3 4 2 0"), FormatError);
  EXPECT_THROW(Rng::restore_state("xoshiro256ss-v1 1 2 3 4 0 0 extra"), FormatError);
  EXPECT_NO_THROW(Rng::restore_state("xoshiro256ss-v1 1 2 3 4 0 0"));
}

TEST(Rng, DifferentSeedsGiveDifferentStreams) {
  EXPECT_NE(Rng(Rng::mix(42, 0)).next_u64(), Rng(Rng::mix(42, 1)).next_u64());
  EXPECT_NE(Rng(1).next_u64(), Rng(2).next_u64());
}

}  // namespace
}  // namespace restora

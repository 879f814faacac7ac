#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "codec/rans.h"
#include "codec/symbol_table.h"
#include "restora/errors.h"

namespace restora::codec {
namespace {

std::vector<double> gaussian_pmf(double scale, int radius) {
  std::vector<double> pmf;
  for (int v = -radius; v <= radius; ++v)
    pmf.push_back(0.5 * (std::erfc(-(v + 0.5) / scale / std::sqrt(2.0)) -
                         std::erfc(-(v - 0.5) / scale / std::sqrt(2.0))));
  return pmf;
}

TEST(QuantizePmf, EverySlotNonEmptyAndTotalExact) {
  for (double scale : {0.11, 0.7, 3.0, 40.0}) {
    const auto table = quantize_pmf(gaussian_pmf(scale, 20), -20);
    ASSERT_EQ(table.symbols(), 42);  // 41 values + escape
    EXPECT_EQ(table.cdf.front(), 0u);
    EXPECT_EQ(table.cdf.back(), probability_total);
    for (int i = 0; i < table.symbols(); ++i) EXPECT_GT(table.cdf[i + 1], table.cdf[i]);
    EXPECT_NO_THROW(table.check("test"));
  }
  // The most probable value gets the most slots.
  const auto narrow = quantize_pmf(gaussian_pmf(0.5, 5), -5);
  // N(0, 0.5²) puts 68.27 % on 0: 44 739 of the 2^16 slots, less the other 11 slots' minimum.
  EXPECT_NEAR(static_cast<double>(narrow.cdf[6] - narrow.cdf[5]), 44739.0, 12.0);
}

TEST(Rans, ValuesRoundTripIncludingEscapes) {
  std::mt19937 random(7);
  std::vector<SymbolTable> tables{quantize_pmf(gaussian_pmf(0.3, 3), -3),
                                  quantize_pmf(gaussian_pmf(5.0, 30), -30),
                                  quantize_pmf({0.5, 0.25}, 10)};
  std::vector<int32_t> values;
  std::vector<const SymbolTable*> used;
  RansEncoder encoder;
  for (int i = 0; i < 20000; ++i) {
    const auto& table = tables[i % 3];
    int32_t value = std::normal_distribution<double>(0.0, i % 3 == 1 ? 5.0 : 2.0)(random);
    if (i % 997 == 0) value = i % 2 ? INT32_MAX : INT32_MIN;  // far escapes both ways
    if (i % 991 == 0) value = 12345;
    put_value(encoder, table, value);
    values.push_back(value);
    used.push_back(&table);
  }
  const auto bytes = encoder.finish();
  RansDecoder decoder(bytes.data(), bytes.size());
  for (size_t i = 0; i < values.size(); ++i) ASSERT_EQ(get_value(decoder, *used[i]), values[i]) << i;
  EXPECT_NO_THROW(decoder.finish());
}

TEST(Rans, CostFollowsTheModel) {
  // 100 000 values of a 0.9/0.1 source cost about its entropy (0.469 bits each).
  const auto table = quantize_pmf({0.9, 0.1 - 1e-6}, 0);
  RansEncoder encoder;
  std::mt19937 random(3);
  for (int i = 0; i < 100000; ++i) put_value(encoder, table, random() % 10 == 0 ? 1 : 0);
  const double bits = encoder.finish().size() * 8.0;
  EXPECT_NEAR(bits / 100000, 0.469, 0.01);
}

TEST(Rans, TruncatedOrExtendedStreamsAreErrors) {
  const auto table = quantize_pmf(gaussian_pmf(4.0, 20), -20);
  RansEncoder encoder;
  for (int i = 0; i < 500; ++i) put_value(encoder, table, (i * 7) % 23 - 11);
  auto bytes = encoder.finish();
  const auto decode_all = [&](const std::vector<uint8_t>& stream) {
    RansDecoder decoder(stream.data(), stream.size());
    for (int i = 0; i < 500; ++i) get_value(decoder, table);
    decoder.finish();
  };
  EXPECT_NO_THROW(decode_all(bytes));
  for (size_t cut : {size_t{0}, size_t{3}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> shorter(bytes.begin(), bytes.begin() + cut);
    EXPECT_THROW(decode_all(shorter), FormatError) << cut;
  }
  auto longer = bytes;
  longer.push_back(0);
  EXPECT_THROW(decode_all(longer), FormatError);
}

TEST(Rans, RejectsEmptySlots) {
  RansEncoder encoder;
  EXPECT_THROW(encoder.put(10, 0), InvalidArgument);
  EXPECT_THROW(encoder.put(probability_total - 1, 2), InvalidArgument);
}

}  // namespace
}  // namespace restora::codec

#include <gtest/gtest.h>

#include <algorithm>

#include "codec/coding_tables.h"
#include "restora/errors.h"

namespace restora::codec {
namespace {

CodingTables sample() {
  CodingTables tables;
  tables.z_tables = {quantize_pmf({0.2, 0.6, 0.2}, -1), quantize_pmf({0.9}, 0)};
  for (int k = 0; k < 4; ++k) tables.y_tables.push_back(quantize_pmf({0.1, 0.8 - 0.1 * k, 0.1}, -1));
  tables.fraction_bits = 10;
  tables.log_scale_first = -2260;  // ≈ log(0.11) · 1024
  tables.log_scale_step = 300;
  return tables;
}

model_file::Safetensors as_file(const std::vector<model_file::Tensor>& tensors) {
  model_file::Safetensors file;
  file.tensors = tensors;
  return file;
}

TEST(CodingTables, RoundTripThroughModelTensors) {
  const auto tables = sample();
  const auto tensors = to_tensors(tables);
  const auto back = tables_from_tensors(as_file(tensors), "test");
  ASSERT_EQ(back.z_tables.size(), 2u);
  ASSERT_EQ(back.y_tables.size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(back.y_tables[i].cdf, tables.y_tables[i].cdf);
    EXPECT_EQ(back.y_tables[i].offset, -1);
  }
  EXPECT_EQ(back.log_scale_first, -2260);
  EXPECT_EQ(back.log_scale_step, 300);
  EXPECT_EQ(coding_fingerprint(tensors), coding_fingerprint(to_tensors(back)));
  auto changed = sample();
  changed.y_tables[2] = quantize_pmf({0.1, 0.7, 0.2}, -1);
  EXPECT_NE(coding_fingerprint(tensors), coding_fingerprint(to_tensors(changed)));
}

TEST(CodingTables, MalformedTablesAreRefused) {
  auto tensors = to_tensors(sample());
  for (auto& tensor : tensors)
    if (tensor.name == "coding.y_cdf")  // entry 2 = entry 1: an empty slot
      std::copy(tensor.bytes.begin() + 4, tensor.bytes.begin() + 8, tensor.bytes.begin() + 8);
  EXPECT_THROW(tables_from_tensors(as_file(tensors), "test"), FormatError);
  tensors = to_tensors(sample());
  tensors.erase(tensors.begin());
  EXPECT_THROW(tables_from_tensors(as_file(tensors), "test"), FormatError);
}

TEST(CodingTables, ScaleIndexRoundsToNearestAndClamps) {
  const auto tables = sample();
  EXPECT_EQ(tables.y_table_for(-100000), 0);
  EXPECT_EQ(tables.y_table_for(-2260), 0);
  EXPECT_EQ(tables.y_table_for(-2260 + 149), 0);
  EXPECT_EQ(tables.y_table_for(-2260 + 150), 1);
  EXPECT_EQ(tables.y_table_for(-2260 + 2 * 300 - 151), 1);
  EXPECT_EQ(tables.y_table_for(-2260 + 3 * 300), 3);
  EXPECT_EQ(tables.y_table_for(1 << 30), 3);
}

TEST(CodingTables, ValuesRoundTripWithTheirTables) {
  const auto tables = sample();
  std::vector<int32_t> values;
  std::vector<uint16_t> table_of;
  for (int i = 0; i < 3000; ++i) {
    values.push_back((i * 37) % 7 - 3);
    table_of.push_back(static_cast<uint16_t>(i % 4));
  }
  const auto bytes = encode_values(values, table_of, tables.y_tables);
  EXPECT_EQ(decode_values(bytes, table_of, tables.y_tables), values);
  auto wrong = table_of;
  wrong[5] = 9;
  EXPECT_THROW(decode_values(bytes, wrong, tables.y_tables), FormatError);
}

}  // namespace
}  // namespace restora::codec

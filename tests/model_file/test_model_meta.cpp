// Tests of src/model_file/model_meta: round trips and one rejection per
// missing, mistyped or unknown field, each naming the field.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "model_file/model_meta.h"
#include "restora/errors.h"

namespace restora::model_file {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::string source = "m.safetensors";
const std::string prefix = "cannot read model file 'm.safetensors': ";

ModelMeta valid_meta() {
  ModelMeta meta;
  meta.name = "edsr-baseline-x2";
  meta.description = "EDSR baseline, bicubic x2, DIV2K";
  meta.arch = "edsr";
  meta.arch_config = {{"num_features", 64}, {"num_blocks", 16}, {"res_scale", 1.0}};
  meta.task = "super_resolution";
  meta.scales = {2, 4};
  meta.in_channels = 3;
  meta.out_channels = 3;
  meta.color_space = ColorSpace::rgb;
  meta.input_range = {0.0, 255.0};
  meta.conditioning = Conditioning::sigma;
  meta.tile_overlap = 16;
  meta.size_multiple = 8;
  meta.precision = {Precision::fp32, Precision::bf16};
  meta.recipe = {{"command", "restora train configs/edsr_x2.json"}, {"steps", 300000}};
  meta.scores = {{"Set5", {{"psnr_y", 37.98}}}};
  meta.created = "2024-05-01T12:30:00Z";
  return meta;
}

std::map<std::string, std::string> metadata_with(const json& document) {
  return {{"format", "restora-model"}, {"format_version", "1"}, {"restora", document.dump()}};
}

// The FormatError message of parse_model_meta, or a note saying what happened instead.
std::string parse_failure(const std::map<std::string, std::string>& metadata) {
  try {
    parse_model_meta(metadata, source);
  } catch (const FormatError& error) {
    return error.what();
  } catch (const std::exception& error) {
    return std::string("<not a FormatError> ") + error.what();
  }
  return "<parsed without error>";
}

::testing::AssertionResult fails_with(const std::map<std::string, std::string>& metadata,
                                      const std::string& fragment) {
  const std::string message = parse_failure(metadata);
  if (message.rfind(prefix, 0) == 0 && message.find(fragment) != std::string::npos &&
      message.find('\n') == std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << "message \"" << message << "\" lacks \"" << fragment << "\"";
}

TEST(ModelMeta, EnumNamesAreTheFileStrings) {
  EXPECT_STREQ(color_space_name(ColorSpace::gray), "gray");
  EXPECT_STREQ(color_space_name(ColorSpace::rgb), "rgb");
  EXPECT_STREQ(conditioning_name(Conditioning::none), "none");
  EXPECT_STREQ(conditioning_name(Conditioning::sigma), "sigma");
  EXPECT_STREQ(conditioning_name(Conditioning::quality), "quality");
  EXPECT_STREQ(precision_name(Precision::fp32), "fp32");
  EXPECT_STREQ(precision_name(Precision::bf16), "bf16");
}

TEST(ModelMeta, RoundTripsThroughMetadata) {
  const ModelMeta meta = valid_meta();
  const std::map<std::string, std::string> metadata = to_metadata(meta);
  ASSERT_EQ(metadata.size(), 3u);
  EXPECT_EQ(metadata.at("format"), "restora-model");
  EXPECT_EQ(metadata.at("format_version"), "1");
  const ModelMeta parsed = parse_model_meta(metadata, source);
  EXPECT_EQ(to_json(parsed), to_json(meta));
  EXPECT_EQ(parsed.scales, meta.scales);
  EXPECT_EQ(parsed.input_range, meta.input_range);
  EXPECT_EQ(parsed.conditioning, Conditioning::sigma);
  EXPECT_EQ(parsed.precision, meta.precision);
  EXPECT_EQ(parsed.arch_config.at("num_blocks"), 16);
}

TEST(ModelMeta, DefaultsNeedOnlyNameArchTaskAndDate) {
  ModelMeta meta;
  meta.name = "dncnn";
  meta.arch = "dncnn";
  meta.task = "denoise";
  meta.created = "2024-05-01";
  const ModelMeta parsed = parse_model_meta(to_metadata(meta), source);
  EXPECT_EQ(to_json(parsed), to_json(meta));
  EXPECT_EQ(parsed.scales, std::vector<int>{1});
}

TEST(ModelMeta, ToJsonHoldsEveryFieldAsWritten) {
  const json document = to_json(valid_meta());
  EXPECT_EQ(document.size(), 18u);
  EXPECT_EQ(document.at("color_space"), "rgb");
  EXPECT_EQ(document.at("precision"), json::array({"fp32", "bf16"}));
  EXPECT_EQ(document.at("input_range"), json::array({0.0, 255.0}));
}

TEST(ModelFile, WriteThenReadRoundTrips) {
  const fs::path folder = fs::temp_directory_path() / "restora_ModelFile_WriteThenRead";
  fs::remove_all(folder);
  fs::create_directories(folder);
  ModelFile model;
  model.meta = valid_meta();
  model.tensors = {{"head.weight", DType::f32, {1, 2}, {0, 0, 128, 63, 0, 0, 0, 64}},
                   {"head.bias", DType::f32, {}, {0, 0, 0, 0}}};
  write_model_file(folder / "edsr.safetensors", model);
  const ModelFile read = read_model_file(folder / "edsr.safetensors");
  EXPECT_EQ(to_json(read.meta), to_json(model.meta));
  ASSERT_EQ(read.tensors.size(), 2u);
  const Safetensors file{{}, read.tensors};
  EXPECT_EQ(file.find("head.weight")->bytes, model.tensors[0].bytes);
  EXPECT_EQ(file.find("head.bias")->shape, std::vector<int64_t>{});

  ModelFile invalid = model;
  invalid.meta.in_channels = 0;
  EXPECT_THROW(write_model_file(folder / "invalid.safetensors", invalid), InvalidArgument);
  EXPECT_FALSE(fs::exists(folder / "invalid.safetensors"));

  write_safetensors(folder / "plain.safetensors", {});
  try {
    read_model_file(folder / "plain.safetensors");
    FAIL() << "no FormatError";
  } catch (const FormatError& error) {
    EXPECT_NE(std::string(error.what()).find("not a Restora model"), std::string::npos);
  }
  fs::remove_all(folder);
}

TEST(ModelMeta, EachMissingFieldIsNamed) {
  const json valid = to_json(valid_meta());
  for (const auto& [field, unused] : valid.items()) {
    if (field == "output_range") continue;  // optional, below
    json document = valid;
    document.erase(field);
    EXPECT_TRUE(
        fails_with(metadata_with(document), "restora metadata lacks field '" + field + "'"));
  }
}

TEST(ModelMeta, MissingOutputRangeIsTheInputRange) {
  // Files written before output_range existed still load.
  json document = to_json(valid_meta());
  document.erase("output_range");
  const auto meta = parse_model_meta(metadata_with(document), "old.safetensors");
  EXPECT_EQ(meta.output_range, meta.input_range);
}

TEST(ModelMeta, StrengthBaseIsOptionalAndRoundTrips) {
  auto meta = valid_meta();
  EXPECT_FALSE(to_json(meta).contains("strength_base"));  // absent when empty
  meta.strength_base = "real-x4";
  const auto parsed = parse_model_meta(to_metadata(meta), source);
  EXPECT_EQ(parsed.strength_base, "real-x4");
  json document = to_json(meta);
  document["strength_base"] = "";
  EXPECT_TRUE(fails_with(metadata_with(document), "strength_base"));
  document["strength_base"] = 3;
  EXPECT_TRUE(fails_with(metadata_with(document), "strength_base"));
}

TEST(ModelMeta, UnknownFieldsAreRejected) {
  json document = to_json(valid_meta());
  document["scale"] = 2;
  EXPECT_TRUE(fails_with(metadata_with(document), "restora metadata has unknown field 'scale'"));
}

struct BadField {
  const char* field;
  json value;
};

class MistypedFields : public ::testing::TestWithParam<BadField> {};

TEST_P(MistypedFields, AreRejectedByName) {
  json document = to_json(valid_meta());
  document[GetParam().field] = GetParam().value;
  EXPECT_TRUE(
      fails_with(metadata_with(document), "field '" + std::string(GetParam().field) + "' must be"))
      << GetParam().value;
}

INSTANTIATE_TEST_SUITE_P(
    ModelMeta, MistypedFields,
    ::testing::Values(
        BadField{"name", 3}, BadField{"name", ""}, BadField{"description", nullptr},
        BadField{"arch", ""}, BadField{"arch", json::array({"edsr"})},
        BadField{"arch_config", json::array()}, BadField{"arch_config", "{}"}, BadField{"task", ""},
        BadField{"task", true}, BadField{"scales", json::array()}, BadField{"scales", {0}},
        BadField{"scales", {-2}}, BadField{"scales", {2, 2}}, BadField{"scales", {1.5}},
        BadField{"scales", 2}, BadField{"scales", {"2"}}, BadField{"scales", {4294967298}},
        BadField{"in_channels", 0}, BadField{"in_channels", 5}, BadField{"in_channels", 3.0},
        BadField{"in_channels", "3"}, BadField{"out_channels", -1},
        BadField{"out_channels", 18446744073709551615u}, BadField{"color_space", "bgr"},
        BadField{"color_space", "RGB"}, BadField{"color_space", 3}, BadField{"input_range", {0}},
        BadField{"input_range", {1, 0}}, BadField{"input_range", {1, 1}},
        BadField{"input_range", {0, "1"}}, BadField{"input_range", {0, 1, 2}},
        BadField{"output_range", {1, 0}}, BadField{"output_range", {0, "1"}},
        BadField{"conditioning", "blur"}, BadField{"conditioning", nullptr},
        BadField{"tile_overlap", -1}, BadField{"tile_overlap", 1.5},
        BadField{"tile_overlap", 3000000000}, BadField{"size_multiple", 0},
        BadField{"precision", json::array()}, BadField{"precision", {"fp16"}},
        BadField{"precision", {"fp32", "fp32"}}, BadField{"precision", "fp32"},
        BadField{"recipe", "train.json"}, BadField{"recipe", nullptr},
        BadField{"scores", json::array()}, BadField{"created", "yesterday"},
        BadField{"created", "2024-13-01"}, BadField{"created", "2024-05-00"},
        BadField{"created", "2024-05-01 12:00"}, BadField{"created", 20240501},
        BadField{"created", ""}));

TEST(ModelMeta, FormatAndVersionAreChecked) {
  std::map<std::string, std::string> metadata = to_metadata(valid_meta());
  metadata.erase("format");
  EXPECT_TRUE(fails_with(metadata, "not a Restora model (__metadata__ lacks 'format')"));
  metadata["format"] = "pt";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ 'format' is 'pt', not 'restora-model'"));
  metadata["format"] = "restora-model";
  metadata["format_version"] = "2";
  EXPECT_TRUE(fails_with(metadata, "unsupported format_version '2'"));
  metadata.erase("format_version");
  EXPECT_TRUE(fails_with(metadata, "__metadata__ lacks 'format_version'"));
  metadata["format_version"] = "1";
  metadata["license"] = "MIT";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ has unknown key 'license'"));
  metadata.erase("license");
  metadata.erase("restora");
  EXPECT_TRUE(fails_with(metadata, "__metadata__ lacks 'restora'"));
}

TEST(ModelMeta, TheRestoraDocumentMustBeAStrictJsonObject) {
  std::map<std::string, std::string> metadata = to_metadata(valid_meta());
  metadata["restora"] = "{\"name\": ";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ 'restora' is not valid JSON"));
  metadata["restora"] = "[1, 2]";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ 'restora' is not a JSON object"));
  metadata["restora"] = R"({"name": "a", "name": "b"})";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ 'restora' has duplicate key 'name'"));
  metadata["restora"] =
      "{\"arch_config\": " + std::string(1000, '[') + std::string(1000, ']') + "}";
  EXPECT_TRUE(fails_with(metadata, "__metadata__ 'restora' nests deeper than 64 levels"));
}

TEST(ModelMeta, ToMetadataRejectsWhatAReaderWouldRefuse) {
  const auto rejects = [](ModelMeta meta, const std::string& fragment) {
    try {
      to_metadata(meta);
    } catch (const InvalidArgument& error) {
      return std::string(error.what()).find(fragment) != std::string::npos;
    }
    return false;
  };
  ModelMeta meta = valid_meta();
  meta.scales.clear();
  EXPECT_TRUE(rejects(meta, "field 'scales'"));
  meta = valid_meta();
  meta.out_channels = 7;
  EXPECT_TRUE(rejects(meta, "field 'out_channels'"));
  meta = valid_meta();
  meta.created = "May 2024";
  EXPECT_TRUE(rejects(meta, "field 'created'"));
  meta = valid_meta();
  meta.recipe = json::array();
  EXPECT_TRUE(rejects(meta, "field 'recipe'"));
  meta = valid_meta();
  meta.description = "\xff";
  EXPECT_TRUE(rejects(meta, "UTF-8"));
}

}  // namespace
}  // namespace restora::model_file

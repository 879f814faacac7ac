// End to end: help, usage errors, `models`, `info` and the light checks of `eval`.
#include <gtest/gtest.h>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliUsage = CliTest;

TEST_F(CliUsage, HelpOfEverySubcommandExitsZeroAndShowsDefaults) {
  // Each subcommand with one option whose default the help must show ("NAME TYPE=DEFAULT").
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"denoise", "--tile INT=0"},
      {"upscale", "--scale INT=2"},
      {"dejpeg", "=auto"},
      {"degrade", "--seed UINT=0"},
      {"train", "--stop-at INT=0"},
      {"eval", "--output TEXT=docs/RESULTS.md"},
      {"models", "--json"},
      {"info", "--json"},
      {"compress", "--quality INT:INT in [1 - 255]=5"},
      {"decompress", "--precision TEXT:{auto,fp32,bf16}=fp32"},
      {"restore", "--scale INT:{1,2,4}=1"},
      {"compare", "--zoom INT:INT in [1 - 16]=2"}};
  for (const auto& [command, shown] : cases) {
    SCOPED_TRACE(command);
    const auto result = run({command, "-h"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("Usage:"), std::string::npos) << result.out;
    EXPECT_NE(result.out.find(shown), std::string::npos) << result.out;
  }
  const auto top = run({"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command :
       {"denoise", "upscale", "dejpeg", "degrade", "train", "eval", "models", "info", "compress",
        "decompress", "restore", "compare"})
    EXPECT_NE(top.out.find(command), std::string::npos) << command;
}

TEST_F(CliUsage, UsageErrorsExitTwo) {
  write_image_file(work_ / "in.png", random_image(8, 8, 3, 1));
  const auto in = (work_ / "in.png").string(), out = (work_ / "out" / "x.png").string();
  const std::vector<std::vector<std::string>> cases = {
      {},                                                   // no subcommand
      {"sharpen", "-i", in, "-o", out},                     // unknown subcommand
      {"denoise", "-i", in, "-o", out, "--bogus"},          // unknown option
      {"denoise", "-o", out},                               // missing -i
      {"denoise", "-i", in, "-o", out, "--tile", "abc"},    // not a number
      {"dejpeg", "-i", in, "-o", out, "--quality", "101"},  // out of range
      {"degrade", "-i", in, "-o", out},                     // no degradation chosen
      {"train", (work_ / "missing.json").string()},         // config must exist
      {"info"}};                                            // missing file argument
  for (const auto& arguments : cases) {
    const auto result = run(arguments);
    SCOPED_TRACE(result.command);
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_FALSE(result.err.empty());
  }
  EXPECT_FALSE(fs::exists(work_ / "out"));
}

TEST_F(CliUsage, ModelsListsTheModelsOfRestoraModels) {
  const auto text = run({"models"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  for (const char* name : {"denoise-gray", "denoise-color", "sr", "dejpeg-gray", "dejpeg-color"})
    EXPECT_NE(text.out.find(std::string("\n") + name + " "), std::string::npos) << text.out;

  const auto listed = run({"models", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto list = json::parse(listed.out);
  ASSERT_TRUE(list.is_array());
  std::map<std::string, json> by_name;
  for (const auto& entry : list) by_name[entry.at("name").get<std::string>()] = entry;
  for (const char* name : {"denoise-gray", "denoise-color", "sr", "dejpeg-gray", "dejpeg-color"}) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_EQ(fs::path(by_name[name].at("path").get<std::string>()), model(name));
  }
  EXPECT_EQ(by_name["sr"].at("task"), "super_resolution");
  EXPECT_EQ(by_name["sr"].at("scales"), json({2, 3, 4}));
  EXPECT_EQ(by_name["denoise-gray"].at("in_channels"), 1);
  EXPECT_EQ(by_name["dejpeg-color"].at("task"), "dejpeg");
}

TEST_F(CliUsage, InfoDescribesAnImage) {
  cv::Mat rgba = random_image(5, 7, 4, 2);
  cv::Mat rgba16;
  rgba.convertTo(rgba16, CV_16U, 257);
  write_image_file(work_ / "a.png", rgba16);

  const auto text = run({"info", (work_ / "a.png").string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("7x5"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("alpha"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("16-bit"), std::string::npos) << text.out;

  const auto parsed = run({"info", "--json", (work_ / "a.png").string()});
  ASSERT_EQ(parsed.exit_code, 0) << parsed.err;
  const auto info = json::parse(parsed.out);
  EXPECT_EQ(info.at("width"), 7);
  EXPECT_EQ(info.at("height"), 5);
  EXPECT_EQ(info.at("channels"), 3);
  EXPECT_EQ(info.at("alpha"), true);
  EXPECT_EQ(info.at("bit_depth"), 16);
}

TEST_F(CliUsage, InfoDescribesAModel) {
  const auto text = run({"info", model("sr").string()});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("model 'sr'"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("task super_resolution, arch edsr"), std::string::npos) << text.out;
  const auto result = run({"info", "--json", model("sr").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto info = json::parse(result.out);
  EXPECT_EQ(info.at("name"), "sr");
  EXPECT_EQ(info.at("arch"), "edsr");
  EXPECT_EQ(info.at("task"), "super_resolution");
  EXPECT_GT(info.at("parameters").get<int64_t>(), 0);
}

TEST_F(CliUsage, EvalWithAMissingDataFolderFailsInOneLine) {
  const auto missing = (work_ / "no-data").string();
  const auto report = work_ / "report" / "RESULTS.md";
  const auto result =
      run({"eval", "--task", "denoise", "--data", missing, "--no-peers", "-o", report.string()});
  expect_one_error_line(result, 1, {missing});
  EXPECT_FALSE(fs::exists(report));
}

TEST_F(CliUsage, EvalMeasuresReportsAndRecords) {
  // A fake data folder: two 24×24 colour images as "Set5"; peers off, so no peers/ folder.
  for (int index = 0; index < 2; ++index)
    write_image_file(work_ / "data" / "test" / "Set5" / ("img" + std::to_string(index) + ".png"),
                     random_image(24, 24, 3, 30 + index));
  const auto model_copy = work_ / "sr-copy.safetensors";
  fs::copy_file(model("sr"), model_copy);
  const auto report = work_ / "report" / "RESULTS.md";
  const auto result = run({"eval", "--task", "super_resolution", "--sets", "Set5", "--data",
                           (work_ / "data").string(), "--model", model_copy.string(), "--no-peers",
                           "--threads", "1", "--record", "--json", "-o", report.string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto evaluation = json::parse(result.out);
  ASSERT_EQ(evaluation.at("results").size(), 1u);
  const auto& set = evaluation["results"][0];
  EXPECT_EQ(set.at("set"), "Set5");
  EXPECT_EQ(set.at("images"), 2);
  bool found_ours = false;
  for (const auto& method : set.at("methods")) {
    ASSERT_EQ(method.at("cells").size(), 3u) << method;  // x2, x3, x4
    for (const auto& cell : method["cells"]) EXPECT_GT(cell.at("psnr").get<double>(), 5.0) << cell;
    found_ours |= method.at("method").get<std::string>().rfind("Restora sr", 0) == 0;
  }
  EXPECT_TRUE(found_ours) << set;
  EXPECT_NE(read_text(report).find("### Set5 (2 images)"), std::string::npos);
  const auto info = json::parse(run({"info", "--json", model_copy.string()}).out);
  const auto& recorded = info.at("scores").at("test").at("sets");
  ASSERT_EQ(recorded.size(), 1u) << recorded;
  EXPECT_EQ(recorded[0].at("set"), "Set5");
}

TEST_F(CliUsage, EvalRecordRefusesPartialSets) {
  const auto report = work_ / "report" / "RESULTS.md";
  const auto result =
      run({"eval", "--task", "denoise", "--record", "--limit", "2", "-o", report.string()});
  expect_one_error_line(result, 2, {"--record", "--limit"});
  EXPECT_FALSE(fs::exists(report));
}

}  // namespace
}  // namespace restora::testing

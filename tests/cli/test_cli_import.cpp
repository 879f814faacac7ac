// restora import end to end: a committed PyTorch checkpoint becomes a model every command runs;
// hostile files and bad options give one line, the right exit code and no output file.
#include <gtest/gtest.h>

#include "cli_test_support.h"

namespace restora::testing {
namespace {

const std::filesystem::path fixtures = RESTORA_TESTS_DIR;

TEST_F(CliTest, ImportedModelRunsLikeAShippedOne) {
  const auto model = work_ / "compact.safetensors";
  const auto imported = run({"import", (fixtures / "importer/fixtures/srvgg_x4.pth").string(), "-o",
                             model.string(), "--name", "compact", "--task", "super_resolution"});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("SRVGGNetCompact"), std::string::npos) << imported.err;
  const auto info = run({"info", "--json", model.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto meta = nlohmann::json::parse(info.out);
  EXPECT_EQ(meta["name"], "compact");
  EXPECT_EQ(meta["arch"], "srvgg");
  EXPECT_EQ(meta["recipe"]["imported"]["file"], "srvgg_x4.pth");
  write_image_file(work_ / "in.png", random_image(20, 16, 3, 7));
  const auto upscaled = run({"upscale", "--scale", "4", "--model", model.string(), "-i",
                             (work_ / "in.png").string(), "-o", (work_ / "out.png").string()});
  ASSERT_EQ(upscaled.exit_code, 0) << upscaled.err;
  EXPECT_EQ(read_image_file(work_ / "out.png").size(), cv::Size(64, 80));
}

TEST_F(CliTest, ImportRefusesHostileFilesInOneLine) {
  const auto out = work_ / "evil.safetensors";
  const auto result = run({"import", (fixtures / "pth/fixtures/calls_system.pth").string(), "-o", out.string()});
  EXPECT_EQ(result.exit_code, 1);
  ASSERT_EQ(result.err_lines().size(), 1u) << result.err;
  EXPECT_NE(result.err.find("calls_system.pth"), std::string::npos);
  EXPECT_NE(result.err.find("posix.system"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(out));
  const auto module = run({"import", (fixtures / "pth/fixtures/whole_module.pth").string(), "-o", out.string()});
  EXPECT_EQ(module.exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(out));
}

TEST_F(CliTest, ImportUsageErrors) {
  const auto pth = (fixtures / "importer/fixtures/srvgg_x4.pth").string();
  const auto wrong = run({"import", pth, "-o", (work_ / "model.pth").string()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find(".safetensors"), std::string::npos);
  EXPECT_EQ(run({"import", pth, "-o", (work_ / "m.safetensors").string(), "--task", "paint"}).exit_code, 2);
  EXPECT_EQ(run({"import", (work_ / "missing.pth").string(), "-o", (work_ / "m.safetensors").string()}).exit_code, 1);
  EXPECT_FALSE(std::filesystem::exists(work_ / "m.safetensors"));
}

}  // namespace
}  // namespace restora::testing

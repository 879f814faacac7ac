// End to end: restora deblur, blind and with a kernel file, and its bad inputs.
#include <gtest/gtest.h>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using CliDeblur = CliTest;

const char* box_kernel = "0.04 0.04 0.04 0.04 0.04\n0.04 0.04 0.04 0.04 0.04\n0.04 0.04 0.04 0.04 0.04\n"
                         "0.04 0.04 0.04 0.04 0.04\n0.04 0.04 0.04 0.04 0.04\n";

TEST_F(CliDeblur, KernelSelectsTheNonBlindModelOnColourAndGray) {
  write_image_file(work_ / "color.png", random_image(36, 40, 3, 1));
  write_image_file(work_ / "gray.png", random_image(24, 30, 1, 2));
  write_text(work_ / "k.txt", box_kernel);
  for (const char* name : {"color", "gray"})
    for (const bool circular : {false, true}) {
      SCOPED_TRACE(std::string(name) + (circular ? " circular" : ""));
      const auto output = work_ / "out" / (std::string(name) + (circular ? "-c" : "") + ".png");
      std::vector<std::string> arguments = {"deblur", "-i", (work_ / (std::string(name) + ".png")).string(),
                                            "-o", output.string(), "--kernel", (work_ / "k.txt").string(),
                                            "--sigma", "5", "--threads", "1"};
      if (circular) arguments.push_back("--circular");
      const auto result = run(arguments);
      ASSERT_EQ(result.exit_code, 0) << result.err;
      EXPECT_NE(result.out.find("model deblur-kernel"), std::string::npos) << result.out;
      const auto input = read_image_file(work_ / (std::string(name) + ".png"));
      const auto restored = read_image_file(output);
      EXPECT_EQ(restored.size(), input.size());
      EXPECT_EQ(restored.type(), input.type());
    }
}

TEST_F(CliDeblur, WithoutKernelTheBlindModelRuns) {
  write_image_file(work_ / "in.png", random_image(20, 22, 3, 3));
  const auto result = run({"deblur", "-i", (work_ / "in.png").string(), "-o",
                           (work_ / "out.png").string(), "--threads", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("model deblur "), std::string::npos) << result.out;
  // The non-blind model named without its kernel: one line, nothing written.
  const auto refused = run({"deblur", "-i", (work_ / "in.png").string(), "-o",
                            (work_ / "refused.png").string(), "-m", "deblur-kernel"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("needs the blur kernel"), std::string::npos) << refused.err;
  EXPECT_FALSE(fs::exists(work_ / "refused.png"));
}

TEST_F(CliDeblur, BadKernelsAreRefusedWithOneLine) {
  write_image_file(work_ / "in.png", random_image(12, 12, 3, 4));
  write_text(work_ / "half.txt", "0.25 0.25\n0 0\n");
  write_text(work_ / "nan.txt", "0.5 nan 0.5\n");
  write_text(work_ / "negative.txt", "1.2 -0.2 0\n");
  std::string large;
  for (int row = 0; row < 15; ++row) {
    for (int column = 0; column < 15; ++column) large += "0.00444444 ";
    large += "\n";
  }
  write_text(work_ / "large.txt", large);
  const std::pair<const char*, const char*> cases[] = {{"half.txt", "sums to 0.5"},
                                                       {"nan.txt", "not finite"},
                                                       {"negative.txt", "negative value"},
                                                       {"large.txt", "is larger than the 12x12 image"}};
  for (const auto& [file, expected] : cases) {
    SCOPED_TRACE(file);
    const auto kernel = (work_ / file).string();
    const auto result = run({"deblur", "-i", (work_ / "in.png").string(), "-o",
                             (work_ / "out.png").string(), "--kernel", kernel});
    EXPECT_EQ(result.exit_code, 2);
    ASSERT_EQ(result.err_lines().size(), 1u) << result.err;
    EXPECT_NE(result.err.find(kernel), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(work_ / "out.png"));
  }
}

}  // namespace
}  // namespace restora::testing

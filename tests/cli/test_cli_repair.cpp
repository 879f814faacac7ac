// End to end: restora repair fills what the detector finds, keeps every other pixel, saves the
// mask it filled (for a file and for a folder), and refuses bad input with one line.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <opencv2/imgproc.hpp>

#include "cli/cli_test_support.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using CliRepair = CliTest;

// The pixels of `a` and `b` that differ, as a CV_8UC1 mask.
cv::Mat Changed(const cv::Mat& a, const cv::Mat& b) {
  cv::Mat difference;
  cv::absdiff(a, b, difference);
  cv::cvtColor(difference, difference, cv::COLOR_RGB2GRAY);
  return difference > 0;
}

TEST_F(CliRepair, FillsWhatItFindsAndSavesTheMask) {
  const cv::Mat image = random_image(40, 52, 3, 7);
  write_image_file(work_ / "in.png", image);
  // Thresholds at which this untrained detector marks some of the pixels, and fewer.
  const double partial = partial_threshold(model("repair"), image);
  std::vector<int> marked;
  for (const auto& threshold : {fmt::format("{:.17g}", partial), fmt::format("{:.17g}", std::min(0.99, partial + 0.001))}) {
    SCOPED_TRACE(threshold);
    const auto output = work_ / ("out-" + threshold + ".png");
    const auto mask_path = work_ / ("mask-" + threshold + ".png");
    const auto result = run({"repair", "-i", (work_ / "in.png").string(), "-o", output.string(),
                             "--save-mask", mask_path.string(), "--threshold", threshold, "--threads", "1"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("models repair + inpaint"), std::string::npos) << result.out;
    const cv::Mat repaired = read_image_file(output), mask = read_image_file(mask_path);
    ASSERT_EQ(mask.size(), image.size());
    ASSERT_EQ(mask.channels(), 1);
    EXPECT_EQ(cv::countNonZero(Changed(repaired, image) & ~mask), 0);  // only the mask changes
    marked.push_back(cv::countNonZero(mask));
  }
  EXPECT_GT(marked[0], 0);
  EXPECT_GE(marked[0], marked[1]);
}

TEST_F(CliRepair, AFolderGetsAFolderOfMasks) {
  write_image_file(work_ / "in" / "a.png", random_image(24, 30, 3, 8));
  write_image_file(work_ / "in" / "sub" / "b.png", random_image(20, 28, 3, 9));
  const auto threshold = fmt::format("{:.17g}", partial_threshold(model("repair"), random_image(24, 30, 3, 8)));
  const auto result = run({"repair", "-i", (work_ / "in").string(), "-o", (work_ / "out").string(),
                           "--save-mask", (work_ / "masks").string(), "--threshold", threshold});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(files_under(work_ / "out"), (std::vector<std::string>{"a.png", "sub/b.png"}));
  EXPECT_EQ(files_under(work_ / "masks"), (std::vector<std::string>{"a.png", "sub/b.png"}));
  EXPECT_EQ(read_image_file(work_ / "masks" / "sub" / "b.png").size(), cv::Size(28, 20));
}

TEST_F(CliRepair, BadInputIsOneLineAndNothingWritten) {
  write_text(work_ / "text.png", "this is not an image\n");
  const auto result = run({"repair", "-i", (work_ / "text.png").string(), "-o", (work_ / "out.png").string(),
                           "--save-mask", (work_ / "mask.png").string()});
  EXPECT_NE(result.exit_code, 0);
  ASSERT_EQ(result.err_lines().size(), 1u) << result.err;
  EXPECT_NE(result.err.find((work_ / "text.png").string()), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(work_ / "out.png"));
  EXPECT_FALSE(fs::exists(work_ / "mask.png"));
  write_image_file(work_ / "in.png", random_image(20, 24, 3, 3));
  const auto wrong = run({"repair", "-i", (work_ / "in.png").string(), "-o", (work_ / "out.png").string(),
                          "-m", model("denoise-color").string()});
  EXPECT_NE(wrong.exit_code, 0);
  ASSERT_EQ(wrong.err_lines().size(), 1u) << wrong.err;
  EXPECT_NE(wrong.err.find("not 'repair'"), std::string::npos) << wrong.err;
  EXPECT_FALSE(fs::exists(work_ / "out.png"));
}

}  // namespace
}  // namespace restora::testing

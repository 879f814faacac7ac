// End to end: restora inpaint keeps every pixel outside the mask, tiles without seams, and
// refuses bad masks with one line.
#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using CliInpaint = CliTest;

cv::Mat StrokeMask(int rows, int cols) {
  cv::Mat mask = cv::Mat::zeros(rows, cols, CV_8UC1);
  cv::line(mask, {3, 4}, {cols - 5, rows - 7}, cv::Scalar(255), 5);
  cv::circle(mask, {cols / 3, rows / 2}, 6, cv::Scalar(255), cv::FILLED);
  return mask;
}

TEST_F(CliInpaint, KeepsThePixelsOutsideTheMaskAndTilesWithoutSeams) {
  const cv::Mat image = random_image(70, 90, 3, 1);
  const cv::Mat mask = StrokeMask(70, 90);
  write_image_file(work_ / "in.png", image);
  write_image_file(work_ / "mask.png", mask);
  std::vector<cv::Mat> outputs;
  for (const char* tile : {"0", "24"}) {
    SCOPED_TRACE(tile);
    const auto output = work_ / (std::string("out-") + tile + ".png");
    const auto result = run({"inpaint", "-i", (work_ / "in.png").string(), "--mask",
                             (work_ / "mask.png").string(), "-o", output.string(), "--tile", tile,
                             "--threads", "1"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find("model inpaint"), std::string::npos) << result.out;
    const cv::Mat restored = read_image_file(output);
    ASSERT_EQ(restored.size(), image.size());
    cv::Mat difference;
    cv::absdiff(restored, image, difference);
    difference.setTo(cv::Scalar::all(0), mask);
    EXPECT_EQ(cv::norm(difference, cv::NORM_INF), 0.0);  // outside the mask: exactly the input
    cv::absdiff(restored, image, difference);
    EXPECT_GT(cv::norm(difference, cv::NORM_INF), 0.0);  // inside: filled by the network
    outputs.push_back(restored);
  }
  EXPECT_EQ(cv::norm(outputs[0], outputs[1], cv::NORM_INF), 0.0);  // tiled == untiled
}

TEST_F(CliInpaint, AnAllBlackMaskReturnsTheInput) {
  const cv::Mat image = random_image(20, 24, 3, 2);
  write_image_file(work_ / "in.png", image);
  write_image_file(work_ / "black.png", cv::Mat::zeros(20, 24, CV_8UC1));
  const auto result = run({"inpaint", "-i", (work_ / "in.png").string(), "--mask",
                           (work_ / "black.png").string(), "-o", (work_ / "out.png").string()});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(cv::norm(read_image_file(work_ / "out.png"), image, cv::NORM_INF), 0.0);
}

TEST_F(CliInpaint, BadMasksAreRefusedWithOneLine) {
  write_image_file(work_ / "in.png", random_image(20, 24, 3, 3));
  write_image_file(work_ / "white.png", cv::Mat(20, 24, CV_8UC1, cv::Scalar(255)));
  write_image_file(work_ / "small.png", cv::Mat::zeros(10, 24, CV_8UC1));
  const std::pair<const char*, const char*> cases[] = {{"white.png", "all white"},
                                                       {"small.png", "the 24x10 mask does not match the 24x20 image"}};
  for (const auto& [file, expected] : cases) {
    SCOPED_TRACE(file);
    const auto mask = (work_ / file).string();
    const auto result = run({"inpaint", "-i", (work_ / "in.png").string(), "--mask", mask, "-o",
                             (work_ / "out.png").string()});
    EXPECT_EQ(result.exit_code, 2);
    ASSERT_EQ(result.err_lines().size(), 1u) << result.err;
    EXPECT_NE(result.err.find(mask), std::string::npos) << result.err;
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
    EXPECT_FALSE(fs::exists(work_ / "out.png"));
  }
  const auto missing = run({"inpaint", "-i", (work_ / "in.png").string(), "-o", (work_ / "out.png").string()});
  EXPECT_EQ(missing.exit_code, 2);  // --mask is required
}

}  // namespace
}  // namespace restora::testing

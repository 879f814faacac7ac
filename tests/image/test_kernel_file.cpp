// read_kernel: text matrices and images in, normalised odd kernels out; every broken rule is a
// FormatError naming the file and the rule.
#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/imgcodecs.hpp>

#include "image/image_test_support.h"
#include "restora/image_io.h"

namespace restora {
namespace {

using testing::TemporaryFolder;

std::filesystem::path WriteText(const TemporaryFolder& folder, const std::string& name,
                                const std::string& text) {
  const auto path = folder.path() / name;
  std::ofstream(path) << text;
  return path;
}

std::string FormatMessage(const std::filesystem::path& path) {
  try {
    read_kernel(path);
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

TEST(KernelFile, TextMatrixIsReadAndNormalised) {
  TemporaryFolder folder;
  const auto kernel =
      read_kernel(WriteText(folder, "k.txt", "0 0.1 0\n0.1 0.58 0.1\n0 0.1 0.0\n\n"));
  ASSERT_EQ(kernel.size(), cv::Size(3, 3));
  EXPECT_EQ(kernel.type(), CV_32FC1);
  EXPECT_NEAR(cv::sum(kernel)[0], 1.0, 1e-6);
  EXPECT_NEAR(kernel.at<float>(1, 1), 0.58 / 0.98, 1e-6);
  // Commas and tabs separate too; even sides get a zero row and column at the bottom/right.
  const auto even = read_kernel(WriteText(folder, "even.csv", "0.25,0.25\n0.25\t0.25\n"));
  ASSERT_EQ(even.size(), cv::Size(3, 3));
  EXPECT_FLOAT_EQ(even.at<float>(0, 0), 0.25f);
  EXPECT_FLOAT_EQ(even.at<float>(2, 2), 0.0f);
}

TEST(KernelFile, ImageKernelIsNormalised) {
  TemporaryFolder folder;
  cv::Mat image = cv::Mat::zeros(5, 5, CV_8UC1);
  image.at<uchar>(2, 1) = 100;
  image.at<uchar>(2, 3) = 300 - 200;
  image.at<uchar>(2, 2) = 200;
  const auto path = folder.path() / "k.png";
  cv::imwrite(path.string(), image);
  const auto kernel = read_kernel(path);
  EXPECT_NEAR(kernel.at<float>(2, 2), 0.5, 1e-6);
  cv::imwrite(path.string(), cv::Mat::zeros(5, 5, CV_8UC1));
  EXPECT_NE(FormatMessage(path).find("all black"), std::string::npos);
}

TEST(KernelFile, BrokenRulesAreNamed) {
  TemporaryFolder folder;
  const std::pair<std::string, std::string> cases[] = {
      {"0.5 nan\n0.5 0\n", "not finite"},
      {"0.6 -0.1\n0.5 0\n", "negative value"},
      {"0.2 0.2\n0.1 0\n", "sums to 0.5"},
      {"0.5 0.5\n0\n", "row 2 has 1 values, row 1 has 2"},
      {"0.5 abc\n", "'abc' in row 1 is not a number"},
      {"\n \n", "no numbers"}};
  int index = 0;
  for (const auto& [text, expected] : cases) {
    const auto path = WriteText(folder, "bad" + std::to_string(index++) + ".txt", text);
    const auto message = FormatMessage(path);
    EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    EXPECT_NE(message.find(expected), std::string::npos) << message;
  }
  std::string large;
  for (int row = 0; row < 129; ++row) {
    for (int column = 0; column < 129; ++column) large += std::to_string(1.0 / (129 * 129)) + " ";
    large += "\n";
  }
  EXPECT_NE(FormatMessage(WriteText(folder, "large.txt", large)).find("larger than 127x127"),
            std::string::npos);
  EXPECT_THROW(read_kernel(folder.path() / "missing.txt"), FileError);
}

}  // namespace
}  // namespace restora

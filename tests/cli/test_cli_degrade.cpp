// End to end: `restora degrade` against independently computed degradations.
#include <gtest/gtest.h>

#include <cstdlib>

#include "cli/cli_test_support.h"
#include "cli/degrade_expected.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliDegrade = CliTest;

// 9×13 RGB, the formula of synthetic_image() in tests/cli/reference/degrade_reference.py.
cv::Mat synthetic_rgb() {
  cv::Mat image(9, 13, CV_8UC3);
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x)
      for (int c = 0; c < 3; ++c)
        image.at<cv::Vec3b>(y, x)[c] =
            static_cast<uchar>((x * 29 + y * 61 + c * 83 + (x * y * (c + 2)) % 17) * 5 % 256);
  return image;
}

std::vector<unsigned char> samples(const cv::Mat& image) {
  const cv::Mat flat = image.reshape(1, 1);
  return std::vector<unsigned char>(flat.begin<uchar>(), flat.end<uchar>());
}

TEST_F(CliDegrade, ScaleIsMatlabBicubicOfTheModcroppedImage) {
  write_image_file(work_ / "in.png", synthetic_rgb());
  const auto result = run({"degrade", "-i", (work_ / "in.png").string(), "-o",
                           (work_ / "lr.png").string(), "--scale", "2"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto lr = read_image_file(work_ / "lr.png");
  ASSERT_EQ(lr.size(), cv::Size(6, 4));
  EXPECT_EQ(samples(lr), expected::kDegradeScale2);  // tests/cli/reference/degrade_reference.py
}

TEST_F(CliDegrade, NeedsOneDegradationAndNoOutputWithout) {
  write_image_file(work_ / "in.png", synthetic_rgb());
  const auto result =
      run({"degrade", "-i", (work_ / "in.png").string(), "-o", (work_ / "out.png").string()});
  expect_one_error_line(result, 2, {"--sigma", "--scale", "--quality"});
  EXPECT_FALSE(fs::exists(work_ / "out.png"));
}

TEST_F(CliDegrade, QualityIsALibjpegRoundTrip) {
  write_image_file(work_ / "in.png", synthetic_rgb());
  const auto result = run({"degrade", "-i", (work_ / "in.png").string(), "-o",
                           (work_ / "q30.png").string(), "--quality", "30"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto decoded = read_image_file(work_ / "q30.png");
  ASSERT_EQ(decoded.size(), cv::Size(13, 9));
  EXPECT_EQ(samples(decoded), expected::kDegradeQuality30);  // degrade_reference.py
}

TEST_F(CliDegrade, SigmaAddsSeededGaussianNoiseKeptUnclippedInTiff) {
  const cv::Mat dark(64, 64, CV_8UC3, cv::Scalar::all(5));
  write_image_file(work_ / "dark.png", dark);
  auto degrade = [&](const std::string& output, const std::string& seed) {
    const auto result = run({"degrade", "-i", (work_ / "dark.png").string(), "-o",
                             (work_ / output).string(), "--sigma", "25", "--seed", seed});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_image_file(work_ / output);
  };
  const auto noisy = degrade("a.tif", "7");
  ASSERT_EQ(noisy.type(), CV_32FC3);
  cv::Mat noise = noisy * 255.0 - 5.0;
  cv::Scalar mean, deviation;
  cv::meanStdDev(noise.reshape(1), mean, deviation);
  // 12288 samples: the standard errors of the mean and the deviation are ~0.23 and ~0.16.
  EXPECT_NEAR(mean[0], 0.0, 1.0);
  EXPECT_NEAR(deviation[0], 25.0, 1.0);
  double low = 0;
  cv::minMaxLoc(noisy.reshape(1), &low);
  EXPECT_LT(low, 0.0) << "a float TIFF keeps the noise unclipped";

  EXPECT_EQ(cv::norm(degrade("b.tif", "7"), noisy, cv::NORM_INF), 0.0) << "same seed";
  EXPECT_GT(cv::norm(degrade("c.tif", "8"), noisy, cv::NORM_INF), 0.0) << "other seed";
  const auto clipped = degrade("d.png", "7");
  EXPECT_EQ(clipped.type(), CV_8UC3);
}

TEST_F(CliDegrade, ChainsAreSeededAndTheirPrintedDrawReproducesThem) {
  write_image_file(work_ / "in.png", random_image(48, 40, 3, 3));
  // Random values and an optional step, but no noise: the drawn chain alone decides the output.
  const std::string chain = "blur:sigma=0.5~2,resize_to:scale=2:interp=area|bicubic,"
                            "sinc:p=0.5,jpeg:quality=30~90";
  auto degrade = [&](const std::string& output, const std::string& text, const std::string& seed) {
    const auto result = run({"degrade", "-i", (work_ / "in.png").string(), "-o",
                             (work_ / output).string(), "--chain", text, "--seed", seed});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.out + result.err;
  };
  const auto report = degrade("a.png", chain, "4");
  const auto a = read_image_file(work_ / "a.png");
  EXPECT_EQ(a.size(), cv::Size(20, 24));
  EXPECT_EQ(a.type(), CV_8UC3);  // ends in JPEG: 8-bit samples
  degrade("b.png", chain, "4");
  EXPECT_EQ(cv::norm(read_image_file(work_ / "b.png"), a, cv::NORM_INF), 0.0) << "same seed";
  degrade("c.png", chain, "5");
  EXPECT_GT(cv::norm(read_image_file(work_ / "c.png"), a, cv::NORM_INF), 0.0) << "other seed";
  // The report names the chain drawn for the image; written out, it degrades the same way.
  const auto open = report.find('['), close = report.find(']');
  ASSERT_NE(open, std::string::npos) << report;
  const auto drawn = report.substr(open + 1, close - open - 1);
  EXPECT_EQ(drawn.find('~'), std::string::npos) << drawn;
  EXPECT_NE(drawn.find("resize_to:scale=2"), std::string::npos) << drawn;
  degrade("d.png", drawn, "9");  // any seed: nothing is left to draw
  EXPECT_EQ(cv::norm(read_image_file(work_ / "d.png"), a, cv::NORM_INF), 0.0) << drawn;
}

TEST_F(CliDegrade, BadChainsAreOneLineErrorsAndWriteNothing) {
  write_image_file(work_ / "in.png", synthetic_rgb());
  const auto out = (work_ / "out.png").string();
  expect_one_error_line(run({"degrade", "-i", (work_ / "in.png").string(), "-o", out, "--chain",
                             "blur:2,wobble:3"}),
                        2, {"wobble", "unknown degradation"});
  expect_one_error_line(run({"degrade", "-i", (work_ / "in.png").string(), "-o", out, "--chain",
                             "jpeg:quality=101"}),
                        2, {"jpeg", "quality 101", "1..100"});
  expect_one_error_line(run({"degrade", "-i", (work_ / "in.png").string(), "-o", out, "--chain",
                             "resize:scale=0.5"}),
                        2, {"resize_to"});
  const auto both = run({"degrade", "-i", (work_ / "in.png").string(), "-o", out, "--chain",
                         "jpeg:50", "--sigma", "5"});
  EXPECT_EQ(both.exit_code, 2);
  EXPECT_FALSE(fs::exists(out));
}

TEST_F(CliDegrade, FolderNoiseDoesNotDependOnWhatWasSkipped) {
  write_image_file(work_ / "in" / "a.png", synthetic_rgb());
  write_image_file(work_ / "in" / "b.png", synthetic_rgb());
  auto degrade = [&](const std::string& output) {
    const auto result = run({"degrade", "-i", (work_ / "in").string(), "-o",
                             (work_ / output).string(), "--sigma", "25"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
  };
  degrade("all");
  write_image_file(work_ / "partial" / "a.png", synthetic_rgb());  // exists: skipped
  degrade("partial");
  EXPECT_EQ(samples(read_image_file(work_ / "partial" / "b.png")),
            samples(read_image_file(work_ / "all" / "b.png")));
  EXPECT_NE(samples(read_image_file(work_ / "all" / "a.png")),
            samples(read_image_file(work_ / "all" / "b.png")));  // each image its own seed
}

TEST_F(CliDegrade, KeepsDepthAndAlphaAndReadsTiffExtensionsInAnyCase) {
  cv::Mat rgba16(12, 10, CV_16UC4);
  cv::randu(rgba16, 0, 65536);
  write_image_file(work_ / "deep.png", rgba16);
  auto degrade = [&](const std::string& output, std::vector<std::string> option) {
    std::vector<std::string> arguments = {"degrade", "-i", (work_ / "deep.png").string(), "-o",
                                          (work_ / output).string()};
    arguments.insert(arguments.end(), option.begin(), option.end());
    const auto result = run(arguments);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_image_file(work_ / output);
  };
  const auto noisy = degrade("noisy.png", {"--sigma", "10"});
  EXPECT_EQ(noisy.type(), CV_16UC4);
  const auto small = degrade("small.png", {"--scale", "2"});
  ASSERT_EQ(small.type(), CV_16UC4);
  ASSERT_EQ(small.size(), cv::Size(5, 6));
  // The alpha plane is the MATLAB-bicubic downscale of the 8-bit alpha, like the colours.
  cv::Mat alpha16, alpha8;
  cv::extractChannel(rgba16, alpha16, 3);
  alpha16.convertTo(alpha8, CV_8U, 1.0 / 257.0);
  write_image_file(work_ / "alpha.png", alpha8);
  const auto alpha_small = run({"degrade", "-i", (work_ / "alpha.png").string(), "-o",
                                (work_ / "alpha_small.png").string(), "--scale", "2"});
  ASSERT_EQ(alpha_small.exit_code, 0) << alpha_small.err;
  cv::Mat expected_alpha, got_alpha;
  read_image_file(work_ / "alpha_small.png").convertTo(expected_alpha, CV_16U, 257.0);
  cv::extractChannel(small, got_alpha, 3);
  EXPECT_EQ(cv::norm(got_alpha, expected_alpha, cv::NORM_INF), 0.0);
  EXPECT_EQ(degrade("upper.TIF", {"--sigma", "10"}).depth(), CV_32F);
}

TEST_F(CliDegrade, FolderWithJsonOutput) {
  write_image_file(work_ / "in" / "a.png", synthetic_rgb());
  write_image_file(work_ / "in" / "sub" / "b.png", synthetic_rgb());
  const auto result = run({"degrade", "-i", (work_ / "in").string(), "-o", (work_ / "out").string(),
                           "--scale", "2", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto items = json::parse(result.out);
  ASSERT_EQ(items.size(), 2u);
  for (const auto& item : items) EXPECT_EQ(item.at("status"), "done");
  EXPECT_EQ(files_under(work_ / "out"), (std::vector<std::string>{"a.png", "sub/b.png"}));
  EXPECT_EQ(samples(read_image_file(work_ / "out" / "sub" / "b.png")), expected::kDegradeScale2);
}

TEST_F(CliDegrade, Set5MatchesMatlabBitForBit) {
  const char* shared = std::getenv("RESTORA_SHARED_DATA");
  if (!shared || !fs::is_directory(fs::path(shared) / "test" / "Set5_LR_matlab"))
    GTEST_SKIP() << "RESTORA_SHARED_DATA with test/Set5_LR_matlab is not available";
  const auto data = fs::path(shared) / "test";
  const auto result = run({"degrade", "-i", (data / "Set5").string(), "-o", (work_ / "x3").string(),
                           "--scale", "3", "-q"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  for (const char* name : {"baby", "bird", "butterfly", "head", "woman"}) {
    const auto mine = read_image_file(work_ / "x3" / (std::string(name) + "_GT.png"));
    const auto matlab =
        read_image_file(data / "Set5_LR_matlab" / "X3" / (std::string(name) + "x3.png"));
    ASSERT_EQ(mine.size(), matlab.size()) << name;
    EXPECT_EQ(cv::norm(mine, matlab, cv::NORM_INF), 0.0) << name;
  }
}

}  // namespace
}  // namespace restora::testing

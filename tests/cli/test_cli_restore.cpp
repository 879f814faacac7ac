// End to end: denoise, upscale and dejpeg on files and folders, with tiny random models.
#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <regex>

#include "cli/cli_test_support.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

using CliRestore = CliTest;

// The arguments of one restore run on one thread.
std::vector<std::string> restore_args(const std::string& command, const fs::path& input,
                                      const fs::path& output, std::vector<std::string> extra = {}) {
  std::vector<std::string> arguments = {command,     "-i", input.string(), "-o", output.string(),
                                        "--threads", "1"};
  arguments.insert(arguments.end(), extra.begin(), extra.end());
  return arguments;
}

// The number after `label` in text such as "PSNR 31.02 dB (input 20.17 dB)".
double number_after(const std::string& text, const std::string& label) {
  std::smatch match;
  const std::regex pattern(label + " ([0-9.]+) dB");
  if (!std::regex_search(text, match, pattern)) {
    ADD_FAILURE() << "no '" << label << " N dB' in: " << text;
    return 0.0;
  }
  return std::stod(match[1]);
}

TEST_F(CliRestore, DenoiseColourAndGrayFiles) {
  write_image_file(work_ / "color.png", random_image(20, 30, 3, 1));
  write_image_file(work_ / "gray.png", random_image(17, 9, 1, 2));
  for (const char* name : {"color", "gray"}) {
    SCOPED_TRACE(name);
    const auto output = work_ / "out" / (std::string(name) + ".png");
    const auto result = run(restore_args("denoise", work_ / (std::string(name) + ".png"), output));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out.find(std::string("model denoise-") + name), std::string::npos)
        << result.out;
    const auto input = read_image_file(work_ / (std::string(name) + ".png"));
    const auto restored = read_image_file(output);
    EXPECT_EQ(restored.size(), input.size());
    EXPECT_EQ(restored.type(), input.type());
  }
}

TEST_F(CliRestore, UpscaleByEveryScaleOfTheModel) {
  write_image_file(work_ / "in.png", random_image(7, 10, 3, 3));
  for (int scale : {2, 3, 4}) {
    SCOPED_TRACE(scale);
    const auto output = work_ / ("x" + std::to_string(scale) + ".png");
    const auto result =
        run(restore_args("upscale", work_ / "in.png", output, {"-s", std::to_string(scale)}));
    ASSERT_EQ(result.exit_code, 0) << result.err;
    const auto upscaled = read_image_file(output);
    EXPECT_EQ(upscaled.rows, 7 * scale);
    EXPECT_EQ(upscaled.cols, 10 * scale);
    EXPECT_EQ(upscaled.type(), CV_8UC3);
  }
}

TEST_F(CliRestore, RestoreRunsTheRealPhotoModelOfEachScale) {
  write_image_file(work_ / "photo.png", random_image(21, 30, 3, 4));
  const auto output = work_ / "restored.png";
  const auto result = run(restore_args("restore", work_ / "photo.png", output));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("model real"), std::string::npos) << result.out;
  EXPECT_EQ(read_image_file(output).size(), cv::Size(30, 21));
  // A 'real' model is not a denoise model: refused, nothing written.
  const auto denoised = run(restore_args("denoise", work_ / "photo.png", work_ / "again.png",
                                         {"-m", model("real").string()}));
  expect_one_error_line(denoised, 1, {"is for task 'real', not 'denoise'"});
  EXPECT_FALSE(fs::exists(work_ / "again.png"));
  // x2 runs real-x2-gan (the shipped one: the tiny set has none); scale 3 is not offered.
  const auto x2 = run(restore_args("restore", work_ / "photo.png", work_ / "x2.png", {"--scale", "2"}));
  ASSERT_EQ(x2.exit_code, 0) << x2.err;
  EXPECT_NE(x2.out.find("model real-x2-gan"), std::string::npos) << x2.out;
  EXPECT_EQ(read_image_file(work_ / "x2.png").size(), cv::Size(60, 42));
  EXPECT_EQ(run(restore_args("restore", work_ / "photo.png", work_ / "x3.png", {"--scale", "3"})).exit_code, 2);
}

TEST_F(CliRestore, StrengthInterpolatesAGanModelWithItsBase) {
  write_image_file(work_ / "photo.png", random_image(21, 30, 3, 8));
  auto meta = tiny_meta("real", 3, "base");
  fs::create_directories(work_ / "pair");
  write_tiny_model(work_ / "pair" / "base.safetensors", meta, 11);
  meta.name = "gan";
  meta.strength_base = "base";
  const auto gan = write_tiny_model(work_ / "pair" / "gan.safetensors", meta, 12);
  const auto restored = [&](const std::string& name, std::vector<std::string> extra) {
    extra.insert(extra.begin(), {"-m", (work_ / "pair" / (name + ".safetensors")).string(),
                                 "--precision", "fp32"});
    const auto output = work_ / (name + std::to_string(extra.size()) + extra.back() + ".png");
    const auto result = run(restore_args("restore", work_ / "photo.png", output, extra));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return read_image_file(output);
  };
  const auto base_output = restored("base", {}), gan_output = restored("gan", {});
  ASSERT_GT(cv::norm(base_output, gan_output, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(restored("gan", {"--strength", "0"}), base_output, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(restored("gan", {"--strength", "1"}), gan_output, cv::NORM_INF), 0.0);
  const auto half = restored("gan", {"--strength", "0.5"});
  EXPECT_GT(cv::norm(half, base_output, cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(half, gan_output, cv::NORM_INF), 0.0);
  // Out of range, or a model without a base: one line, exit 2, nothing written.
  const auto outside = run(restore_args("restore", work_ / "photo.png", work_ / "no1.png",
                                        {"-m", gan.string(), "--strength", "1.5"}));
  expect_one_error_line(outside, 2, {"--strength"});
  const auto alone = run(restore_args("restore", work_ / "photo.png", work_ / "no2.png",
                                      {"-m", (work_ / "pair" / "base.safetensors").string(),
                                       "--strength", "0.5"}));
  expect_one_error_line(alone, 2, {"no strength control"});
  EXPECT_FALSE(fs::exists(work_ / "no1.png"));
  EXPECT_FALSE(fs::exists(work_ / "no2.png"));
}

TEST_F(CliRestore, CompareWritesASheetOfTheSamePictureAndRefusesMismatches) {
  write_image_file(work_ / "big.png", random_image(40, 60, 3, 5));
  write_image_file(work_ / "small.png", random_image(10, 15, 3, 6));
  const auto sheet = work_ / "sheet.png";
  const auto result = run({"compare", (work_ / "small.png").string(), (work_ / "big.png").string(),
                           "-o", sheet.string(), "--labels", "input,output", "--crop", "20,8,12,16",
                           "--zoom", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto written = read_image_file(sheet);
  EXPECT_EQ(written.size(), cv::Size(2 * 60 + 8, 28 + 40 + 8 + 48));  // library test: the pixels
  // Not one picture: another aspect ratio. One line, exit 2, nothing written.
  write_image_file(work_ / "other.png", random_image(40, 50, 3, 7));
  const auto bad = run({"compare", (work_ / "big.png").string(), (work_ / "other.png").string(),
                        "-o", (work_ / "bad.png").string()});
  expect_one_error_line(bad, 2, {"other", "40"});
  EXPECT_FALSE(fs::exists(work_ / "bad.png"));
  // An existing sheet is kept unless --overwrite.
  expect_one_error_line(run({"compare", (work_ / "big.png").string(), "-o", sheet.string()}), 2,
                        {"exists"});
}

TEST_F(CliRestore, DejpegAJpegToPng) {
  cv::Mat bgr;
  cv::cvtColor(random_image(16, 24, 3, 4), bgr, cv::COLOR_RGB2BGR);
  ASSERT_TRUE(cv::imwrite((work_ / "in.jpg").string(), bgr, {cv::IMWRITE_JPEG_QUALITY, 20}));
  const auto result = run(restore_args("dejpeg", work_ / "in.jpg", work_ / "out/"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("model dejpeg-color"), std::string::npos) << result.out;
  const auto restored = read_image_file(work_ / "out" / "in.png");  // folder target: stem + .png
  EXPECT_EQ(restored.size(), cv::Size(24, 16));
}

TEST_F(CliRestore, TinyInputsAreProcessed) {
  // One folder run per command: each image of the folder must come out at its own size.
  const std::vector<cv::Size> sizes = {{1, 1}, {7, 1}, {1, 5}, {2, 1}, {3, 3}};
  for (const auto& size : sizes) {
    const std::string name = std::to_string(size.width) + "x" + std::to_string(size.height);
    write_image_file(work_ / "png" / (name + ".png"), random_image(size.height, size.width, 3, 5));
    cv::Mat bgr;
    cv::cvtColor(random_image(size.height, size.width, 3, 6), bgr, cv::COLOR_RGB2BGR);
    fs::create_directories(work_ / "jpg");
    ASSERT_TRUE(cv::imwrite((work_ / "jpg" / (name + ".jpg")).string(), bgr));
  }
  const struct {
    std::string command, input;
    int scale;
  } cases[] = {
      {"denoise", "png", 1}, {"dejpeg", "jpg", 1}, {"upscale", "png", 2}, {"upscale", "png", 3}};
  for (const auto& item : cases) {
    const auto output = work_ / (item.command + std::to_string(item.scale));
    std::vector<std::string> extra;
    if (item.command == "upscale") extra = {"-s", std::to_string(item.scale)};
    const auto result = run(restore_args(item.command, work_ / item.input, output, extra));
    ASSERT_EQ(result.exit_code, 0) << result.command << "\n" << result.err;
    for (const auto& size : sizes) {
      const std::string name = std::to_string(size.width) + "x" + std::to_string(size.height);
      const auto restored = read_image_file(output / (name + ".png"));
      EXPECT_EQ(restored.size(), size * item.scale) << result.command << " " << name;
      EXPECT_EQ(restored.type(), CV_8UC3);
    }
  }
}

TEST_F(CliRestore, OutputBitDepthFollowsTheInput) {
  cv::Mat rgb16, gray16;
  random_image(12, 10, 3, 7).convertTo(rgb16, CV_16U, 257);
  random_image(12, 10, 1, 8).convertTo(gray16, CV_16U, 257);
  write_image_file(work_ / "in" / "rgb16.png", rgb16);
  write_image_file(work_ / "in" / "gray16.png", gray16);
  write_image_file(work_ / "in" / "gray8.png", random_image(12, 10, 1, 9));
  ASSERT_EQ(run(restore_args("denoise", work_ / "in", work_ / "denoised")).exit_code, 0);
  ASSERT_EQ(run(restore_args("upscale", work_ / "in", work_ / "upscaled")).exit_code, 0);
  const struct {
    const char* name;
    int type;
  } cases[] = {{"rgb16", CV_16UC3}, {"gray16", CV_16UC1}, {"gray8", CV_8UC1}};
  for (const auto& item : cases) {
    SCOPED_TRACE(item.name);
    const std::string file = std::string(item.name) + ".png";
    EXPECT_EQ(read_image_file(work_ / "denoised" / file).type(), item.type);
    const auto big = read_image_file(work_ / "upscaled" / file);
    EXPECT_EQ(big.type(), item.type);
    EXPECT_EQ(big.size(), cv::Size(20, 24));
  }
}

TEST_F(CliRestore, AlphaIsCarried) {
  cv::Mat rgba = random_image(10, 14, 4, 10);
  write_image_file(work_ / "varying.png", rgba);
  cv::Mat constant = rgba.clone();
  constant.forEach<cv::Vec4b>([](cv::Vec4b& pixel, const int*) { pixel[3] = 77; });
  write_image_file(work_ / "constant.png", constant);

  ASSERT_EQ(run(restore_args("denoise", work_ / "varying.png", work_ / "d.png")).exit_code, 0);
  const auto denoised = read_image_file(work_ / "d.png");
  ASSERT_EQ(denoised.type(), CV_8UC4);
  cv::Mat alpha_in, alpha_out;
  cv::extractChannel(rgba, alpha_in, 3);
  cv::extractChannel(denoised, alpha_out, 3);
  EXPECT_EQ(cv::norm(alpha_in, alpha_out, cv::NORM_INF), 0.0) << "denoise changed the alpha";

  for (const char* name : {"varying", "constant"}) {
    const auto output = work_ / (std::string("up-") + name + ".png");
    ASSERT_EQ(
        run(restore_args("upscale", work_ / (std::string(name) + ".png"), output, {"-s", "3"}))
            .exit_code,
        0);
    const auto upscaled = read_image_file(output);
    ASSERT_EQ(upscaled.type(), CV_8UC4) << name;
    EXPECT_EQ(upscaled.size(), cv::Size(42, 30)) << name;
  }
  // Any interpolation keeps a constant alpha constant.
  cv::Mat constant_out;
  cv::extractChannel(read_image_file(work_ / "up-constant.png"), constant_out, 3);
  double low = 0, high = 0;
  cv::minMaxLoc(constant_out, &low, &high);
  EXPECT_EQ(low, 77);
  EXPECT_EQ(high, 77);
}

TEST_F(CliRestore, FloatTiffGivesFloatTiff) {
  cv::Mat values(9, 11, CV_32FC3);
  cv::randu(values, cv::Scalar::all(-0.2), cv::Scalar::all(1.2));  // unclipped, as noisy inputs
  write_image_file(work_ / "in" / "noisy.tif", values);
  write_image_file(work_ / "in" / "plain.png", random_image(9, 11, 3, 11));

  const auto result = run(restore_args("denoise", work_ / "in", work_ / "out"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(files_under(work_ / "out"), (std::vector<std::string>{"noisy.tif", "plain.png"}));
  const auto restored = read_image_file(work_ / "out" / "noisy.tif");
  EXPECT_EQ(restored.type(), CV_32FC3);
  EXPECT_EQ(restored.size(), values.size());
  EXPECT_EQ(read_image_file(work_ / "out" / "plain.png").type(), CV_8UC3);
}

TEST_F(CliRestore, FolderInputMirrorsTheTreeAndSkipsExistingOutputs) {
  write_image_file(work_ / "in" / "a.png", random_image(8, 8, 3, 12));
  write_image_file(work_ / "in" / "sub" / "b.png", random_image(6, 10, 1, 13));
  write_image_file(work_ / "in" / "sub" / "deeper" / "c.jpg", random_image(9, 5, 3, 14));
  write_text(work_ / "in" / "notes.txt", "not an image");

  const auto first = run(restore_args("denoise", work_ / "in", work_ / "out"));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const std::vector<std::string> expected = {"a.png", "sub/b.png", "sub/deeper/c.png"};
  ASSERT_EQ(files_under(work_ / "out"), expected);
  EXPECT_EQ(read_image_file(work_ / "out" / "sub" / "deeper" / "c.png").size(), cv::Size(5, 9));

  // A marker image in place of one output: kept by a second run, replaced with --overwrite.
  const auto marker = random_image(3, 3, 3, 15);
  write_image_file(work_ / "out" / "a.png", marker);
  const auto second = run(restore_args("denoise", work_ / "in", work_ / "out", {"--json"}));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  const auto items = json::parse(second.out);
  ASSERT_EQ(items.size(), 3u);
  for (const auto& item : items) EXPECT_EQ(item.at("status"), "skipped") << item;
  EXPECT_EQ(read_image_file(work_ / "out" / "a.png").size(), cv::Size(3, 3));

  const auto third = run(restore_args("denoise", work_ / "in", work_ / "out", {"--overwrite"}));
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_EQ(read_image_file(work_ / "out" / "a.png").size(), cv::Size(8, 8));
  EXPECT_EQ(files_under(work_ / "out"), expected);
}

// Folders run load:process:save overlapped; results stay in plan order, each output belongs to
// its own input, and failures in the load and save stages hit only their image.
TEST_F(CliRestore, OverlappedFolderStagesKeepImagesAndOrder) {
  const std::vector<std::string> names = {"a", "b", "c", "d", "e", "f", "g"};
  for (size_t i = 0; i < names.size(); ++i)
    write_image_file(work_ / "in" / (names[i] + ".png"),
                     random_image(6 + static_cast<int>(i), 9, 3, 40 + static_cast<int>(i)));
  write_text(work_ / "in" / "b.png", "");                  // fails while loading
  fs::create_directories(work_ / "out" / "d.png" / "x");  // fails while saving (a folder)
  const auto result =
      run(restore_args("denoise", work_ / "in", work_ / "out", {"--json", "--overwrite"}));
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const auto items = json::parse(result.out);
  ASSERT_EQ(items.size(), names.size());
  for (size_t i = 0; i < names.size(); ++i) {
    SCOPED_TRACE(names[i]);
    EXPECT_EQ(fs::path(items[i].at("input").get<std::string>()).stem(), names[i]);
    const bool fails = names[i] == "b" || names[i] == "d";
    EXPECT_EQ(items[i].at("status"), fails ? "failed" : "done");
    if (fails) continue;
    // The same image restored alone gives the same file.
    const auto alone = work_ / ("alone-" + names[i] + ".png");
    ASSERT_EQ(run(restore_args("denoise", work_ / "in" / (names[i] + ".png"), alone)).exit_code, 0);
    EXPECT_EQ(cv::norm(read_image_file(alone), read_image_file(work_ / "out" / (names[i] + ".png")),
                       cv::NORM_INF),
              0.0);
  }
}

TEST_F(CliRestore, JsonOutputParses) {
  write_image_file(work_ / "in.png", random_image(8, 12, 3, 16));
  const auto result =
      run(restore_args("upscale", work_ / "in.png", work_ / "out.png", {"--json", "-s", "2"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto items = json::parse(result.out);
  ASSERT_TRUE(items.is_array());
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].at("status"), "done");
  EXPECT_EQ(fs::path(items[0].at("output").get<std::string>()), work_ / "out.png");
  EXPECT_GE(items[0].at("seconds").get<double>(), 0.0);
  EXPECT_NE(items[0].at("summary").get<std::string>().find("12x8 -> 24x16"), std::string::npos);
}

TEST_F(CliRestore, ReferencePrintsThePsnrOfTheDenoisedImage) {
  const auto clean = random_image(16, 16, 3, 17);
  cv::Mat noise(clean.size(), CV_16SC3), noisy;
  cv::randn(noise, cv::Scalar::all(0), cv::Scalar::all(20));
  clean.convertTo(noisy, CV_16SC3);
  noisy += noise;
  noisy.convertTo(noisy, CV_8UC3);  // saturates, as a saved noisy photo
  write_image_file(work_ / "clean.png", clean);
  write_image_file(work_ / "noisy.png", noisy);

  const auto result = run(restore_args("denoise", work_ / "noisy.png", work_ / "out.png",
                                       {"--reference", (work_ / "clean.png").string()}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Independent check: PSNR over all channels of the saved files (protocol: no border crop).
  const double output_psnr = psnr_u8(read_image_file(work_ / "out.png"), clean);
  const double input_psnr = psnr_u8(noisy, clean);
  EXPECT_NEAR(number_after(result.out, "PSNR"), output_psnr, 0.0051) << result.out;
  EXPECT_NEAR(number_after(result.out, "input"), input_psnr, 0.0051) << result.out;
}

TEST_F(CliRestore, BadReferenceLeavesNoOutput) {
  write_image_file(work_ / "in.png", random_image(12, 12, 3, 21));
  write_image_file(work_ / "other.png", random_image(12, 12, 1, 22));
  const auto output = work_ / "out" / "in.png";
  const auto result = run(restore_args("denoise", work_ / "in.png", output,
                                       {"--reference", (work_ / "other.png").string()}));
  expect_one_error_line(result, 2, {(work_ / "other.png").string(), "12x12x1"});
  EXPECT_FALSE(fs::exists(output));
}

TEST_F(CliRestore, ReferenceOfAnOddSizeIsModcroppedForUpscaling) {
  // The LR image restora degrade makes from a 25×25 original is 12×12 (modcrop to 24×24).
  write_image_file(work_ / "hr.png", random_image(25, 25, 3, 23));
  ASSERT_EQ(run({"degrade", "-i", (work_ / "hr.png").string(), "-o", (work_ / "lr.png").string(),
                 "--scale", "2"})
                .exit_code,
            0);
  const auto result = run(restore_args("upscale", work_ / "lr.png", work_ / "sr.png",
                                       {"-s", "2", "--reference", (work_ / "hr.png").string()}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_GT(number_after(result.out, "PSNR"), 0.0);
  EXPECT_EQ(read_image_file(work_ / "sr.png").size(), cv::Size(24, 24));
}

TEST_F(CliRestore, BlindModelsSayTheyDoNotUseTheGivenLevel) {
  write_image_file(work_ / "in.png", random_image(8, 8, 3, 24));
  const auto result =
      run(restore_args("denoise", work_ / "in.png", work_ / "out.png", {"--sigma", "25"}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("model 'denoise-color' is blind"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--sigma"), std::string::npos) << result.err;
}

TEST_F(CliRestore, ReferencePrintsTheYPsnrOfTheUpscaledImage) {
  const int scale = 2;
  const auto hr = random_image(20, 24, 3, 18);
  write_image_file(work_ / "hr.png", hr);
  write_image_file(work_ / "lr.png", random_image(10, 12, 3, 19));
  const auto result = run(restore_args("upscale", work_ / "lr.png", work_ / "sr.png",
                                       {"-s", "2", "--reference", (work_ / "hr.png").string()}));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // Independent check (PROTOCOLS.md): Y = 16 + 65.481 R + 128.553 G + 24.966 B on [0,1] RGB,
  // `scale` pixels cropped at every border.
  const auto y_cropped = [&](const cv::Mat& rgb) {
    cv::Mat y(rgb.size(), CV_64F);
    for (int row = 0; row < rgb.rows; ++row)
      for (int column = 0; column < rgb.cols; ++column) {
        const auto pixel = rgb.at<cv::Vec3b>(row, column);
        y.at<double>(row, column) =
            16.0 + (65.481 * pixel[0] + 128.553 * pixel[1] + 24.966 * pixel[2]) / 255.0;
      }
    return y(cv::Rect(scale, scale, rgb.cols - 2 * scale, rgb.rows - 2 * scale)).clone();
  };
  const cv::Mat difference = y_cropped(read_image_file(work_ / "sr.png")) - y_cropped(hr);
  const double mse = cv::mean(difference.mul(difference))[0];
  const double expected = 10.0 * std::log10(255.0 * 255.0 / mse);
  EXPECT_NEAR(number_after(result.out, "PSNR"), expected, 0.0051) << result.out;
}

}  // namespace
}  // namespace restora::testing

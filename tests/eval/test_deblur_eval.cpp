// The deblurring evaluation on a fake data folder: inputs made as the protocol says, Wiener at
// its best ratio, the plug-and-play and our rows, the report and the recorded scores.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <opencv2/imgproc.hpp>

#include "degrade/kernels.h"
#include "degrade/noise.h"
#include "degrade/random.h"
#include "eval/deblur_eval.h"
#include "eval/eval_test_support.h"
#include "eval/protocols.h"
#include "metrics/metrics.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

class DeblurEval : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteSet(folder.path(), "Set12", {SyntheticGray(0), SyntheticGray(1)});
    const auto kernels = folder.path() / "kernels" / "levin09";
    std::filesystem::create_directories(kernels);
    for (int k = 1; k <= 8; ++k) {
      const cv::Mat kernel = k % 2 ? gaussian_kernel(7, 0.5 + 0.25 * k, 0.0, 0.0, KernelShape::gaussian, 1.0)
                                   : motion_kernel(7, 2 + k / 2, static_cast<uint64_t>(k));
      std::ofstream text(kernels / ("kernel" + std::to_string(k) + ".txt"));
      for (int y = 0; y < kernel.rows; ++y) {
        for (int x = 0; x < kernel.cols; ++x) text << kernel.at<float>(y, x) << ' ';
        text << '\n';
      }
    }
    const auto models = folder.path() / "models";
    std::filesystem::create_directories(models);
    write_tiny_model(models / "denoise-gray.safetensors", tiny_meta("denoise", 1, "denoise-gray"), 1);
    write_tiny_model(model, tiny_meta("deblur", 3, "deblur-kernel"), 2);
    ::setenv("RESTORA_MODELS", models.c_str(), 1);
  }
  eval::DeblurEvalOptions Options() const {
    eval::DeblurEvalOptions options;
    options.data_root = folder.path();
    options.sets = {"Set12"};
    options.models = {model.string()};
    options.threads = 1;
    return options;
  }
  TemporaryFolder folder;
  std::filesystem::path model = folder.path() / "deblur-kernel.safetensors";
};

TEST_F(DeblurEval, RowsAndInputsFollowTheProtocol) {
  auto options = Options();
  options.precisions = {"fp32", "bf16"};
  const auto evaluation = eval::run_deblur_evaluation(options);
  ASSERT_EQ(evaluation.rows.size(), 5u);  // input, Wiener, plug-and-play, ours fp32 and bf16
  for (const auto& row : evaluation.rows) {
    ASSERT_EQ(row.cells.size(), 2u) << row.method;  // σ 2.55, 7.65
    EXPECT_EQ(row.cells[0].images, 16) << row.method;  // 2 images × 8 kernels
  }
  // The input row by hand: crop to 8, circular blur, seeded noise, 8-bit PSNR.
  double psnr = 0;
  for (int i = 0; i < 2; ++i) {
    const cv::Mat gt = SyntheticGray(i)(cv::Rect(0, 0, i ? 40 : 48, i ? 32 : 40)).clone();
    for (int k = 1; k <= 8; ++k) {
      const auto kernel = read_kernel(folder.path() / "kernels" / "levin09" / ("kernel" + std::to_string(k) + ".txt"));
      cv::Mat clean;
      gt.convertTo(clean, CV_32F, 1 / 255.0);
      Rng rng(Rng::mix(eval::noise_seed(i), static_cast<uint64_t>(k - 1)));
      const cv::Mat lq = add_gaussian_noise(convolve_circular(clean, kernel), 7.65, rng);
      psnr += metrics::measure(quantize_u8(lq), gt, metrics::Space::all_channels, 0, false).psnr;
    }
  }
  EXPECT_NEAR(evaluation.rows[0].cells[1].psnr, psnr / 16, 1e-9);
  // Wiener with the true kernel beats the blurred input at low noise (these tiny images are
  // mostly texture) and picks a ratio from its list.
  EXPECT_GT(evaluation.rows[1].cells[0].psnr, evaluation.rows[0].cells[0].psnr + 1.0);
  for (size_t c = 0; c < 2; ++c) {
    EXPECT_GE(evaluation.rows[1].cells[c].nsr, 1e-4);
    EXPECT_LE(evaluation.rows[1].cells[c].nsr, 0.1);
  }
  EXPECT_LE(evaluation.rows[1].cells[0].nsr, evaluation.rows[1].cells[1].nsr);  // more noise
  EXPECT_EQ(evaluation.rows[3].precision, "fp32");
  EXPECT_GT(evaluation.rows[3].cells[0].ms_per_megapixel, 0.0);

  const eval::ReportContext context{"restora eval --task deblur", "2026-01-02", "test machine"};
  const auto markdown = eval::render_deblur_markdown(evaluation, context);
  EXPECT_NE(markdown.find("| Wiener (true kernel, best NSR) |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("Set12 σ 2.55"), std::string::npos) << markdown;
  ASSERT_EQ(eval::record_deblur_scores(evaluation, context), std::vector<std::string>{model.string()});
  const auto meta = model_file::read_model_file(model).meta;
  const auto& sets = meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0]["set"], "Set12");
  EXPECT_NEAR(sets[0]["results"][0]["psnr"].get<double>(), evaluation.rows[3].cells[0].psnr, 1e-9);
  EXPECT_TRUE(sets[0].contains("bf16_largest_psnr_drop"));
}

TEST_F(DeblurEval, BadRequestsFailBeforeMeasuring) {
  auto options = Options();
  options.peers = false;
  options.limit = 1;
  const auto evaluation = eval::run_deblur_evaluation(options);
  EXPECT_EQ(evaluation.rows.size(), 3u);  // no plug-and-play row
  const eval::ReportContext context{"c", "d", "m"};
  EXPECT_THROW(eval::record_deblur_scores(evaluation, context), InvalidArgument);
  options.sets = {"Set5"};
  EXPECT_THROW(eval::run_deblur_evaluation(options), InvalidArgument);
  options.sets = {"Set12"};
  std::filesystem::remove_all(folder.path() / "kernels");
  EXPECT_THROW(eval::run_deblur_evaluation(options), FileError);
}

// Writes `kernel` as a text matrix.
void WriteKernelText(const cv::Mat& kernel, const std::filesystem::path& path) {
  std::ofstream text(path);
  for (int y = 0; y < kernel.rows; ++y) {
    for (int x = 0; x < kernel.cols; ++x) text << kernel.at<float>(y, x) << ' ';
    text << '\n';
  }
}

// The blind protocol: USRNet's 12 kernels in a Gaussian and a motion column, Levin09's real
// blurs scored at the best shift; a blind model gets only the image, a non-blind one the kernel.
TEST_F(DeblurEval, BlindProtocolAddsRealBlurAndGroupsKernels) {
  const auto usrnet = folder.path() / "kernels" / "usrnet12";
  std::filesystem::create_directories(usrnet);
  for (int k = 1; k <= 12; ++k) {
    const cv::Mat kernel = k <= 8 ? gaussian_kernel(9, 0.4 + 0.2 * k, 0.0, 0.0, KernelShape::gaussian, 1.0)
                                  : motion_kernel(9, 4, static_cast<uint64_t>(k));
    WriteKernelText(kernel, usrnet / cv::format("kernel%02d.txt", k));
  }
  const auto levin = folder.path() / "test" / "Levin09";
  for (const char* sub : {"gt", "blurred", "kernels_png"}) std::filesystem::create_directories(levin / sub);
  std::vector<cv::Mat> real_kernels;
  for (int k = 1; k <= 8; ++k) {
    real_kernels.push_back(motion_kernel(7, 3, static_cast<uint64_t>(k)));
    cv::Mat png;
    real_kernels.back().convertTo(png, CV_8U, 255.0 / cv::norm(real_kernels.back(), cv::NORM_INF));
    write_image(image_from_u8(png), levin / "kernels_png" / ("kernel" + std::to_string(k) + ".png"));
  }
  double input_psnr = 0;
  for (int i = 1; i <= 4; ++i) {
    const cv::Mat gt = SyntheticGray(i)(cv::Rect(0, 0, 32, 32)).clone();
    write_image(image_from_u8(gt), levin / "gt" / ("im" + std::to_string(i) + ".png"));
    for (int k = 1; k <= 8; ++k) {
      cv::Mat blurred;
      cv::filter2D(gt, blurred, -1, real_kernels[k - 1], {-1, -1}, 0, cv::BORDER_REFLECT);
      write_image(image_from_u8(blurred),
                  levin / "blurred" / ("im" + std::to_string(i) + "_kernel" + std::to_string(k) + "_img.png"));
      input_psnr += metrics::shifted_psnr(metrics::prepare(blurred, metrics::Space::all_channels, 0),
                                          metrics::prepare(gt, metrics::Space::all_channels, 0), 10);
    }
  }
  const auto blind_model = write_tiny_model(folder.path() / "deblur.safetensors", tiny_meta("deblur", 3, "deblur"), 3);
  auto options = Options();
  options.blind = true;
  options.sigmas = {2.55};
  options.models = {blind_model.string(), model.string()};
  options.peers = true;  // the blind protocol has no plug-and-play row all the same
  const auto evaluation = eval::run_deblur_evaluation(options);
  EXPECT_TRUE(evaluation.blind);
  EXPECT_EQ(evaluation.kernels, 12);
  ASSERT_EQ(evaluation.rows.size(), 4u);  // input, Wiener, the blind and the non-blind model
  const std::vector<std::string> columns{"Set12 Gaussian σ 2.55", "Set12 motion σ 2.55", "Levin09 real"};
  for (const size_t r : {0u, 2u, 3u}) {
    ASSERT_EQ(evaluation.rows[r].cells.size(), 3u) << evaluation.rows[r].method;
    for (size_t c = 0; c < 3; ++c) EXPECT_EQ(evaluation.rows[r].cells[c].column, columns[c]);
    EXPECT_EQ(evaluation.rows[r].cells[0].images, 16);  // 2 images × 8 Gaussian kernels
    EXPECT_EQ(evaluation.rows[r].cells[1].images, 8);   // 2 images × 4 motion kernels
    EXPECT_EQ(evaluation.rows[r].cells[2].images, 32);  // 4 images × 8 real blurs
  }
  ASSERT_EQ(evaluation.rows[1].cells.size(), 2u);  // Wiener is not measured on real blur
  EXPECT_NEAR(evaluation.rows[0].cells[2].psnr, input_psnr / 32, 1e-9);

  const eval::ReportContext context{"restora eval --task deblur --blind", "2026-01-02", "test machine"};
  const auto markdown = eval::render_deblur_markdown(evaluation, context);
  EXPECT_NE(markdown.find("Blind deblurring"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| Levin09 real |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find(" — |"), std::string::npos) << markdown;  // Wiener's missing cell
  ASSERT_EQ(eval::record_deblur_scores(evaluation, context).size(), 2u);
  const auto sets = model_file::read_model_file(blind_model).meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0]["set"], "Set12 (usrnet12 kernels)");
  EXPECT_EQ(sets[0]["results"].size(), 2u);
  EXPECT_EQ(sets[1]["set"], "Levin09 real");
  EXPECT_NEAR(sets[1]["results"][0]["psnr"].get<double>(), evaluation.rows[2].cells[2].psnr, 1e-9);
}

}  // namespace
}  // namespace restora::testing

// The inpainting evaluation on a fake data folder: seeded masks, OpenCV's four variants and the
// best of them, our row, and PSNR inside the mask by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <opencv2/photo.hpp>

#include "degrade/masks.h"
#include "degrade/random.h"
#include "eval/eval_test_support.h"
#include "eval/inpaint_eval.h"
#include "eval/protocols.h"
#include "restora/errors.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

TEST(InpaintEval, RowsMasksAndScores) {
  TemporaryFolder folder;
  WriteSet(folder.path(), "Kodak24", {SyntheticImage(0), SyntheticImage(1)});
  const auto models = folder.path() / "models";
  std::filesystem::create_directories(models);
  const auto model = write_tiny_model(models / "inpaint.safetensors", tiny_meta("inpaint", 3, "inpaint"), 3);
  ::setenv("RESTORA_MODELS", models.c_str(), 1);
  eval::InpaintEvalOptions options;
  options.data_root = folder.path();
  options.threads = 1;
  const auto evaluation = eval::run_inpaint_evaluation(options);
  ASSERT_EQ(evaluation.rows.size(), 6u);  // best, four OpenCV variants, ours
  EXPECT_EQ(evaluation.rows[5].model_file, model.string());
  for (const auto& row : evaluation.rows) {
    ASSERT_EQ(row.cells.size(), 3u) << row.method;
    EXPECT_EQ(row.cells[0].masks, "strokes 15%");
    EXPECT_EQ(row.cells[2].masks, "large 35%");
    EXPECT_GE(row.cells[2].coverage, 0.35);
  }
  // The best row is the variant with the highest PSNR inside the mask.
  for (size_t c = 0; c < 3; ++c)
    for (size_t v = 1; v <= 4; ++v)
      EXPECT_GE(evaluation.rows[0].cells[c].psnr_masked, evaluation.rows[v].cells[c].psnr_masked);
  // Telea r3 on the scratches by hand: PSNR inside the mask, averaged over the two images.
  double expected = 0;
  for (int i = 0; i < 2; ++i) {
    const cv::Mat gt = SyntheticImage(i);
    Rng rng(Rng::mix(eval::noise_seed(i), 1));
    const cv::Mat mask = random_mask(MaskFamily::scratches, gt.size(), 0.04, rng);
    cv::Mat damaged = gt.clone(), bgr, filled;
    damaged.setTo(cv::Scalar::all(0), mask);
    cv::cvtColor(damaged, bgr, cv::COLOR_RGB2BGR);
    cv::inpaint(bgr, mask, filled, 3, cv::INPAINT_TELEA);
    cv::cvtColor(filled, filled, cv::COLOR_BGR2RGB);
    double sum = 0;
    int count = 0;
    for (int y = 0; y < gt.rows; ++y)
      for (int x = 0; x < gt.cols; ++x)
        if (mask.at<uchar>(y, x))
          for (int ch = 0; ch < 3; ++ch, ++count) {
            const double d = filled.at<cv::Vec3b>(y, x)[ch] - gt.at<cv::Vec3b>(y, x)[ch];
            sum += d * d;
          }
    expected += 10 * std::log10(255.0 * 255.0 / (sum / count)) / 2;
  }
  EXPECT_NEAR(evaluation.rows[1].cells[1].psnr_masked, expected, 1e-9);
  const eval::ReportContext context{"restora eval --task inpaint", "2026-01-02", "test machine"};
  EXPECT_NE(eval::render_inpaint_markdown(evaluation, context).find("| OpenCV telea r3 |"), std::string::npos);
  // --record: one entry for the set, a result per mask set.
  ASSERT_EQ(eval::record_inpaint_scores(evaluation, context), std::vector<std::string>{model.string()});
  const auto sets = model_file::read_model_file(model).meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0]["set"], "Kodak24");
  ASSERT_EQ(sets[0]["results"].size(), 3u);
  EXPECT_EQ(sets[0]["results"][1]["setting"], "scratches 4%");
  EXPECT_NEAR(sets[0]["results"][1]["psnr_masked"].get<double>(), evaluation.rows[5].cells[1].psnr_masked, 1e-9);
  options.limit = 1;
  EXPECT_THROW(eval::record_inpaint_scores(eval::run_inpaint_evaluation(options), context), InvalidArgument);
}

}  // namespace
}  // namespace restora::testing

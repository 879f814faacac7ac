// The repair evaluation on a fake data folder: the seeded damage, the rows, detection counts
// and the damaged input's PSNR by hand, the report and the recorded scores.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>

#include "degrade/damage.h"
#include "degrade/random.h"
#include "eval/eval_test_support.h"
#include "eval/protocols.h"
#include "eval/repair_eval.h"
#include "metrics/metrics.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

TEST(RepairEval, RowsDamageAndScores) {
  TemporaryFolder folder;
  WriteSet(folder.path(), "Kodak24", {SyntheticImage(0), SyntheticImage(1)});
  const auto models = folder.path() / "models";
  std::filesystem::create_directories(models);
  const auto detector = write_tiny_model(models / "repair.safetensors", tiny_meta("repair", 3, "repair"), 3);
  write_tiny_model(models / "inpaint.safetensors", tiny_meta("inpaint", 3, "inpaint"), 4);
  ::setenv("RESTORA_MODELS", models.c_str(), 1);
  eval::RepairEvalOptions options;
  options.data_root = folder.path();
  options.threads = 1;
  options.threshold = partial_threshold(detector, SyntheticImage(0));  // an untrained detector
  const auto evaluation = eval::run_repair_evaluation(options);
  ASSERT_EQ(evaluation.rows.size(), 4u);  // input, median outliers, ours, oracle
  EXPECT_EQ(evaluation.rows[2].model_file, detector.string());
  for (const auto& row : evaluation.rows) EXPECT_EQ(row.images, 2) << row.method;
  EXPECT_TRUE(std::isnan(evaluation.rows[0].iou));
  EXPECT_TRUE(std::isnan(evaluation.rows[3].iou));
  for (const size_t r : {1u, 2u}) {
    EXPECT_GE(evaluation.rows[r].iou, 0.0);
    EXPECT_LE(evaluation.rows[r].iou, std::min(evaluation.rows[r].precision_score, evaluation.rows[r].recall) + 1e-12);
  }
  // The damaged input by hand: image i damaged from Rng(mix(noise_seed(i), 34)), 8-bit.
  double psnr = 0, coverage = 0;
  for (int i = 0; i < 2; ++i) {
    const cv::Mat gt = SyntheticImage(i);
    cv::Mat clean;
    gt.convertTo(clean, CV_32F, 1.0 / 255);
    Rng rng(Rng::mix(eval::noise_seed(i), 34));
    const auto damage = random_damage(clean, rng);
    psnr += metrics::measure(quantize_u8(damage.image), gt, metrics::Space::all_channels, 0, false).psnr / 2;
    coverage += static_cast<double>(cv::countNonZero(damage.mask)) / damage.mask.total() / 2;
  }
  EXPECT_NEAR(evaluation.rows[0].psnr, psnr, 1e-9);
  EXPECT_NEAR(evaluation.rows[0].coverage, coverage, 1e-12);
  const eval::ReportContext context{"restora eval --task repair", "2026-01-02", "test machine"};
  const auto markdown = eval::render_repair_markdown(evaluation, context);
  EXPECT_NE(markdown.find("| Damaged input | — | — | — |"), std::string::npos) << markdown;
  ASSERT_EQ(eval::record_repair_scores(evaluation, context), std::vector<std::string>{detector.string()});
  const auto sets = model_file::read_model_file(detector).meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0]["set"], "Kodak24 (synthetic damage)");
  EXPECT_NEAR(sets[0]["results"][0]["iou"].get<double>(), evaluation.rows[2].iou, 1e-12);
  options.limit = 1;
  EXPECT_THROW(eval::record_repair_scores(eval::run_repair_evaluation(options), context), InvalidArgument);
}

}  // namespace
}  // namespace restora::testing

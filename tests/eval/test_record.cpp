// Tests of `restora eval --record`: measured scores land in the model file's metadata, the
// weights stay byte for byte, and re-measuring a set replaces its entry in place.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>

#include "eval/evaluate.h"
#include "eval/record.h"
#include "eval_test_support.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"

namespace restora {
namespace {

using testing::SyntheticGray;
using testing::TemporaryFolder;
using testing::WriteSet;

class Record : public ::testing::Test {
 protected:
  void SetUp() override {
    WriteSet(folder.path(), "BSD68", {SyntheticGray(0), SyntheticGray(1)});
    WriteSet(folder.path(), "Set12", {SyntheticGray(1)});
    testing::WriteTinyDenoiser(model, /*sigma_conditioned=*/false, 0.02f);
  }
  eval::Evaluation Evaluate(const std::string& set) const {
    eval::EvalOptions options;
    options.data_root = folder.path();
    options.tasks = {tasks::find_task("denoise")};
    options.sets = {set};
    options.threads = 1;
    options.models = {model.string()};
    return eval::run_evaluation(options);
  }
  TemporaryFolder folder;
  std::filesystem::path model = folder.path() / "tiny.safetensors";
  eval::ReportContext context{"restora eval --record", "2026-01-02", "test machine"};
};

TEST_F(Record, ScoresLandInTheModelFileAndWeightsStay) {
  const auto before = model_file::read_model_file(model);
  const auto evaluation = Evaluate("BSD68");
  const auto files = eval::record_scores(evaluation, context);
  ASSERT_EQ(files, std::vector<std::string>{model.string()});

  const auto after = model_file::read_model_file(model);
  ASSERT_EQ(after.tensors.size(), before.tensors.size());
  for (size_t i = 0; i < after.tensors.size(); ++i)
    EXPECT_EQ(after.tensors[i].bytes, before.tensors[i].bytes) << after.tensors[i].name;
  EXPECT_EQ(after.meta.arch_config, before.meta.arch_config);

  const auto& sets = after.meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 1u);
  EXPECT_EQ(sets[0]["set"], "BSD68");
  EXPECT_EQ(sets[0]["images"], 2);
  EXPECT_EQ(sets[0]["date"], "2026-01-02");
  EXPECT_EQ(sets[0]["command"], "restora eval --record");
  const auto& ours = evaluation.sets[0].methods.back();
  ASSERT_EQ(ours.model_file, model.string());
  const auto& results = sets[0]["results"];
  ASSERT_EQ(results.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(results[i]["setting"], std::vector<std::string>({"σ=15", "σ=25", "σ=50"})[i]);
    EXPECT_EQ(results[i]["sigma"], std::vector<int>({15, 25, 50})[i]);
    EXPECT_DOUBLE_EQ(results[i]["psnr"].get<double>(), ours.cells[i].psnr);
    EXPECT_DOUBLE_EQ(results[i]["ssim"].get<double>(), ours.cells[i].ssim);
    EXPECT_FALSE(results[i].contains("psnr_b"));  // measured for JPEG only
  }
  EXPECT_EQ(eval::score_summary(after.meta.scores),
            fmt::format("BSD68 σ=15 {:.2f}, σ=25 {:.2f}, σ=50 {:.2f} dB", ours.cells[0].psnr,
                        ours.cells[1].psnr, ours.cells[2].psnr));
}

TEST_F(Record, MeasuringASetAgainReplacesItInPlace) {
  eval::record_scores(Evaluate("BSD68"), context);
  eval::record_scores(Evaluate("Set12"), context);
  context.date = "2026-02-03";
  eval::record_scores(Evaluate("BSD68"), context);
  const auto sets = model_file::read_model_file(model).meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0]["set"], "BSD68");
  EXPECT_EQ(sets[0]["date"], "2026-02-03");
  EXPECT_EQ(sets[1]["set"], "Set12");
  EXPECT_EQ(sets[1]["images"], 1);
}

// A model measured on another task's protocol (the Gaussian denoiser on real noise) keeps its file.
TEST_F(Record, AnotherTasksModelIsNotRecorded) {
  eval::Evaluation evaluation;
  eval::SetScores set;
  set.task = tasks::find_task("real");
  set.set = {"Nam_CC15", eval::Color::rgb, "", "clean", "noisy"};
  set.images = 15;
  set.channels = 3;
  eval::Cell cell;
  cell.degradation = find_degradation("recorded").with_value(1);
  cell.images = 15;
  cell.psnr = 33.6;
  set.methods.push_back({"Restora tiny-blind", {cell}, model.string(), "fp32"});
  evaluation.sets.push_back(set);
  const auto before = model_file::read_model_file(model).meta.scores;
  EXPECT_TRUE(eval::record_scores(evaluation, context).empty());
  EXPECT_EQ(model_file::read_model_file(model).meta.scores, before);
}

// The two JPEG protocols measure the same folder: the colour one records under its label, so
// neither entry replaces the other, and its results carry the Y PSNR.
TEST_F(Record, ProtocolsSharingAFolderRecordUnderTheirOwnTitles) {
  auto file = model_file::read_model_file(model);
  file.meta.task = "dejpeg";  // scores are recorded on the model's own task's protocols
  model_file::write_model_file(model, file);
  eval::Evaluation evaluation;
  for (const bool colour : {false, true}) {
    eval::SetScores set;
    set.task = tasks::find_task("dejpeg");
    set.set = colour ? eval::TestSet{"LIVE1", eval::Color::rgb, "LIVE1 colour", "", ""}
                     : eval::TestSet{"LIVE1", eval::Color::y_u8, "", "", ""};
    set.images = 29;
    set.channels = colour ? 3 : 1;
    eval::Cell cell;
    cell.degradation = find_degradation("jpeg").with_value(10);
    cell.images = 29;
    cell.psnr = colour ? 28.5 : 29.0;
    cell.ssim = 0.8;
    cell.psnr_b = colour ? std::nan("") : 28.0;
    if (colour) cell.psnr_y = 29.5;
    set.methods.push_back({"Restora", {cell}, model.string(), "fp32"});
    evaluation.sets.push_back(set);
  }
  eval::record_scores(evaluation, context);
  const auto sets = model_file::read_model_file(model).meta.scores["test"]["sets"];
  ASSERT_EQ(sets.size(), 2u);
  EXPECT_EQ(sets[0]["set"], "LIVE1");
  EXPECT_DOUBLE_EQ(sets[0]["results"][0]["psnr_b"].get<double>(), 28.0);
  EXPECT_FALSE(sets[0]["results"][0].contains("psnr_y"));
  EXPECT_EQ(sets[1]["set"], "LIVE1 colour");
  EXPECT_DOUBLE_EQ(sets[1]["results"][0]["psnr"].get<double>(), 28.5);
  EXPECT_DOUBLE_EQ(sets[1]["results"][0]["psnr_y"].get<double>(), 29.5);
  EXPECT_FALSE(sets[1]["results"][0].contains("psnr_b"));
}

TEST_F(Record, PartialRunsAreRefusedAndBaselinesHaveNoFile) {
  auto evaluation = Evaluate("BSD68");
  for (const auto& row : evaluation.sets[0].methods)
    EXPECT_EQ(row.model_file.empty(), row.method.rfind("Restora", 0) != 0) << row.method;
  evaluation.limit = 1;
  const auto before = model_file::read_model_file(model).meta.scores;
  EXPECT_THROW(eval::record_scores(evaluation, context), InvalidArgument);
  EXPECT_EQ(model_file::read_model_file(model).meta.scores, before);
}

// A BSD68 table with our model measured in fp32 and bf16, bf16 losing `drop` dB at σ=25.
eval::Evaluation Fp32AndBf16Rows(const std::string& model, double drop) {
  eval::SetScores set;
  set.task = tasks::find_task("denoise");
  set.set = {"BSD68", eval::Color::gray, "", "", ""};
  set.images = 68;
  set.channels = 1;
  for (const std::string precision : {"fp32", "bf16"}) {
    eval::MethodScores row{"Restora tiny-blind (blind, " + precision + ")", {}, model, precision};
    for (const double sigma : {15.0, 25.0, 50.0}) {
      eval::Cell cell;
      cell.degradation = find_degradation("gaussian_noise").with_value(sigma);
      cell.images = 68;
      cell.psnr = 30.0 - sigma / 10 - (precision == "bf16" && sigma == 25.0 ? drop : 0.0);
      cell.ssim = 0.8;
      cell.psnr_b = std::nan("");
      row.cells.push_back(cell);
    }
    set.methods.push_back(row);
  }
  eval::Evaluation evaluation;
  evaluation.sets = {set};
  return evaluation;
}

TEST_F(Record, Fp32AndBf16RowsValidateBf16WithinTheTolerance) {
  using model_file::Precision;
  eval::record_scores(Fp32AndBf16Rows(model.string(), 0.01), context);
  auto meta = model_file::read_model_file(model).meta;
  EXPECT_EQ(meta.precision, (std::vector<Precision>{Precision::fp32, Precision::bf16}));
  const auto& entry = meta.scores["test"]["sets"][0];
  EXPECT_EQ(entry["precision"], "fp32");
  EXPECT_DOUBLE_EQ(entry["results"][1]["psnr"].get<double>(), 27.5);  // the fp32 row's
  EXPECT_NEAR(entry["bf16_largest_psnr_drop"].get<double>(), 0.01, 1e-12);

  // A later measurement that loses more than the tolerance withdraws bf16.
  eval::record_scores(Fp32AndBf16Rows(model.string(), 0.03), context);
  meta = model_file::read_model_file(model).meta;
  EXPECT_EQ(meta.precision, std::vector<Precision>{Precision::fp32});
  EXPECT_NEAR(meta.scores["test"]["sets"][0]["bf16_largest_psnr_drop"].get<double>(), 0.03, 1e-12);
}

TEST_F(Record, OnePrecisionLeavesTheValidatedListAlone) {
  eval::record_scores(Fp32AndBf16Rows(model.string(), 0.0), context);
  auto evaluation = Fp32AndBf16Rows(model.string(), 0.5);
  evaluation.sets[0].methods.erase(evaluation.sets[0].methods.begin());  // bf16 only
  eval::record_scores(evaluation, context);
  const auto meta = model_file::read_model_file(model).meta;
  EXPECT_EQ(meta.precision.size(), 2u);
  EXPECT_EQ(meta.scores["test"]["sets"][0]["precision"], "bf16");
  EXPECT_FALSE(meta.scores["test"]["sets"][0].contains("bf16_largest_psnr_drop"));
}

TEST_F(Record, EvaluationRunsOneRowPerModelAndPrecision) {
  const auto second = folder.path() / "tiny-sigma.safetensors";
  testing::WriteTinyDenoiser(second, /*sigma_conditioned=*/true, 0.0f);
  eval::EvalOptions options;
  options.data_root = folder.path();
  options.tasks = {tasks::find_task("denoise")};
  options.sets = {"BSD68"};
  options.threads = 1;
  options.models = {model.string(), second.string()};
  options.precisions = {"fp32", "bf16"};
  const auto evaluation = eval::run_evaluation(options);
  const auto& rows = evaluation.sets.at(0).methods;
  ASSERT_GE(rows.size(), 4u);
  const std::vector<std::string> names = {
      "Restora tiny-blind (blind, fp32)", "Restora tiny-blind (blind, bf16)",
      "Restora tiny-sigma (σ given, fp32)", "Restora tiny-sigma (σ given, bf16)"};
  const size_t first = rows.size() - 4;
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[first + i].method, names[i]);
    EXPECT_EQ(rows[first + i].precision, i % 2 ? "bf16" : "fp32");
    EXPECT_EQ(rows[first + i].model_file, (i < 2 ? model : second).string());
  }
  for (size_t i = 0; i < 3; ++i)  // the tiny model adds 0.02: bf16 rounding stays well below
    EXPECT_NEAR(rows[first + 1].cells[i].psnr, rows[first].cells[i].psnr, 0.5);
}

TEST(ScoreSummary, FallsBackToValidation) {
  EXPECT_EQ(eval::score_summary({{"validation", {{"psnr", 30.234}}}}), "validation 30.23 dB");
  EXPECT_EQ(eval::score_summary(nlohmann::json::object()), "");
  // A no-reference set records NIQE alone (no null PSNR) and is summarised by it.
  const nlohmann::json niqe = {
      {"test", {{"sets", {{{"set", "RealSRSet"}, {"results", {{{"setting", "real x4"}, {"niqe", 6.489}}}}}}}}}};
  EXPECT_EQ(eval::score_summary(niqe), "RealSRSet real x4 NIQE 6.49");
}

}  // namespace
}  // namespace restora

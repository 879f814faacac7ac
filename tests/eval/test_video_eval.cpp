// The video evaluation on a fake Vid4 and Set14: its tables and rows, the noisy input's PSNR by
// hand, flicker zero where frames do not change, the burst's reference shot.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <opencv2/imgproc.hpp>

#include "eval/eval_test_support.h"
#include "eval/video_eval.h"
#include "restora/errors.h"
#include "support/tiny_model.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;

class VideoEval : public ::testing::Test {
 protected:
  static void WriteImage(const fs::path& path, const cv::Mat& rgb) {
    fs::create_directories(path.parent_path());
    write_image(image_from_u8(rgb), path);
  }
  void SetUp() override {
    // calendar: three identical frames; city: a frame that moves.
    const cv::Mat still = SyntheticImage(0)(cv::Rect(0, 0, 48, 40)).clone();
    for (int t = 0; t < 3; ++t) {
      WriteImage(folder_.path() / "test" / "Vid4" / "calendar" / fmt_name(t), still);
      cv::Mat moved;
      cv::Mat shift = (cv::Mat_<double>(2, 3) << 1, 0, t, 0, 1, 0);
      cv::warpAffine(still, moved, shift, still.size(), cv::INTER_NEAREST, cv::BORDER_REFLECT_101);
      WriteImage(folder_.path() / "test" / "Vid4" / "city" / fmt_name(t), moved);
    }
    WriteSet(folder_.path(), "Set14", {SyntheticImage(1)(cv::Rect(0, 0, 40, 32)).clone()});
    models_ = folder_.path() / "models";
    fs::create_directories(models_);
    write_tiny_model(models_ / "video-sr-x4.safetensors", tiny_meta("video_sr", 3, "video-sr-x4"), 2);
    write_tiny_model(models_ / "video-denoise.safetensors", tiny_meta("video_denoise", 3, "video-denoise"), 3);
    write_tiny_model(models_ / "sr.safetensors", tiny_meta("super_resolution", 3, "sr"), 4);
    write_tiny_model(models_ / "denoise-color.safetensors", tiny_meta("denoise", 3, "denoise-color"), 5);
    ::setenv("RESTORA_MODELS", models_.c_str(), 1);
  }
  static std::string fmt_name(int t) { return "0000000" + std::to_string(t) + ".png"; }
  eval::VideoEvalOptions options() const {
    eval::VideoEvalOptions options;
    options.data_root = folder_.path();
    options.sigmas = {30};
    options.threads = 1;
    return options;
  }
  TemporaryFolder folder_;
  fs::path models_;
};

TEST_F(VideoEval, TablesRowsAndScores) {
  const auto evaluation = eval::run_video_evaluation(options());
  ASSERT_EQ(evaluation.tables.size(), 5u);
  EXPECT_EQ(evaluation.tables[0].name, "x4 BD");
  EXPECT_EQ(evaluation.tables[1].name, "x4 BI");
  EXPECT_EQ(evaluation.tables[2].name, "denoise σ 30");
  EXPECT_EQ(evaluation.tables[3].name, "burst x4 BI (8 shots)");
  EXPECT_EQ(evaluation.tables[4].name, "burst x4 BD (8 shots)");
  EXPECT_EQ(evaluation.tables[4].set, "Set14 burst x4 BD (8 shots)");
  // BD: bicubic, sr frame by frame, ours, the published RRN-5L.
  const auto& bd = evaluation.tables[0];
  ASSERT_EQ(bd.rows.size(), 4u);
  EXPECT_EQ(bd.rows[1].method, "sr frame by frame (fp32)");
  EXPECT_EQ(bd.rows[2].model_file, (models_ / "video-sr-x4.safetensors").string());
  EXPECT_TRUE(bd.rows[3].published);
  EXPECT_DOUBLE_EQ(bd.rows[3].cells[0].psnr, 24.30);
  EXPECT_EQ(evaluation.tables[1].rows.size(), 3u);
  for (const auto* table : {&evaluation.tables[0], &evaluation.tables[1]}) {
    EXPECT_EQ(table->rows[0].cells[0].frames, 3);
    // Bicubic of unchanging frames does not flicker; of the moving clip it does.
    EXPECT_EQ(table->rows[0].cells[0].flicker, 0.0);
    EXPECT_GT(table->rows[0].cells[1].flicker, 0.0);
  }
  // The noisy input: about 20·log10(255/30) (clipping to 8 bits takes a little noise away).
  const auto& noisy = evaluation.tables[2].rows[0];
  EXPECT_EQ(noisy.method, "noisy input");
  EXPECT_NEAR(noisy.cells[0].psnr, 20 * std::log10(255.0 / 30), 0.6);
  EXPECT_EQ(evaluation.tables[2].rows[2].model_file, (models_ / "video-denoise.safetensors").string());
  // The burst: bicubic, sr, ours on the reference alone and on the burst; ours recorded from the burst.
  const auto& burst = evaluation.tables[3];
  ASSERT_EQ(burst.rows.size(), 4u);
  EXPECT_EQ(burst.rows[0].cells[0].frames, 1);
  EXPECT_TRUE(std::isnan(burst.rows[0].cells[0].flicker));
  EXPECT_TRUE(burst.rows[2].model_file.empty());
  EXPECT_FALSE(burst.rows[3].model_file.empty());
  EXPECT_NE(burst.rows[2].cells[0].psnr, burst.rows[3].cells[0].psnr);  // the other shots count
  const auto markdown = eval::render_video_markdown(evaluation, {"restora eval --task video", "2026-12-07", "test"});
  EXPECT_NE(markdown.find("| RRN-5L (published, 1.9 M parameters) | 24.30 | — | 28.10 | — | 26.20 | — |"),
            std::string::npos)
      << markdown;
}

TEST_F(VideoEval, RefusalsBeforeMeasuring) {
  auto bad = options();
  bad.protocols = {"bi", "slowmo"};
  EXPECT_THROW(eval::run_video_evaluation(bad), InvalidArgument);
  bad = options();
  bad.clips = {"walk"};
  EXPECT_THROW(eval::run_video_evaluation(bad), FileError);
  bad = options();
  bad.sr_models = {"sr"};  // an image model is not a video model of the task... but may run frame by frame
  bad.protocols = {"bd"};
  EXPECT_NO_THROW(eval::run_video_evaluation(bad));
  bad.sr_models = {"video-denoise"};
  EXPECT_THROW(eval::run_video_evaluation(bad), ModelMismatch);
}

}  // namespace
}  // namespace restora::testing

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <opencv2/imgproc.hpp>

#include "compression/codec_model.h"
#include "eval/codec_eval.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "support/tiny_model.h"

namespace restora::eval {
namespace {

namespace fs = std::filesystem;

RateCurve curve(const std::string& name, std::vector<std::pair<double, double>> points) {
  RateCurve result;
  result.method = name;
  for (const auto& [bpp, psnr] : points) result.points.push_back({"", bpp, psnr, 0, 0, 0});
  return result;
}

TEST(BdRate, HalfTheRateAtEveryQualityIsMinusFiftyPercent) {
  const auto anchor = curve("a", {{0.2, 28}, {0.4, 30.5}, {0.8, 33}, {1.6, 36}, {3.2, 39}});
  auto half = anchor;
  for (auto& point : half.points) point.bpp /= 2;
  EXPECT_NEAR(bd_rate(anchor, half), -50.0, 1e-6);
  EXPECT_NEAR(bd_rate(half, anchor), 100.0, 1e-6);
  EXPECT_NEAR(bd_rate(anchor, anchor), 0.0, 1e-9);
}

TEST(BdRate, NeedsFourPointsAndOverlap) {
  const auto anchor = curve("a", {{0.2, 28}, {0.4, 30}, {0.8, 32}, {1.6, 34}});
  EXPECT_TRUE(std::isnan(bd_rate(anchor, curve("b", {{0.2, 28}, {0.4, 30}, {0.8, 32}}))));
  EXPECT_TRUE(std::isnan(bd_rate(anchor, curve("c", {{0.2, 40}, {0.4, 41}, {0.8, 42}, {1.6, 43}}))));
}

TEST(BdRate, RateDifferenceAtOnePsnrFollowsTheCurves) {
  const auto anchor = curve("a", {{0.2, 28}, {0.4, 30.5}, {0.8, 33}, {1.6, 36}, {3.2, 39}});
  // Ours costs exp(0.1·(PSNR − 30)) times the anchor's rate: even at 30 dB, 22 % more at 32 dB.
  auto ours = anchor;
  for (auto& point : ours.points) point.bpp *= std::exp(0.1 * (point.psnr - 30.0));
  EXPECT_NEAR(rate_difference_at(anchor, ours, 30.0), 0.0, 1e-6);
  EXPECT_NEAR(rate_difference_at(anchor, ours, 32.0), (std::exp(0.2) - 1.0) * 100.0, 1e-6);
  EXPECT_NEAR(rate_difference_at(anchor, ours, 28.0), (std::exp(-0.2) - 1.0) * 100.0, 1e-6);
  EXPECT_TRUE(std::isnan(rate_difference_at(anchor, ours, 27.9)));  // below both curves
  ours.points.pop_back();  // ours now ends at 36 dB
  EXPECT_TRUE(std::isnan(rate_difference_at(anchor, ours, 37.0)));
}

TEST(CodecEvaluation, ReportShowsTheRateDifferenceAtEachEvenPsnr) {
  CodecEvaluation evaluation;
  evaluation.set = "Synthetic";
  // Log-rates linear in PSNR, which the cubic fits hold exactly.
  auto ours = curve("codec (ours)", {});
  for (const double psnr : {25.5, 28.0, 30.5, 33.0, 36.5})
    ours.points.push_back({"", 0.4 * std::exp(0.28 * (psnr - 30.5)), psnr, 0, 0, 0});
  ours.ours = true;
  auto peer = ours;
  peer.method = "Peer";
  peer.ours = false;
  for (auto& point : peer.points) point.bpp *= 2;  // every PSNR at twice our rate
  peer.points.erase(peer.points.begin());          // and none below 28 dB
  evaluation.curves = {ours, peer};
  const auto markdown = render_codec_markdown(evaluation, {"cmd", "2026-01-01", "machine"}, "rd.png");
  EXPECT_NE(markdown.find("| ours | against | 26 dB | 28 dB | 30 dB | 32 dB | 34 dB | 36 dB |"), std::string::npos)
      << markdown;
  EXPECT_NE(markdown.find("| codec (ours) | Peer | | -50.0 % | -50.0 % | -50.0 % | -50.0 % | -50.0 % |"),
            std::string::npos)
      << markdown;
}

TEST(CodecEvaluation, MeasuresOursAndJpegFromRealFiles) {
  const auto root = testing::make_temp_dir("restora-codec-eval");
  const auto folder = root / "test" / "Tiny";
  fs::create_directories(folder);
  Image image;
  image.pixels = cv::Mat(192, 200, CV_32FC3);
  cv::randu(image.pixels, 0.2, 0.8);
  cv::GaussianBlur(image.pixels, image.pixels, {9, 9}, 3.0);
  write_image(image, folder / "a.png");
  testing::write_tiny_codec(root / "tiny.safetensors", "tiny", 7);

  CodecEvalOptions options;
  options.data_root = root;
  options.set = "Tiny";
  options.models = {(root / "tiny.safetensors").string()};
  options.dejpeg_model = "";
  options.peers = false;
  options.threads = 1;
  const auto evaluation = run_codec_evaluation(options);
  ASSERT_EQ(evaluation.curves.size(), 2u);
  const auto& ours = evaluation.curves[0];
  EXPECT_TRUE(ours.ours);
  ASSERT_EQ(ours.points.size(), 3u);  // the tiny codec's levels
  const auto* jpeg = evaluation.curve("JPEG");
  ASSERT_NE(jpeg, nullptr);
  EXPECT_EQ(jpeg->points.size(), 11u);
  for (const auto* c : {&ours, jpeg}) {
    for (size_t i = 0; i < c->points.size(); ++i) {
      EXPECT_GT(c->points[i].bpp, 0.0);
      EXPECT_GT(c->points[i].psnr, 5.0);
      EXPECT_LE(c->points[i].ms_ssim, 1.0);
      if (i) {
        EXPECT_GE(c->points[i].bpp, c->points[i - 1].bpp);  // sorted by rate
      }
    }
  }
  // JPEG quality up means more bits and more PSNR; the file sizes are real (header included).
  EXPECT_GT(jpeg->points.back().psnr, jpeg->points.front().psnr + 5);
  EXPECT_GT(jpeg->points.front().bpp * 192 * 200 / 8, 300.0);
  const auto markdown = render_codec_markdown(evaluation, {"cmd", "2026-01-01", "machine"}, "rd.png");
  EXPECT_NE(markdown.find("| tiny (ours) | JPEG |"), std::string::npos) << markdown;
  plot_rate_distortion(evaluation, root / "rd.png");
  EXPECT_TRUE(fs::exists(root / "rd.png"));

  // Recording keeps the coding tensors, so files made before still decode with the model.
  const auto model_path = root / "tiny.safetensors";
  const auto before = compression::load_codec_model(model_path).fingerprint;
  EXPECT_EQ(record_codec_scores(evaluation, {"cmd", "2026-01-01", "machine"}),
            std::vector<std::string>{model_path.string()});
  const auto after = compression::load_codec_model(model_path);
  EXPECT_EQ(after.fingerprint, before);
  const auto& recorded = after.meta.scores["test"]["sets"][0];
  EXPECT_EQ(recorded["set"], "Tiny");
  EXPECT_EQ(recorded["results"].size(), 3u);
  EXPECT_DOUBLE_EQ(recorded["results"][0]["bpp"].get<double>(), ours.points[0].bpp);
  EXPECT_TRUE(recorded["bd_rate_percent"].contains("JPEG"));
  auto partial = evaluation;
  partial.limit = 1;
  EXPECT_THROW(record_codec_scores(partial, {"cmd", "2026-01-01", "machine"}), InvalidArgument);
  fs::remove_all(root);
}

TEST(CodecEvaluation, ModelsSharingANameAreLabelledByTheirFiles) {
  const auto root = testing::make_temp_dir("restora-codec-eval-names");
  const auto folder = root / "test" / "Tiny";
  fs::create_directories(folder);
  Image image;
  image.pixels = cv::Mat(192, 192, CV_32FC3, cv::Scalar(0.3, 0.5, 0.7));
  write_image(image, folder / "a.png");
  testing::write_tiny_codec(root / "parent.safetensors", "tiny", 7);
  testing::write_tiny_codec(root / "finetune.safetensors", "tiny", 8);

  CodecEvalOptions options;
  options.data_root = root;
  options.set = "Tiny";
  options.models = {(root / "parent.safetensors").string(), (root / "finetune.safetensors").string()};
  options.dejpeg_model = "";
  options.peers = false;
  options.threads = 1;
  const auto evaluation = run_codec_evaluation(options);
  ASSERT_EQ(evaluation.curves.size(), 3u);
  EXPECT_EQ(evaluation.curves[0].method, "tiny (ours, " + options.models[0] + ")");
  EXPECT_EQ(evaluation.curves[1].method, "tiny (ours, " + options.models[1] + ")");
  fs::remove_all(root);
}

}  // namespace
}  // namespace restora::eval

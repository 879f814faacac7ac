// The video engine and VideoRestorer: tiles carry their own state and equal the whole frame while
// the overlap covers what the state has carried; a saved state continues exactly; refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "archs/recurrent.h"
#include "restora/video_restorer.h"
#include "restore/model_loader.h"
#include "restore/video_engine.h"
#include "support/tiny_model.h"

namespace restora {
namespace {

std::shared_ptr<archs::RecurrentNetworkImpl> random_network(int scale, const std::string& alignment = "flow") {
  torch::manual_seed(5);
  auto network = std::dynamic_pointer_cast<archs::RecurrentNetworkImpl>(archs::build_network(
      "recurrent", {{"num_features", 8}, {"num_blocks", 1}, {"scale", scale}, {"alignment", alignment}}));
  torch::NoGradGuard no_grad;
  for (auto& parameter : network->parameters()) parameter.uniform_(-0.2, 0.2);
  network->eval();
  return network;
}

std::vector<cv::Mat> random_clip(int frames, cv::Size size) {
  cv::RNG rng(7);
  std::vector<cv::Mat> clip;
  for (int t = 0; t < frames; ++t) {
    cv::Mat frame(size, CV_32FC3);
    rng.fill(frame, cv::RNG::UNIFORM, 0.0, 1.0);
    clip.push_back(frame);
  }
  return clip;
}

double max_difference(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

TEST(VideoEngine, TilesEqualTheWholeFrameWhenTheOverlapCoversTheClip) {
  auto network = random_network(2);
  const int frames = 3;
  const auto clip = random_clip(frames, cv::Size(70, 52));
  VideoEngineOptions whole_options;
  VideoEngine whole(*network, 2, whole_options);
  VideoEngineOptions tiled_options;
  tiled_options.tile = 24;
  tiled_options.overlap = frames * network->traits().receptive_radius;
  VideoEngine tiled(*network, 2, tiled_options);
  for (const auto& frame : clip) {
    const auto a = whole.push(frame), b = tiled.push(frame);
    ASSERT_EQ(a.size(), cv::Size(140, 104));
    EXPECT_LT(max_difference(a, b), 1e-5);
  }
}

TEST(VideoEngine, AMemoryBudgetTilesFramesAutomatically) {
  auto network = random_network(1, "none");
  const auto clip = random_clip(3, cv::Size(64, 48));
  VideoEngine whole(*network, 1, {});
  VideoEngineOptions options;
  options.max_memory = 2 << 20;  // below a whole frame's tensors
  options.overlap = 3 * network->traits().receptive_radius;  // covers these 3 frames exactly
  VideoEngine budgeted(*network, 1, options);
  for (const auto& frame : clip) EXPECT_LT(max_difference(whole.push(frame), budgeted.push(frame)), 1e-5);
  EXPECT_EQ(whole.tiles(), 1u);
  EXPECT_GT(budgeted.tiles(), 1u);
}

TEST(VideoEngine, ASmallOverlapCutsTheStateAtTileEdges) {
  auto network = random_network(1);
  const auto clip = random_clip(4, cv::Size(60, 40));
  VideoEngine whole(*network, 1, {});
  VideoEngineOptions options;
  options.tile = 20;
  options.overlap = 2;
  VideoEngine tiled(*network, 1, options);
  double last = 0;
  for (const auto& frame : clip) last = max_difference(whole.push(frame), tiled.push(frame));
  EXPECT_GT(last, 1e-4);  // what the test above rules out needs the overlap
}

TEST(VideoEngine, ASnapshotContinuesExactly) {
  auto network = random_network(2);
  const auto clip = random_clip(5, cv::Size(30, 26));
  VideoEngineOptions options;
  options.tile = 16;
  VideoEngine straight(*network, 2, options), first(*network, 2, options);
  std::vector<cv::Mat> expected;
  for (const auto& frame : clip) expected.push_back(straight.push(frame));
  for (int t = 0; t < 2; ++t) first.push(clip[t]);
  VideoEngine second(*network, 2, options);
  second.restore(first.snapshot());
  EXPECT_EQ(second.frames(), 2);
  for (int t = 2; t < 5; ++t) EXPECT_EQ(max_difference(second.push(clip[t]), expected[t]), 0.0) << t;
  EXPECT_THROW(second.push(cv::Mat(26, 31, CV_32FC3, cv::Scalar::all(0.5))), InvalidArgument);
}

TEST(VideoEngine, ResetStartsANewClip) {
  auto network = random_network(1);
  const auto clip = random_clip(3, cv::Size(16, 16));
  VideoEngine engine(*network, 1, {});
  const auto first = engine.push(clip[0]);
  engine.push(clip[1]);
  engine.reset();
  EXPECT_EQ(max_difference(engine.push(clip[0]), first), 0.0);
}

class VideoRestorerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = testing::make_temp_dir("restora-video-restorer");
    model_ = testing::write_tiny_model(folder_ / "v.safetensors", testing::tiny_meta("video_sr", 3, "v"), 4);
  }
  void TearDown() override { std::filesystem::remove_all(folder_); }
  std::vector<cv::Mat> clip_u8(int frames) {
    std::vector<cv::Mat> clip;
    for (const auto& frame : random_clip(frames, cv::Size(20, 14))) {
      cv::Mat u8;
      frame.convertTo(u8, CV_8U, 255.0);
      clip.push_back(u8);
    }
    return clip;
  }
  std::filesystem::path folder_, model_;
};

TEST_F(VideoRestorerTest, SavedStateResumesByteForByte) {
  RestoreOptions options;
  options.model = model_.string();
  options.threads = 1;
  const auto clip = clip_u8(5);
  VideoRestorer straight("video_sr", options), first("video_sr", options);
  ASSERT_TRUE(straight.recurrent());
  std::vector<cv::Mat> expected;
  for (const auto& frame : clip) expected.push_back(straight.push(frame));
  ASSERT_EQ(expected[0].size(), cv::Size(80, 56));
  ASSERT_EQ(expected[0].type(), CV_8UC3);
  for (int t = 0; t < 3; ++t) first.push(clip[t]);
  first.save_state(folder_ / "state.safetensors");
  VideoRestorer second("video_sr", options);
  second.load_state(folder_ / "state.safetensors");
  EXPECT_EQ(second.frames(), 3);
  for (int t = 3; t < 5; ++t) EXPECT_EQ(cv::norm(second.push(clip[t]), expected[t], cv::NORM_INF), 0.0);
}

TEST_F(VideoRestorerTest, AnImageModelRunsFrameByFrameAndOthersAreRefused) {
  const auto sr = testing::write_tiny_model(folder_ / "sr.safetensors", testing::tiny_meta("super_resolution", 3, "sr"));
  RestoreOptions options;
  options.model = sr.string();
  options.scale = 4;
  VideoRestorer per_frame("video_sr", options);
  EXPECT_FALSE(per_frame.recurrent());
  const auto clip = clip_u8(2);
  // Frame by frame: the second output does not depend on the first frame.
  VideoRestorer alone("video_sr", options);
  per_frame.push(clip[0]);
  EXPECT_EQ(cv::norm(per_frame.push(clip[1]), alone.push(clip[1]), cv::NORM_INF), 0.0);

  const auto denoiser = testing::write_tiny_model(folder_ / "d.safetensors", testing::tiny_meta("denoise", 3, "d"));
  options.model = denoiser.string();
  EXPECT_THROW(VideoRestorer("video_sr", options), ModelMismatch);
  options.model = model_.string();
  EXPECT_THROW(VideoRestorer("video_denoise", options), ModelMismatch);
  EXPECT_THROW(VideoRestorer("denoise", options), InvalidArgument);
  options.scale = 2;
  EXPECT_THROW(VideoRestorer("video_sr", options), ModelMismatch);
}

TEST_F(VideoRestorerTest, AStateFileOfAnotherSizeOrModelIsRefused) {
  RestoreOptions options;
  options.model = model_.string();
  VideoRestorer first("video_sr", options);
  first.push(clip_u8(1)[0]);
  first.save_state(folder_ / "state.safetensors");
  options.tile = 8;  // another tiling: other tiles' states
  VideoRestorer tiled("video_sr", options);
  EXPECT_THROW(tiled.load_state(folder_ / "state.safetensors"), FormatError);
  const auto other = testing::write_tiny_model(folder_ / "w.safetensors", testing::tiny_meta("video_sr", 3, "w"), 9);
  options.model = other.string();
  options.tile = 0;
  VideoRestorer another("video_sr", options);
  EXPECT_THROW(another.load_state(folder_ / "state.safetensors"), FormatError);
  EXPECT_THROW(another.load_state(folder_ / "missing.safetensors"), FileError);
}

}  // namespace
}  // namespace restora

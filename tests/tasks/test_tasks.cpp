// Tests of the task registry: ids, the degradation each task undoes, its conditioning value,
// its measuring protocol (PROTOCOLS.md) and its shipped model names.
#include <gtest/gtest.h>

#include "restora/errors.h"
#include "tasks/task.h"

namespace restora::tasks {
namespace {

TEST(TaskRegistry, KnowsTheTasksAndRejectsOthers) {
  EXPECT_EQ(known_tasks(), (std::vector<std::string>{"denoise", "super_resolution", "dejpeg", "codec", "real", "deblur", "inpaint", "repair", "video_sr", "video_denoise"}));
  for (const auto& id : known_tasks()) EXPECT_EQ(find_task(id)->id(), id);
  EXPECT_EQ(find_task("denoise"), find_task("denoise"));  // one registered instance
  try {
    find_task("colorize");
    FAIL() << "no error";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("unknown task 'colorize'"), std::string::npos);
  }
}

TEST(TaskRegistry, VideoTasksNameTheirImageCounterpartsAndProtocols) {
  const auto video_sr = find_task("video_sr");
  const auto video_denoise = find_task("video_denoise");
  EXPECT_EQ(video_sr->degradation().id(), "bd");
  EXPECT_EQ(video_denoise->degradation().id(), "gaussian_noise");
  EXPECT_EQ(video_sr->image_task(), "super_resolution");
  EXPECT_EQ(video_denoise->image_task(), "denoise");
  EXPECT_EQ(find_task("super_resolution")->image_task(), "");
  EXPECT_EQ(video_sr->default_model(3, 4), "video-sr-x4");
  EXPECT_EQ(video_denoise->default_model(3), "video-denoise");
  // PROTOCOLS.md "Video": Y with an 8-pixel crop for SR at any scale, RGB for denoising.
  EXPECT_EQ(video_sr->protocol(4).space, metrics::Space::y);
  EXPECT_EQ(video_sr->protocol(4).crop_border, 8);
  EXPECT_EQ(video_denoise->protocol(1).space, metrics::Space::all_channels);
  EXPECT_EQ(video_denoise->protocol(1).crop_border, 0);
}

TEST(TaskRegistry, DegradationConditioningAndModels) {
  const auto denoise = find_task("denoise");
  const auto sr = find_task("super_resolution");
  const auto dejpeg = find_task("dejpeg");
  EXPECT_EQ(denoise->degradation().id(), "gaussian_noise");
  EXPECT_EQ(sr->degradation().id(), "bicubic_down");
  EXPECT_EQ(dejpeg->degradation().id(), "jpeg");
  const auto sigma = denoise->degradation().condition_maps(denoise->degradation().with_value(51));
  ASSERT_EQ(sigma.size(), 1u);
  EXPECT_EQ(sigma[0].name, "sigma");
  EXPECT_FLOAT_EQ(sigma[0].constant, 0.2f);
  const auto quality = dejpeg->degradation().condition_maps(dejpeg->degradation().with_value(40));
  ASSERT_EQ(quality.size(), 1u);
  EXPECT_EQ(quality[0].name, "quality");
  EXPECT_FLOAT_EQ(quality[0].constant, 0.4f);
  EXPECT_TRUE(sr->degradation().condition_maps(sr->degradation().with_value(2)).empty());
  EXPECT_EQ(denoise->default_model(1), "denoise-gray");
  EXPECT_EQ(denoise->default_model(3), "denoise-color");
  EXPECT_EQ(dejpeg->default_model(1), "dejpeg-gray");
  EXPECT_EQ(sr->default_model(3), "sr");
  EXPECT_EQ(sr->default_model(3, 4), "sr");
  const auto real = find_task("real");
  EXPECT_EQ(real->default_model(3), "real");
  EXPECT_EQ(real->default_model(3, 4), "real-x4-gan");
}

TEST(TaskRegistry, ProtocolsFollowProtocolsMd) {
  const auto denoise = find_task("denoise")->protocol(1);
  EXPECT_EQ(denoise.space, metrics::Space::all_channels);
  EXPECT_EQ(denoise.crop_border, 0);
  EXPECT_FALSE(denoise.psnr_b);
  const auto sr = find_task("super_resolution");
  const auto x3 = sr->protocol(3);
  EXPECT_EQ(x3.space, metrics::Space::y);
  EXPECT_EQ(x3.crop_border, 3);
  const auto dejpeg = find_task("dejpeg")->protocol(1);
  EXPECT_EQ(dejpeg.space, metrics::Space::y);
  EXPECT_TRUE(dejpeg.psnr_b);
}

TEST(TaskRegistry, DegradeMatchesItsGroundTruth) {
  const auto sr = find_task("super_resolution");
  const cv::Mat gt(13, 17, CV_8UC3, cv::Scalar(10, 120, 240));
  Rng rng(1);
  const auto x4 = sr->degradation().with_value(4);
  const cv::Mat lq = sr->degrade(gt, x4, rng);
  const cv::Mat matching = sr->ground_truth(gt, x4);
  EXPECT_EQ(lq.type(), CV_32FC3);
  EXPECT_EQ(matching.cols, 4 * lq.cols);
  EXPECT_EQ(matching.rows, 4 * lq.rows);
}

}  // namespace
}  // namespace restora::tasks

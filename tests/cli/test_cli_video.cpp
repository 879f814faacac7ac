// End to end: restora video turns a folder of frames or a video file into another, keeps the frame
// rate and the audio, resumes a stopped folder run exactly, and refuses bad input with one line
// and nothing left behind.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "cli/cli_test_support.h"
#include "support/video_clip.h"
#include "video/video_io.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using CliVideo = CliTest;

void write_frames(const fs::path& folder, int frames, cv::Size size, uint64_t seed) {
  for (int t = 0; t < frames; ++t)
    write_image_file(folder / fmt::format("f{:03d}.png", t), random_image(size.height, size.width, 3, seed + t));
}

TEST_F(CliVideo, UpscalesAFolderIntoAVideoAtItsFrameRate) {
  write_frames(work_ / "in", 4, cv::Size(12, 10), 1);
  const auto result = run({"video", "-i", (work_ / "in").string(), "-o", (work_ / "out.mp4").string(), "--fps", "10",
                           "--threads", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("model video-sr-x4"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("frame 1/4"), std::string::npos) << result.err;  // progress (a log: every 10 s)
  EXPECT_NE(result.err.find("4 frames -> "), std::string::npos) << result.err;
  auto reader = video::open_reader(work_ / "out.mp4");
  EXPECT_EQ(reader->info().size, cv::Size(48, 40));
  EXPECT_NEAR(reader->info().frame_rate.value(), 10.0, 1e-6);
  video::Frame frame;
  int frames = 0;
  while (reader->read(frame)) ++frames;
  EXPECT_EQ(frames, 4);
  // An image model frame by frame: x4 too, as the task's usual scale.
  const auto per_frame = run({"video", "-i", (work_ / "in").string(), "-o", (work_ / "sr").string(), "-m", "sr", "-q"});
  ASSERT_EQ(per_frame.exit_code, 0) << per_frame.err;
  EXPECT_EQ(read_image_file(work_ / "sr" / "00000003.png").size(), cv::Size(48, 40));
}

TEST_F(CliVideo, CarriesTheAudioAndFrameRateThrough) {
  const auto wav = write_tone_wav(work_ / "tone.wav", 0.5);
  const auto clip = write_test_clip(work_ / "clip.mkv", 5, cv::Size(16, 12), {15, 1}, wav);
  const auto result = run({"video", "--task", "denoise", "-i", clip.string(), "-o", (work_ / "out.mkv").string(),
                           "--codec", "ffv1", "--threads", "1", "-q"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  auto reader = video::open_reader(work_ / "out.mkv");
  EXPECT_NEAR(reader->info().frame_rate.value(), 15.0, 1e-6);
  EXPECT_EQ(reader->info().size, cv::Size(16, 12));
  EXPECT_EQ(audio_packets(work_ / "out.mkv"), audio_packets(clip));
  ASSERT_FALSE(audio_packets(clip).empty());
  // --no-audio drops it.
  ASSERT_EQ(run({"video", "--task", "denoise", "-i", clip.string(), "-o", (work_ / "mute.mkv").string(), "--no-audio",
                 "-q"}).exit_code, 0);
  EXPECT_TRUE(audio_packets(work_ / "mute.mkv").empty());
}

TEST_F(CliVideo, AStoppedFolderRunResumesExactly) {
  write_frames(work_ / "in", 5, cv::Size(14, 12), 10);
  const std::vector<std::string> common{"video", "--task", "upscale", "-i", (work_ / "in").string(), "--threads", "1", "-q"};
  auto with = [&](std::vector<std::string> extra) {
    auto arguments = common;
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run(arguments);
  };
  ASSERT_EQ(with({"-o", (work_ / "straight").string()}).exit_code, 0);
  EXPECT_EQ(files_under(work_ / "straight").size(), 5u);  // frames only: the state file is gone
  ASSERT_EQ(with({"-o", (work_ / "pieces").string(), "--max-frames", "2"}).exit_code, 0);
  EXPECT_EQ(files_under(work_ / "pieces"),
            (std::vector<std::string>{".restora-video-state.safetensors", "00000000.png", "00000001.png"}));
  // Without --resume the folder is not touched.
  expect_one_error_line(with({"-o", (work_ / "pieces").string()}), 2, {"already holds frames", "--resume"});
  const auto resumed = with({"-o", (work_ / "pieces").string(), "--resume"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ASSERT_EQ(files_under(work_ / "pieces"), files_under(work_ / "straight"));
  for (const auto& name : files_under(work_ / "straight"))
    EXPECT_EQ(read_text(work_ / "pieces" / name), read_text(work_ / "straight" / name)) << name;
}

TEST_F(CliVideo, BadInputIsOneLineAndNothingLeftBehind) {
  auto quiet = [&](std::vector<std::string> arguments) {
    arguments.push_back("-q");
    return run(arguments);
  };
  // Frames of different sizes: the frames done so far are removed, and the folder made for them.
  write_frames(work_ / "mixed", 2, cv::Size(12, 10), 1);
  write_image_file(work_ / "mixed" / "f002.png", random_image(11, 12, 3, 3));
  expect_one_error_line(quiet({"video", "-i", (work_ / "mixed").string(), "-o", (work_ / "out").string()}), 1,
                        {"f002.png", "12x11", "12x10"});
  EXPECT_FALSE(fs::exists(work_ / "out"));
  expect_one_error_line(quiet({"video", "-i", (work_ / "mixed").string(), "-o", (work_ / "out.mp4").string()}), 1,
                        {"f002.png"});
  EXPECT_FALSE(fs::exists(work_ / "out.mp4"));
  // ... but kept with --resume, to go on from.
  expect_one_error_line(quiet({"video", "-i", (work_ / "mixed").string(), "-o", (work_ / "kept").string(), "--resume"}),
                        1, {"f002.png"});
  EXPECT_EQ(files_under(work_ / "kept").size(), 3u);  // two frames and the state
  // A truncated video, an empty folder, a file that is no video.
  const auto mp4 = write_test_clip(work_ / "clip.mp4", 6, cv::Size(16, 16), {25, 1});
  fs::resize_file(mp4, fs::file_size(mp4) / 2);
  expect_one_error_line(quiet({"video", "-i", mp4.string(), "-o", (work_ / "t.mp4").string()}), 1, {"clip.mp4"});
  fs::create_directories(work_ / "empty");
  expect_one_error_line(quiet({"video", "-i", (work_ / "empty").string(), "-o", (work_ / "e.mp4").string()}), 1,
                        {"empty", "no frames"});
  // A container that cannot hold the codec.
  expect_one_error_line(quiet({"video", "-i", (work_ / "in-missing").string(), "-o", (work_ / "x.mp4").string()}), 1,
                        {"in-missing"});
  write_frames(work_ / "good", 2, cv::Size(12, 10), 5);
  expect_one_error_line(
      quiet({"video", "-i", (work_ / "good").string(), "-o", (work_ / "x.webm").string(), "--codec", "libx264"}), 2,
      {"x.webm", "cannot hold libx264"});
  for (const auto* name : {"t.mp4", "e.mp4", "x.mp4", "x.webm"}) EXPECT_FALSE(fs::exists(work_ / name)) << name;
  for (const auto& entry : fs::directory_iterator(work_.path()))
    EXPECT_EQ(entry.path().filename().string().find(".partial"), std::string::npos) << entry.path();
  // An image model of another task, --resume into a file.
  expect_one_error_line(quiet({"video", "-i", (work_ / "good").string(), "-o", (work_ / "y.mp4").string(), "-m", "denoise-color"}),
                        1, {"denoise-color", "'denoise'", "video_sr"});
  expect_one_error_line(quiet({"video", "-i", (work_ / "good").string(), "-o", (work_ / "y.mp4").string(), "--resume"}), 2,
                        {"--resume needs a folder"});
}

TEST_F(CliVideo, BurstUpscalesTheInputWithItsOtherShots) {
  write_image_file(work_ / "ref.png", random_image(10, 12, 3, 1));
  write_image_file(work_ / "a.png", random_image(10, 12, 3, 2));
  write_image_file(work_ / "b.png", random_image(10, 12, 3, 3));
  const auto burst = run({"upscale", "-i", (work_ / "ref.png").string(), "--burst", (work_ / "a.png").string(),
                          (work_ / "b.png").string(), "-o", (work_ / "out.png").string(), "-q"});
  ASSERT_EQ(burst.exit_code, 0) << burst.err;
  const cv::Mat out = read_image_file(work_ / "out.png");
  EXPECT_EQ(out.size(), cv::Size(48, 40));
  // The other shots count: with other shots, another result.
  ASSERT_EQ(run({"upscale", "-i", (work_ / "ref.png").string(), "--burst", (work_ / "b.png").string(), "-o",
                 (work_ / "other.png").string(), "-q"}).exit_code, 0);
  EXPECT_GT(cv::norm(out, read_image_file(work_ / "other.png"), cv::NORM_INF), 0.0);
  // Shots of another size, an image model: one line, no output.
  write_image_file(work_ / "small.png", random_image(9, 12, 3, 4));
  expect_one_error_line(run({"upscale", "-i", (work_ / "ref.png").string(), "--burst", (work_ / "small.png").string(),
                             "-o", (work_ / "bad.png").string(), "-q"}),
                        2, {"small.png", "12x9", "12x10", "share one size"});
  expect_one_error_line(run({"upscale", "-i", (work_ / "ref.png").string(), "--burst", (work_ / "a.png").string(),
                             "-m", "sr", "-s", "4", "-o", (work_ / "bad.png").string(), "-q"}),
                        2, {"--burst needs a recurrent video model"});
  EXPECT_FALSE(fs::exists(work_ / "bad.png"));
}

}  // namespace
}  // namespace restora::testing

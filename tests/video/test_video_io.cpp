// Video files and frame folders: frames, frame rate and audio survive a round trip; damaged,
// empty and mismatched inputs and impossible outputs are refused with the file named.
#include <gtest/gtest.h>

extern "C" {
#include <libavformat/avformat.h>
}

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "restora/errors.h"
#include "restora/image_io.h"
#include "support/video_clip.h"
#include "video/video_io.h"

namespace restora::video {
namespace {
namespace fs = std::filesystem;

class VideoIo : public ::testing::Test {
 protected:
  void SetUp() override {
    folder_ = fs::temp_directory_path() / ("restora-video-io-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(folder_);
    fs::create_directories(folder_);
  }
  void TearDown() override { fs::remove_all(folder_); }
  fs::path folder_;
};

TEST_F(VideoIo, FramesRateAndAudioSurviveARoundTrip) {
  const auto wav = testing::write_tone_wav(folder_ / "tone.wav", 0.6);
  const auto clip = testing::write_test_clip(folder_ / "clip.mkv", 6, cv::Size(32, 24), {12, 1}, wav);
  auto reader = open_reader(clip);
  EXPECT_EQ(reader->info().size, cv::Size(32, 24));
  EXPECT_NEAR(reader->info().frame_rate.value(), 12.0, 1e-6);
  EXPECT_EQ(reader->info().audio_streams, 1);
  WriterOptions options;
  options.codec = "ffv1";  // lossless in RGB: the frames come back exactly
  options.pixel_format = "bgr0";
  options.frame_rate = reader->info().frame_rate;
  options.audio_from = clip;
  auto writer = open_writer(folder_ / "copy.mkv", cv::Size(32, 24), reader->info().time_base, options);
  Frame frame;
  std::vector<cv::Mat> frames;
  while (reader->read(frame)) {
    frames.push_back(frame.rgb.clone());
    writer->write(frame.rgb, frame.pts);
  }
  ASSERT_EQ(frames.size(), 6u);
  EXPECT_FALSE(fs::exists(folder_ / "copy.mkv"));  // only once finished
  writer->finish();
  auto again = open_reader(folder_ / "copy.mkv");
  EXPECT_NEAR(again->info().frame_rate.value(), 12.0, 1e-6);
  for (size_t i = 0; i < frames.size(); ++i) {
    ASSERT_TRUE(again->read(frame));
    EXPECT_EQ(cv::norm(frame.rgb, frames[i], cv::NORM_INF), 0.0) << i;
  }
  EXPECT_FALSE(again->read(frame));
  // The audio: the same packets, byte for byte.
  const auto original = testing::audio_packets(clip), copied = testing::audio_packets(folder_ / "copy.mkv");
  ASSERT_FALSE(original.empty());
  EXPECT_EQ(original, copied);
  // The frames are those written: a gradient that moves one pixel per frame.
  EXPECT_EQ(frames[1].at<cv::Vec3b>(5, 6), testing::test_clip_pixel(1, 6, 5));
}

TEST_F(VideoIo, AFolderOfFramesIsAVideo) {
  for (int i = 0; i < 3; ++i) {
    Image image;
    image.pixels = cv::Mat(10, 12, CV_8UC3, cv::Scalar(i * 10, 0, 0));
    write_image(image, folder_ / frame_name(i));
  }
  auto reader = open_reader(folder_, 30);
  EXPECT_EQ(reader->info().frames, 3);
  EXPECT_NEAR(reader->info().frame_rate.value(), 30.0, 1e-9);
  Frame frame;
  int count = 0;
  while (reader->read(frame)) EXPECT_EQ(frame.rgb.at<cv::Vec3b>(0, 0)[0], count++ * 10);
  EXPECT_EQ(count, 3);
  EXPECT_TRUE(is_frame_folder(folder_));
  EXPECT_TRUE(is_frame_folder(folder_ / "new-folder"));
  EXPECT_FALSE(is_frame_folder(folder_ / "out.mp4"));
}

void expect_error_naming(const std::function<void()>& action, const fs::path& file, const std::string& words) {
  try {
    action();
    FAIL() << "expected an error about " << file;
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(file.string()), std::string::npos) << error.what();
    EXPECT_NE(std::string(error.what()).find(words), std::string::npos) << error.what();
  }
}

void read_all(const fs::path& path) {
  auto reader = open_reader(path);
  Frame frame;
  while (reader->read(frame)) {
  }
}

TEST_F(VideoIo, BadInputsAreRefusedNamingTheFile) {
  // Frames of different sizes in a folder.
  Image image;
  image.pixels = cv::Mat(10, 12, CV_8UC3, cv::Scalar::all(9));
  fs::create_directories(folder_ / "a");
  write_image(image, folder_ / "a" / "0.png");
  image.pixels = cv::Mat(10, 13, CV_8UC3, cv::Scalar::all(9));
  write_image(image, folder_ / "a" / "1.png");
  expect_error_naming([&] { read_all(folder_ / "a"); }, folder_ / "a" / "1.png", "first frame is 12x10");
  // An empty folder, a missing file, a file that is not a video, audio alone.
  fs::create_directories(folder_ / "empty");
  expect_error_naming([&] { read_all(folder_ / "empty"); }, folder_ / "empty", "no frames");
  expect_error_naming([&] { read_all(folder_ / "missing.mp4"); }, folder_ / "missing.mp4", "no such file");
  std::ofstream(folder_ / "text.mp4") << "not a video at all";
  expect_error_naming([&] { read_all(folder_ / "text.mp4"); }, folder_ / "text.mp4", "not a readable video");
  const auto wav = testing::write_tone_wav(folder_ / "tone.wav", 0.2);
  expect_error_naming([&] { read_all(wav); }, wav, "no video stream");
  // A video stream without frames.
  const auto none = testing::write_test_clip(folder_ / "none.mkv", 0, cv::Size(16, 16), {25, 1});
  expect_error_naming([&] { read_all(none); }, none, "no video frames");
  // A truncated MP4 (its index is at the end).
  const auto mp4 = testing::write_test_clip(folder_ / "clip.mp4", 8, cv::Size(32, 32), {25, 1});
  fs::resize_file(mp4, fs::file_size(mp4) / 2);
  expect_error_naming([&] { read_all(mp4); }, mp4, "not a readable video");
}

TEST_F(VideoIo, ImpossibleOutputsAreRefusedBeforeAnyFrame) {
  WriterOptions options;
  options.codec = "libx264";
  expect_error_naming([&] { open_writer(folder_ / "out.webm", cv::Size(16, 16), {1, 25}, options); },
                      folder_ / "out.webm", "cannot hold libx264");
  options.codec = "no-such-encoder";
  expect_error_naming([&] { open_writer(folder_ / "out.mkv", cv::Size(16, 16), {1, 25}, options); },
                      folder_ / "out.mkv", "no video encoder");
  options.codec = "";
  expect_error_naming([&] { open_writer(folder_ / "out.xyz", cv::Size(16, 16), {1, 25}, options); },
                      folder_ / "out.xyz", "unknown video container");
  // PCM audio cannot go into MP4.
  options.audio_from = testing::write_tone_wav(folder_ / "tone.wav", 0.2);
  expect_error_naming([&] { open_writer(folder_ / "out.mp4", cv::Size(16, 16), {1, 25}, options); },
                      folder_ / "out.mp4", "cannot hold the input's pcm_s16le audio");
  for (const auto& entry : fs::directory_iterator(folder_))
    EXPECT_EQ(entry.path().filename(), "tone.wav") << "left behind: " << entry.path();
}

TEST_F(VideoIo, AnUnfinishedWriterLeavesNothing) {
  {
    WriterOptions options;
    auto writer = open_writer(folder_ / "out.mp4", cv::Size(16, 16), {1, 25}, options);
    writer->write(cv::Mat(16, 16, CV_8UC3, cv::Scalar::all(100)), 0);
  }
  EXPECT_TRUE(fs::is_empty(folder_));
}

}  // namespace
}  // namespace restora::video

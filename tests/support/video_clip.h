// Tiny video files for tests, made with the project's own writer (video/video_io.h): a moving
// gradient, optionally with the audio of a generated WAV tone.
#pragma once

#include <cstdint>
#include <filesystem>
#include <opencv2/core.hpp>
#include <vector>

#include "video/video_io.h"

namespace restora::testing {

// A 16-bit mono PCM WAV of a 440 Hz tone at 8 kHz, `seconds` long.
std::filesystem::path write_tone_wav(const std::filesystem::path& path, double seconds);

// The RGB pixel (x, y) of frame t of write_test_clip.
cv::Vec3b test_clip_pixel(int t, int x, int y);

// `frames` frames of `size` at `rate`, FFV1 in RGB (bgr0, lossless) for .mkv, x264 otherwise;
// with the audio of `audio` when given.
std::filesystem::path write_test_clip(const std::filesystem::path& path, int frames, cv::Size size,
                                      video::Rational rate, const std::filesystem::path& audio = {});

// The payloads of a file's audio packets, in order.
std::vector<std::vector<uint8_t>> audio_packets(const std::filesystem::path& path);

}  // namespace restora::testing

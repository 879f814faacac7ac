// Video in and out a frame at a time: video files through Debian's libav* (FFmpeg) libraries and
// folders of numbered frames. Nothing holds more than a frame or two, whatever the clip's length.
//
//   auto reader = video::open_reader("in.mp4");               // or a folder of frames
//   video::WriterOptions options;                              // libx264, CRF 18, the audio of:
//   options.audio_from = "in.mp4";
//   auto writer = video::open_writer("out.mkv", size, reader->info().time_base, options);
//   video::Frame frame;
//   while (reader->read(frame)) writer->write(restore(frame.rgb), frame.pts);
//   writer->finish();                                          // until then out.mkv is not there
#pragma once

#include <opencv2/core.hpp>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

namespace restora::video {

struct Rational {
  int num = 0, den = 1;
  double value() const { return den ? static_cast<double>(num) / den : 0.0; }
};

struct StreamInfo {
  cv::Size size;            // every frame's
  Rational frame_rate;      // frames per second (the stream's average)
  Rational time_base;       // seconds per pts unit
  int64_t frames = 0;       // the count the container states; 0 when unknown
  int audio_streams = 0;    // carried over by a writer given this file as audio_from
  std::string codec;        // the video codec's name; "frames" for a folder
};

struct Frame {
  cv::Mat rgb;      // CV_8UC3, RGB
  int64_t pts = 0;  // presentation time in StreamInfo::time_base units
  int64_t index = 0;
};

class FrameReader {
 public:
  virtual ~FrameReader() = default;
  virtual const StreamInfo& info() const = 0;
  // The next frame, false at the end. A damaged or truncated file, a frame of another size than
  // the first -> FormatError naming the file and the frame.
  virtual bool read(Frame& frame) = 0;
};

// A folder (its images sorted by name, at `folder_fps` frames per second) or a video file. An
// unreadable file, one without a video stream or without frames -> FileError / FormatError.
std::unique_ptr<FrameReader> open_reader(const std::filesystem::path& path, double folder_fps = 25.0);

// Whether `path` names a folder of frames (an existing folder, or a path without an extension).
bool is_frame_folder(const std::filesystem::path& path);

struct WriterOptions {
  std::string codec;          // an FFmpeg encoder; "" = libvpx-vp9 for .webm, libx264 otherwise
  int crf = 18;               // constant quality for encoders that have it (x264, VP9, AV1)
  std::string preset = "medium";  // x264's speed/size trade-off
  std::string pixel_format;   // "" = yuv420p (yuv444p for odd sizes) when the encoder takes it
  Rational frame_rate{25, 1};
  // A video file whose audio streams are copied into the output unchanged, packet by packet,
  // in step with the video; empty: no audio.
  std::filesystem::path audio_from;
};

class FrameWriter {
 public:
  virtual ~FrameWriter() = default;  // without finish(): the partial output is removed
  // rgb: CV_8UC3 of the writer's size; pts in the time base given to open_writer.
  virtual void write(const cv::Mat& rgb, int64_t pts) = 0;
  virtual void finish() = 0;  // flushes and puts the file in place
};

// A video file (its container from the extension: .mp4, .mkv, .mov, .webm, .avi). Before any
// frame: an unknown encoder or container, or one that cannot hold the codec or the audio ->
// InvalidArgument naming the output. Written to a temporary file beside `path`, renamed on finish.
std::unique_ptr<FrameWriter> open_writer(const std::filesystem::path& path, cv::Size size,
                                         Rational time_base, const WriterOptions& options);

// The file name of frame `index` (0-based) in an output folder: 00000000.png, ...
std::string frame_name(int64_t index);

}  // namespace restora::video

// Restoring video a frame at a time.
//
//   #include <restora/video_restorer.h>
//
//   restora::RestoreOptions options;
//   options.scale = 4;
//   restora::VideoRestorer upscaler("video_sr", options);    // the shipped video-sr-x4
//   for (each frame, in order) out = upscaler.push(frame);   // RGB CV_8UC3 in and out
//
// A recurrent video model (tasks "video_sr", "video_denoise") carries a state from frame to
// frame: each output draws on the frames before it, and memory stays the same whatever the
// clip's length. An image model of the matching image task ("super_resolution", "denoise";
// options.model names it) restores each frame alone, for comparison.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "restora/restorer.h"

namespace restora {

class VideoRestorer {
 public:
  // task: "video_sr" or "video_denoise". Throws as Restorer does; a model of neither the video
  // task nor its image task -> ModelMismatch.
  explicit VideoRestorer(const std::string& task, RestoreOptions options = {});
  ~VideoRestorer();
  VideoRestorer(VideoRestorer&&) noexcept;
  VideoRestorer& operator=(VideoRestorer&&) noexcept;

  // The next frame, RGB: CV_8UC3, or CV_32FC3 in [0, 1]; every frame the size of the first
  // (InvalidArgument otherwise) -> the restored frame, CV_8UC3 (clipped, rounded).
  cv::Mat push(const cv::Mat& frame);
  // The next frame starts a new clip (a scene cut): the state is forgotten.
  void reset();
  int64_t frames() const;  // pushed so far (since the last reset)

  ModelSummary model() const;
  bool recurrent() const;  // whether frames draw on the frames before them
  // Output size / input size: options.scale, else the video model's, else the task's usual one
  // (4 for "video_sr", also for an image model run frame by frame).
  int scale() const;

  // The state after the frames pushed so far, written atomically (safetensors), and read back
  // into a restorer with the same model and options, which then continues exactly as this one
  // would. A file of another model, size or tiling -> FormatError naming it.
  void save_state(const std::filesystem::path& file) const;
  void load_state(const std::filesystem::path& file);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace restora

// The methods an evaluation compares, one row each in the tables: the input itself, bicubic
// upscaling (MATLAB's and OpenCV's), OpenCV's non-local means, OpenCV dnn_superres peer
// networks, and our Restorer.
//
//   auto fsrcnn = eval::make_dnn_superres(eval::PeerNetwork::fsrcnn, data /
//   "peers/opencv_dnn_superres"); if (fsrcnn->supports(task, degradation, 3))
//     cv::Mat restored = fsrcnn->run(lq, degradation);
#pragma once

#include <filesystem>
#include <memory>
#include <opencv2/core.hpp>
#include <string>

#include "restora/restorer.h"
#include "tasks/task.h"

namespace restora::eval {

class Method {
 public:
  virtual ~Method() = default;

  // Row label for a test set of `channels`-channel images (the model may differ with it).
  virtual std::string name(int channels) = 0;

  // Whether the method handles this task and degradation on `channels`-channel images.
  virtual bool supports(tasks::Task task, const Degradation& degradation, int channels) const = 0;

  // lq: H×W CV_32FC1 or CV_32FC3 (RGB), nominal [0,1], unclipped for noise, as degrade() made it.
  // -> the restored image at the ground truth's size and channels, CV_8U or CV_32F in [0,1];
  // the evaluation quantizes it to 8 bits.
  virtual cv::Mat run(const cv::Mat& lq, const Degradation& degradation) = 0;
  // run() for the test image at `input` (methods that read something of their own per image, such
  // as published outputs, override it).
  virtual cv::Mat run_file(const std::filesystem::path& /*input*/, const cv::Mat& lq,
                           const Degradation& degradation) {
    return run(lq, degradation);
  }

  // One sentence for the report's notes (parameters, model files); empty when obvious.
  virtual std::string details() { return ""; }

  // The model file this row measures on `channels`-channel images; "" for methods without one.
  virtual std::string model_file(int) { return ""; }

  // The precision ("fp32", "bf16") our model runs in on `channels`-channel images; "" for others.
  virtual std::string precision(int) { return ""; }
};

// The degraded input itself (noisy or JPEG-decoded): the "Input" baseline of denoise and dejpeg.
std::unique_ptr<Method> make_identity();

// MATLAB imresize(LR, s, 'bicubic') on the 8-bit LR (rounded after each pass, as MATLAB does).
std::unique_ptr<Method> make_bicubic_matlab();

// cv::resize INTER_CUBIC (a = -0.75, no antialiasing) on the 8-bit LR.
std::unique_ptr<Method> make_opencv_cubic();

// cv::fastNlMeansDenoising (gray, h = σ) / fastNlMeansDenoisingColored (RGB, h = 0.6σ on the
// luminance, hColor = σ) on the input clipped and rounded to 8 bits, σ being the known noise
// level, OpenCV's default windows (template 7, search 21). The rule was fixed once on a few
// training crops (Train400, BSDS400), never tuned on a test set.
std::unique_ptr<Method> make_fast_nl_means();

// fastNlMeansDenoisingColored with h = hColor = this h and OpenCV's default windows: blind, for
// colour images of unknown noise.
std::unique_ptr<Method> make_fast_nl_means_at(float h);

// OpenCV dnn_superres networks; their TensorFlow graphs are `<file prefix>_x<scale>.pb` in the
// peers folder. A scale without a file is not supported (LapSRN has x2 and x4 only).
enum class PeerNetwork { fsrcnn, fsrcnn_small, espcn, lapsrn };
std::unique_ptr<Method> make_dnn_superres(PeerNetwork network, const std::filesystem::path& folder);

// Another tool's published outputs: for the test image NAME.EXT, folder/NAME<suffix>.png.
std::unique_ptr<Method> make_peer_outputs(const std::string& name, const std::filesystem::path& folder,
                                          const std::string& suffix);

// A restora::Restorer for `task`. options.model names the model ("" = the task's shipped default
// for the image's channels); scale, sigma and quality are set per degradation, sigma and quality
// only for models conditioned on them (blind models are evaluated blind). The row names the
// precision the model runs in (options.precision "auto" resolved).
// name() loads the model: a missing model file throws FileError there.
std::unique_ptr<Method> make_ours(tasks::Task task, const RestoreOptions& options);

// A model of `model_task` measured on another task's protocol (the Gaussian denoiser on real
// noise, `sr` on real low-quality photos): as make_ours, supporting the settings of its kind of
// size (same-size tasks at scale 1, upscalers above).
std::unique_ptr<Method> make_ours_elsewhere(tasks::Task model_task, const RestoreOptions& options);

}  // namespace restora::eval

// The standard evaluation protocols (PROTOCOLS.md): which test sets and degradation settings
// each task is measured on, how a test image becomes the 8-bit ground truth and the degraded
// input, and the scoring of a set of methods on one test set.
//
//   for (const auto& protocol : eval::standard_protocols())
//     for (const auto& set : protocol.sets)
//       results.push_back(eval::evaluate_set(protocol, set, data / "test" / set.name, methods));
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "eval/methods.h"
#include "tasks/task.h"

namespace restora::eval {

// How a test set's files become ground truth.
enum class Color {
  gray,    // 1-channel files, used as they are (a colour file is an error)
  rgb,     // RGB; a gray file is replicated into three channels
  stored,  // as stored: RGB files RGB, gray files gray (the metrics take a gray image as its own
           // Y; this reproduces the published bicubic numbers of Set14, whose bridge is gray)
  y_u8     // MATLAB rgb2ycbcr's Y of an RGB file, rounded half away from zero to 8 bits;
           // a gray file is used as it is
};

struct TestSet {
  std::string name;  // its folder under <data>/test
  Color color = Color::rgb;
  std::string label = "";  // what tables and model files call it when two protocols share the folder
  // Paired sets (real damage): the ground truths' and the inputs' subfolders, files paired by
  // name; the inputs are read, not made. Empty: the ground truths are the folder itself.
  std::string ground_truth_folder = "", input_folder = "";
  const std::string& title() const { return label.empty() ? name : label; }
};

// The rows every table of a task compares ours with.
enum class Baseline {
  input,           // the degraded input itself
  fast_nl_means,   // OpenCV's classical denoiser, h from the known σ
  fast_nl_means_sweep,  // fastNlMeansDenoisingColored at h = 2..6 (blind: one row each)
  bsrgan_outputs,  // BSRGAN's published x4 outputs (peers/BSRGAN_RealSRSet)
  bicubic_matlab,  // MATLAB imresize
  opencv_cubic,    // cv::resize INTER_CUBIC
  dnn_superres     // OpenCV dnn_superres peers (FSRCNN, FSRCNN-small, ESPCN, LapSRN)
};

// One task's standard evaluation: test sets, each measured at every setting.
struct TaskProtocol {
  tasks::Task task = nullptr;
  std::string title;        // report heading, e.g. "Gaussian denoising"
  std::string description;  // how inputs are made and measured, for the report
  std::vector<TestSet> sets;
  std::vector<Degradation> settings;
  std::vector<Baseline> baselines;
  // Metrics on RGB with PSNR on Y beside them (the colour JPEG protocol), instead of the
  // task's own measuring.
  bool rgb_with_y = false;  // (defaults written so that shorter initializer lists stay quiet)
  // Other tasks whose shipped models also get a row (e.g. the Gaussian denoiser on real noise).
  std::vector<std::string> other_models = {};
  // No ground truth: the set's images are the inputs, the outputs are scored by NIQE with this
  // pristine model (relative to the data folder). Empty: full-reference metrics.
  std::filesystem::path niqe_model = {};
  // A fixed degradation chain (degrade/chain.h text) that makes each input from its ground truth
  // (modcropped to the setting's scale), drawn with Rng(noise_seed(index)); the settings then
  // only give the scale. Empty: the settings' own degradation.
  std::string chain = {};
};

// The synthetic control of the real-world xS protocols: one fixed second-order chain (two rounds
// of blur, resize, noise and JPEG, then the resize to 1/S, a sinc filter and JPEG), mid-range
// values of Real-ESRGAN's training ranges; only the noise differs per image (seeded).
std::string synthetic_second_order(int scale);

// Denoise: gray BSD68, Set12 and colour CBSD68, Kodak24, McMaster at σ 15, 25, 50.
// Super-resolution: Set5, Set14, BSD100 (as stored) at x2, x3, x4.
// Dejpeg (gray protocol): LIVE1 as Y uint8, classic5 as is, at quality 10, 20, 30, 40.
// Dejpeg (colour protocol): LIVE1 in RGB ("LIVE1 colour"), 4:2:0 JPEGs, the same qualities.
// Real (real noise): Nam_CC15's noisy photos against their clean means, RGB.
// Real (real low quality): RealSRSet x4, NIQE of the outputs (no ground truth).
// Real (synthetic control): BSD100 and Kodak24 through synthetic_second_order(4), Y, crop 4.
// The same two at x2, their sets labelled "RealSRSet x2", "BSD100 x2", "Kodak24 x2".
std::vector<TaskProtocol> standard_protocols();

// The protocol with this title; an unknown title -> InvalidArgument.
TaskProtocol standard_protocol(const std::string& title);

// The 8-bit ground truth of a test image in the protocol's colour: CV_8UC1 or CV_8UC3 (RGB).
// Throws as read_image does, and FormatError for a colour file in a gray set or an image that
// is not 8-bit.
cv::Mat read_ground_truth(const std::filesystem::path& path, Color color);

// The seed of the noise added to the image at `index` (0-based, in file name order) of a set:
// Rng::mix(0, index), the same for every σ, so the σ=25 noise is the σ=15 noise scaled.
uint64_t noise_seed(int index);

// The protocol's input for one image: task->degrade() of gt_u8 with Rng(noise_seed(index)).
cv::Mat make_input(const cv::Mat& gt_u8, tasks::Task task, const Degradation& degradation,
                   int index);

// The first `limit` ground-truth images (0 = all) of the set in `folder` (its
// ground_truth_folder, if any), sorted by path. A missing folder or one without images, or a
// paired set whose input is missing -> FileError naming the set and the folder.
std::vector<std::filesystem::path> test_set_images(const TestSet& set,
                                                   const std::filesystem::path& folder,
                                                   int limit = 0);

// The input paired with `ground_truth` in a paired set: the file of the same name in its
// input_folder.
std::filesystem::path paired_input(const TestSet& set, const std::filesystem::path& set_folder,
                                   const std::filesystem::path& ground_truth);

// The start of an evaluation with a report of its own: FileError when the data folder does
// not exist; OpenCV and LibTorch get `threads` (0 = all cores). Returns the threads used.
int start_evaluation(const std::filesystem::path& data_root, int threads);

// The median of the values (the mean of the middle two for an even count); NaN when empty.
double median(std::vector<double> values);

// Mean scores of one method on one set at one setting.
struct Cell {
  Degradation degradation;
  int images = 0;
  double psnr = 0.0, ssim = 0.0;
  double psnr_b = 0.0;  // NaN unless the protocol measures PSNR-B
  double psnr_y = std::numeric_limits<double>::quiet_NaN();  // measured beside RGB, or NaN
  double niqe = std::numeric_limits<double>::quiet_NaN();    // no-reference protocols, or NaN
  // Median over the images of the wall time of run() per megapixel of output, in ms.
  double ms_per_megapixel = 0.0;
};

struct MethodScores {
  std::string method;       // the method's name() for this set
  std::vector<Cell> cells;  // one per setting the method supports, in the protocol's order
  std::string model_file;   // the method's model_file() for this set ("" but for our models)
  std::string precision;    // the method's precision() for this set ("" but for our models)
};

struct SetScores {
  tasks::Task task = nullptr;
  std::string protocol;  // the TaskProtocol's title
  TestSet set;
  int images = 0;
  int channels = 0;
  std::vector<MethodScores> methods;  // in the order given, methods without any cell left out
};

// Called with a line of progress ("dejpeg LIVE1 q10: 12/29").
using Progress = std::function<void(const std::string&)>;

// Scores every method on test_set_images(set, folder, limit). For each setting and image: ground
// truth, seeded input, then each supporting method's output, clipped and rounded to 8 bits,
// measured with metrics::measure and task->protocol(). Each method runs once untimed on the first
// image of each setting (warm-up: model loading, allocations) before the timed runs. An image's
// time is the median of `timing_runs` calls (≥ 1); the first call's output is measured.
SetScores evaluate_set(const TaskProtocol& protocol, const TestSet& set,
                       const std::filesystem::path& folder, const std::vector<Method*>& methods,
                       int limit = 0, int timing_runs = 1, const Progress& progress = {});

}  // namespace restora::eval

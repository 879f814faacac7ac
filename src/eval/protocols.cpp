#include "eval/protocols.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <opencv2/core.hpp>

#include "degrade/random.h"
#include "degrade/resize_matlab.h"
#include "metrics/metrics.h"
#include "metrics/niqe.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/runtime.h"

namespace restora::eval {

using tasks::Task;

namespace {

// The task's settings with these parameter values.
std::vector<Degradation> settings(Task task, const std::vector<double>& values) {
  std::vector<Degradation> result;
  for (double value : values) result.push_back(task->degradation().with_value(value));
  return result;
}

// The real-world protocols at x4 keep their sets' plain names (their records came first); at
// other scales a set is labelled "<set> xS", so the protocols' records stay apart.
std::string real_set_label(const char* set, int scale) {
  return scale == 4 ? std::string() : fmt::format("{} x{}", set, scale);
}

// RealSRSet upscaled xS, NIQE of the outputs. At x4 BSRGAN's published outputs are a row too.
TaskProtocol real_low_quality(Task real, int scale) {
  std::vector<Baseline> baselines{Baseline::bicubic_matlab};
  if (scale == 4) baselines.push_back(Baseline::bsrgan_outputs);
  return {real,
          fmt::format("Real-world restoration (real low quality, x{})", scale),
          fmt::format("Input: RealSRSet's 20 real low-quality photos (old, noisy, JPEG-damaged) as "
                      "published, upscaled x{}; no ground truth. Cells: NIQE (Mittal et al. 2013, "
                      "BasicSR's implementation: Y by MATLAB rgb2ycbcr, 96×96 blocks, two scales; "
                      "lower is better) of the output, mean over the images.",
                      scale),
          {{"RealSRSet", Color::rgb, real_set_label("RealSRSet", scale)}},
          {real->degradation().with_value(scale)},
          baselines,
          false,
          {"super_resolution"},
          "metrics/niqe_pris_params.json"};
}

// BSD100 and Kodak24 through synthetic_second_order(scale): the control with ground truth.
TaskProtocol real_synthetic(Task real, int scale) {
  const std::string chain = synthetic_second_order(scale);
  return {real,
          fmt::format("Real-world restoration (synthetic second-order, x{})", scale),
          fmt::format("Input: each image (modcropped to {0}) through one fixed second-order chain, "
                      "`{1}`, its noise seeded per image; the control with ground truth for the "
                      "real low-quality set. Metrics on Y, {0}-pixel border crop. Cells: PSNR (dB) "
                      "/ SSIM.",
                      scale, chain),
          {{"BSD100", Color::rgb, real_set_label("BSD100", scale)},
           {"Kodak24", Color::rgb, real_set_label("Kodak24", scale)}},
          {real->degradation().with_value(scale)},
          {Baseline::bicubic_matlab},
          false,
          {"super_resolution"},
          {},
          chain};
}

}  // namespace

std::string synthetic_second_order(int scale) {
  return fmt::format(
      "blur:sigma=1.5:sigma_minor=1:angle=30:size=15,resize:scale=0.8:interp=bilinear,"
      "gaussian_noise:sigma=8,jpeg:quality=60,"
      "blur:sigma=0.8:sigma_minor=0.8:size=9,resize:scale=0.9:interp=area,"
      "poisson_noise:scale=1,resize_to:scale={}:interp=bicubic,sinc:cutoff=2:size=11,jpeg:quality=70",
      scale);
}

std::vector<TaskProtocol> standard_protocols() {
  const auto denoise = tasks::find_task("denoise");
  const auto super_resolution = tasks::find_task("super_resolution");
  const auto dejpeg = tasks::find_task("dejpeg");
  const auto real = tasks::find_task("real");
  return {
      {denoise,
       "Gaussian denoising",
       "Input: clean + N(0, (σ/255)²) in float, not clipped and not quantized. Metrics on all "
       "channels (gray sets: gray, colour sets: RGB), no border crop. Cells: PSNR (dB) / SSIM.",
       {{"BSD68", Color::gray},
        {"Set12", Color::gray},
        {"CBSD68", Color::rgb},
        {"Kodak24", Color::rgb},
        {"McMaster", Color::rgb}},
       settings(denoise, {15, 25, 50}),
       {Baseline::input, Baseline::fast_nl_means}},
      {super_resolution,
       "Super-resolution (bicubic degradation)",
       "LR = MATLAB imresize(modcrop(HR, s), 1/s, 'bicubic'), rounded to 8 bits after each pass "
       "(bit-identical to MATLAB's). Metrics on Y (MATLAB rgb2ycbcr, BT.601 studio range, not "
       "rounded) with s pixels cropped at every border; a gray image (Set14's bridge) stays gray "
       "and is its own Y, which reproduces the published bicubic numbers. Cells: PSNR (dB) / "
       "SSIM.",
       {{"Set5", Color::stored}, {"Set14", Color::stored}, {"BSD100", Color::stored}},
       settings(super_resolution, {2, 3, 4}),
       {Baseline::bicubic_matlab, Baseline::opencv_cubic, Baseline::dnn_superres}},
      {dejpeg,
       "JPEG artifact removal (gray protocol)",
       "Ground truth: LIVE1 as its Y channel (MATLAB rgb2ycbcr) rounded to uint8, classic5 as is. "
       "Input: grayscale JPEG by libjpeg (OpenCV imencode) at quality q, decoded. Metrics on Y "
       "(the gray image), no border crop; PSNR-B on the 8×8 block boundaries. Cells: PSNR (dB) / "
       "SSIM / PSNR-B (dB).",
       {{"LIVE1", Color::y_u8}, {"classic5", Color::gray}},
       settings(dejpeg, {10, 20, 30, 40}),
       {Baseline::input}},
      {dejpeg,
       "JPEG artifact removal (colour protocol)",
       "Ground truth: LIVE1 in RGB. Input: colour JPEG by libjpeg (OpenCV imencode, 4:2:0 chroma "
       "subsampling, its default) at quality q, decoded. Metrics on RGB, no border crop, and PSNR "
       "on Y (MATLAB rgb2ycbcr, not rounded) beside them. Cells: PSNR (dB) / SSIM on RGB / PSNR "
       "(dB) on Y.",
       {{"LIVE1", Color::rgb, "LIVE1 colour"}},
       settings(dejpeg, {10, 20, 30, 40}),
       {Baseline::input},
       true},
      {real,
       "Real-world restoration (real noise)",
       "Input: real camera noise, Nam et al.'s photos (Canon 5D Mark III, Nikon D600/D800 at ISO "
       "1600-6400, cropped 512×512) as published, against the mean of many shots of the same "
       "scene. Metrics on RGB, no border crop. A test set only: never trained or tuned on. Cells: "
       "PSNR (dB) / SSIM.",
       {{"Nam_CC15", Color::rgb, "", "clean", "noisy"}},
       {real->degradation().with_value(1)},
       {Baseline::input, Baseline::fast_nl_means_sweep},
       false,
       {"denoise"}},
      real_low_quality(real, 4),
      real_synthetic(real, 4),
      real_low_quality(real, 2),
      real_synthetic(real, 2),
  };
}

TaskProtocol standard_protocol(const std::string& title) {
  for (auto& protocol : standard_protocols())
    if (protocol.title == title) return protocol;
  throw InvalidArgument(fmt::format("no standard evaluation protocol is called '{}'", title));
}

cv::Mat read_ground_truth(const std::filesystem::path& path, Color color) {
  const auto image = read_image(path);
  if (image.bit_depth != 8)
    throw FormatError(fmt::format("test image '{}' is {}-bit; the protocols use 8-bit images",
                                  path.string(), image.bit_depth));
  cv::Mat gt = quantize_u8(image.pixels);  // exact: the samples are k/255
  switch (color) {
    case Color::gray:
      if (gt.channels() != 1)
        throw FormatError(
            fmt::format("test image '{}' has {} channels; its set is evaluated as gray",
                        path.string(), gt.channels()));
      return gt;
    case Color::rgb:
      if (gt.channels() == 1) cv::merge(std::vector<cv::Mat>{gt, gt, gt}, gt);
      return gt;
    case Color::stored:
      return gt;
    case Color::y_u8: {
      if (gt.channels() == 1) return gt;
      const cv::Mat y = metrics::rgb_to_y(gt);  // CV_64F in [16, 235]
      cv::Mat rounded(y.size(), CV_8UC1);
      for (int row = 0; row < y.rows; ++row)
        for (int col = 0; col < y.cols; ++col)
          rounded.at<uint8_t>(row, col) = static_cast<uint8_t>(std::round(y.at<double>(row, col)));
      return rounded;
    }
  }
  return gt;
}

uint64_t noise_seed(int index) { return Rng::mix(0, static_cast<uint64_t>(index)); }

cv::Mat make_input(const cv::Mat& gt_u8, Task task, const Degradation& degradation, int index) {
  Rng rng(noise_seed(index));
  return task->degrade(gt_u8, degradation, rng);
}

std::vector<std::filesystem::path> test_set_images(const TestSet& set,
                                                   const std::filesystem::path& set_folder,
                                                   int limit) {
  const auto folder = set_folder / set.ground_truth_folder;
  if (!std::filesystem::is_directory(folder))
    throw FileError(fmt::format("test set '{}' not found: folder '{}' does not exist", set.name,
                                folder.string()));
  auto images = list_images(folder);
  if (images.empty())
    throw FileError(
        fmt::format("test set '{}' is empty: no images in '{}'", set.name, folder.string()));
  if (limit > 0 && static_cast<int>(images.size()) > limit) images.resize(limit);
  if (!set.input_folder.empty())
    for (const auto& image : images)
      if (!std::filesystem::is_regular_file(paired_input(set, set_folder, image)))
        throw FileError(fmt::format("test set '{}': '{}' has no input '{}'", set.name,
                                    image.string(),
                                    paired_input(set, set_folder, image).string()));
  return images;
}

std::filesystem::path paired_input(const TestSet& set, const std::filesystem::path& set_folder,
                                   const std::filesystem::path& ground_truth) {
  return set_folder / set.input_folder / ground_truth.filename();
}

int start_evaluation(const std::filesystem::path& data_root, int threads) {
  if (!std::filesystem::is_directory(data_root))
    throw FileError(fmt::format("data folder '{}' does not exist", data_root.string()));
  const int used = threads > 0 ? threads : available_cores();
  cv::setNumThreads(used);
  set_compute_threads(used);
  return used;
}

double median(std::vector<double> values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::sort(values.begin(), values.end());
  const size_t middle = values.size() / 2;
  return values.size() % 2 ? values[middle] : 0.5 * (values[middle - 1] + values[middle]);
}

namespace {

// Sums of one method's per-image scores at one setting.
struct Tally {
  int images = 0;
  double psnr = 0.0, ssim = 0.0, psnr_b = 0.0, psnr_y = 0.0, niqe = 0.0;
  std::vector<double> ms_per_megapixel;
};

}  // namespace

SetScores evaluate_set(const TaskProtocol& protocol, const TestSet& set,
                       const std::filesystem::path& folder, const std::vector<Method*>& methods,
                       int limit, int timing_runs, const Progress& progress) {
  using Clock = std::chrono::steady_clock;
  if (timing_runs < 1)
    throw InvalidArgument(fmt::format("timing runs {} must be >= 1", timing_runs));
  const auto paths = test_set_images(set, folder, limit);
  const bool no_reference = !protocol.niqe_model.empty();
  metrics::NiqeModel niqe_model;
  if (no_reference) niqe_model = metrics::read_niqe_model(protocol.niqe_model.string());
  std::vector<cv::Mat> ground_truths;
  for (const auto& path : paths) ground_truths.push_back(read_ground_truth(path, set.color));

  SetScores result;
  result.task = protocol.task;
  result.protocol = protocol.title;
  result.set = set;
  result.images = static_cast<int>(paths.size());
  result.channels = ground_truths.front().channels();
  for (auto* method : methods)
    result.methods.push_back({method->name(result.channels),
                              {},
                              method->model_file(result.channels),
                              method->precision(result.channels)});

  for (const auto& degradation : protocol.settings) {
    const int scale = protocol.task->degradation().scale(degradation);
    auto measuring = protocol.task->protocol(scale);
    if (protocol.rgb_with_y) measuring = {metrics::Space::all_channels, 0, false, "RGB"};
    std::vector<cv::Mat> gts, lqs, gt_ys;  // gt_ys: the ground truths' Y, when measured
    const ChainSpec fixed_chain = protocol.chain.empty() ? ChainSpec{} : parse_chain(protocol.chain);
    for (size_t index = 0; index < paths.size(); ++index) {
      gts.push_back(protocol.chain.empty()
                        ? protocol.task->ground_truth(ground_truths[index], degradation)
                        : modcrop(ground_truths[index], scale));
      if (protocol.rgb_with_y) gt_ys.push_back(metrics::prepare(gts.back(), metrics::Space::y, 0));
      if (no_reference) {  // the test image is the input
        lqs.push_back(to_float01(ground_truths[index]));
        continue;
      }
      if (!protocol.chain.empty()) {
        Rng rng(noise_seed(static_cast<int>(index)));
        const auto chain = sample_chain(fixed_chain, rng);
        lqs.push_back(restora::degrade(chain, gts.back(), rng).lq);
        continue;
      }
      if (set.input_folder.empty()) {
        lqs.push_back(
            make_input(ground_truths[index], protocol.task, degradation, static_cast<int>(index)));
        continue;
      }
      const auto input_path = paired_input(set, folder, paths[index]);
      lqs.push_back(to_float01(read_ground_truth(input_path, set.color)));
      if (lqs.back().size() != gts.back().size())
        throw FormatError(fmt::format("input '{}' is {}x{}, its ground truth {}x{}",
                                      input_path.string(), lqs.back().cols, lqs.back().rows,
                                      gts.back().cols, gts.back().rows));
    }
    // One method goes over the whole set before the next starts, so its timings are not
    // disturbed by another method's thread pool still spinning (OpenCV's TBB, LibTorch's OpenMP).
    std::vector<Tally> tallies(methods.size());
    for (size_t m = 0; m < methods.size(); ++m) {
      auto& method = *methods[m];
      if (!method.supports(protocol.task, degradation, result.channels)) continue;
      method.run_file(paths.front(), lqs.front(), degradation);  // warm-up, untimed
      for (size_t index = 0; index < paths.size(); ++index) {
        cv::Mat restored;
        std::vector<double> call_ms;
        for (int run = 0; run < timing_runs; ++run) {
          const auto start = Clock::now();
          cv::Mat output = method.run_file(paths[index], lqs[index], degradation);
          call_ms.push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - start).count());
          if (run == 0) restored = std::move(output);
        }
        const double ms = median(call_ms);
        if (restored.depth() != CV_8U) restored = quantize_u8(restored);
        auto& tally = tallies[m];
        if (no_reference) {
          if (restored.size() != lqs[index].size() * scale)
            throw Error(fmt::format("method '{}' returned {}×{} for '{}'; expected x{}",
                                    result.methods[m].method, restored.cols, restored.rows,
                                    paths[index].string(), scale));
          ++tally.images;
          tally.niqe += metrics::niqe(restored, niqe_model);
          tally.ms_per_megapixel.push_back(ms * 1e6 / static_cast<double>(restored.total()));
          continue;
        }
        const auto& gt = gts[index];
        if (restored.size() != gt.size() || restored.channels() != gt.channels())
          throw Error(fmt::format("method '{}' returned {}×{}×{} for '{}'; expected {}×{}×{}",
                                  result.methods[m].method, restored.cols, restored.rows,
                                  restored.channels(), paths[index].string(), gt.cols, gt.rows,
                                  gt.channels()));
        const auto scores = metrics::measure(restored, gt, measuring.space, measuring.crop_border,
                                             measuring.psnr_b);
        ++tally.images;
        tally.psnr += scores.psnr;
        tally.ssim += scores.ssim;
        tally.psnr_b += scores.psnr_b;
        if (protocol.rgb_with_y)
          tally.psnr_y +=
              metrics::psnr(metrics::prepare(restored, metrics::Space::y, 0), gt_ys[index]);
        tally.ms_per_megapixel.push_back(ms * 1e6 / (static_cast<double>(gt.total())));
      }
    }
    for (size_t m = 0; m < methods.size(); ++m) {
      const auto& tally = tallies[m];
      if (tally.images == 0) continue;
      Cell cell;
      cell.degradation = degradation;
      cell.images = tally.images;
      cell.psnr = tally.psnr / tally.images;
      cell.ssim = tally.ssim / tally.images;
      const double not_measured = std::numeric_limits<double>::quiet_NaN();
      cell.psnr_b = measuring.psnr_b ? tally.psnr_b / tally.images : not_measured;
      cell.psnr_y = protocol.rgb_with_y ? tally.psnr_y / tally.images : not_measured;
      cell.niqe = no_reference ? tally.niqe / tally.images : not_measured;
      if (no_reference) cell.psnr = cell.ssim = not_measured;
      cell.ms_per_megapixel = median(tally.ms_per_megapixel);
      result.methods[m].cells.push_back(cell);
    }
    if (progress)
      progress(fmt::format("{} {} {}: {} images", protocol.task->id(), set.title(),
                           protocol.task->degradation().label(degradation), paths.size()));
  }
  result.methods.erase(
      std::remove_if(result.methods.begin(), result.methods.end(),
                     [](const MethodScores& scores) { return scores.cells.empty(); }),
      result.methods.end());
  return result;
}

}  // namespace restora::eval

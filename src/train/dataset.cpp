#include "train/dataset.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstring>
#include <opencv2/imgproc.hpp>

#include "degrade/random.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::train {
namespace fs = std::filesystem;

namespace {

// Converts to the configured colour: rgb keeps/expands to 3 channels, gray and y give 1.
cv::Mat to_training_color(const cv::Mat& u8, const std::string& color) {
  if (color == "rgb") {
    if (u8.channels() == 3) return u8;
    cv::Mat rgb;
    cv::cvtColor(u8, rgb, cv::COLOR_GRAY2RGB);
    return rgb;
  }
  if (u8.channels() == 1) return u8;
  if (color == "y") {
    cv::Mat y;
    metrics::rgb_to_y(u8).convertTo(y, CV_8U);  // rounds to nearest, as the JPEG protocol
    return y;
  }
  cv::Mat gray;
  cv::cvtColor(u8, gray, cv::COLOR_RGB2GRAY);
  return gray;
}

// One of the 8 flips/rotations of the square's symmetry group.
// Always returns a new buffer: patches are views into the stored images, never written.
cv::Mat augment(const cv::Mat& patch, int mode) {
  cv::Mat out = patch.clone();
  if (mode & 1) cv::flip(out, out, 1);
  if (mode & 2) cv::flip(out, out, 0);
  if (mode & 4) cv::transpose(out, out);
  return out;
}

// H×W×C float Mat -> C×H×W floats at `destination`.
void copy_planar(const cv::Mat& hwc, float* destination) {
  std::vector<cv::Mat> planes;
  cv::split(hwc, planes);
  const size_t plane_size = static_cast<size_t>(hwc.rows) * hwc.cols;
  for (size_t c = 0; c < planes.size(); ++c) {
    cv::Mat plane = planes[c].isContinuous() ? planes[c] : planes[c].clone();
    std::memcpy(destination + c * plane_size, plane.ptr<float>(), plane_size * sizeof(float));
  }
}

}  // namespace

PatchSource::PatchSource(const ExperimentConfig& experiment, const fs::path& data_root)
    : experiment_(experiment) {
  const auto& data = experiment.data;
  std::vector<fs::path> files;
  for (const auto& folder : data.folders) {
    const fs::path path = fs::path(folder).is_absolute() ? fs::path(folder) : data_root / folder;
    std::error_code error;
    if (!fs::is_directory(path, error))
      throw FileError(fmt::format("training folder '{}' does not exist", path.string()));
    auto found = list_images(path);
    files.insert(files.end(), found.begin(), found.end());
  }
  const int holdout = data.validation_holdout;
  if (static_cast<int>(files.size()) <= holdout)
    throw InvalidArgument(
        fmt::format("training needs more than {} images, found {}", holdout, files.size()));
  channels_ = data.color == "rgb" ? 3 : 1;
  const int patch = data.patch_size;
  const auto task = experiment.task;
  const auto& kind = task->degradation();

  for (size_t index = 0; index < files.size(); ++index) {
    const auto image = read_image(files[index]);
    cv::Mat gt = to_training_color(quantize_u8(image.pixels), data.color);
    const bool held_out = static_cast<int>(index) >= static_cast<int>(files.size()) - holdout;
    if (held_out) {
      for (const auto& degradation : data.validation) {
        Rng rng(Rng::mix(experiment.training.seed, 1000003 + index));
        ValidationCase item;
        item.degradation = degradation;
        item.lq = task->degrade(gt, degradation, rng);
        item.gt_u8 = task->ground_truth(gt, degradation);
        item.condition = task->condition_value(degradation);
        validation_.push_back(std::move(item));
      }
      continue;
    }
    for (const double factor : data.downscales) {
      Item item;
      if (factor == 1.0)
        item.gt = gt;
      else
        cv::resize(gt, item.gt, cv::Size(static_cast<int>(gt.cols / factor), static_cast<int>(gt.rows / factor)),
                   0, 0, cv::INTER_AREA);
      if (item.gt.rows < patch || item.gt.cols < patch)
        throw InvalidArgument(fmt::format("training image '{}'{} is smaller than the {}px patch",
                                          files[index].string(),
                                          factor == 1.0 ? "" : fmt::format(" shrunk {}x", factor), patch));
      // Degradations that change the size are applied to whole images, once per scale, and
      // patches cut aligned from both: degrading a patch alone would change its border pixels.
      // They give 8-bit samples, kept as such.
      if (kind.changes_size())
        for (int scale : data.range.scales) {
          Rng rng(Rng::mix(experiment.training.seed, index));
          item.lr[scale] = quantize_u8(kind.apply(item.gt, kind.with_value(scale), rng));
        }
      images_.push_back(std::move(item));
    }
  }
}

Batch PatchSource::make_batch(int64_t step) const {
  const auto& data = experiment_.data;
  const auto task = experiment_.task;
  const uint64_t step_seed = Rng::mix(experiment_.training.seed, static_cast<uint64_t>(step));
  Rng batch_rng(step_seed);
  // Super-resolution batches share one scale: the heads differ per scale.
  const auto& kind = task->degradation();
  const auto batch_degradation = kind.sample(data.range, batch_rng);
  const int scale = kind.scale(batch_degradation);
  const int gt_size = data.patch_size;
  const int lq_size = gt_size / scale;
  const int n = data.batch_size;

  Batch batch;
  batch.step = step;
  batch.scale = scale;
  batch.lq = torch::empty({n, channels_, lq_size, lq_size});
  batch.gt = torch::empty({n, channels_, gt_size, gt_size});
  batch.condition = torch::empty({n, 1, lq_size, lq_size});
  for (int i = 0; i < n; ++i) {
    Rng rng(Rng::mix(step_seed, static_cast<uint64_t>(i) + 1));
    const auto& item = images_[rng.uniform_int(0, static_cast<int>(images_.size()) - 1)];
    const int mode = rng.uniform_int(0, 7);
    cv::Mat lq, gt_u8;
    float condition = 0.0f;
    if (kind.changes_size()) {
      const cv::Mat& lr = item.lr.at(scale);
      const int x = rng.uniform_int(0, lr.cols - lq_size);
      const int y = rng.uniform_int(0, lr.rows - lq_size);
      lq = to_float01(augment(lr(cv::Rect(x, y, lq_size, lq_size)), mode));
      gt_u8 = augment(item.gt(cv::Rect(x * scale, y * scale, gt_size, gt_size)), mode);
    } else {
      const int x = rng.uniform_int(0, item.gt.cols - gt_size);
      const int y = rng.uniform_int(0, item.gt.rows - gt_size);
      gt_u8 = augment(item.gt(cv::Rect(x, y, gt_size, gt_size)), mode);
      const auto degradation = kind.sample(data.range, rng);
      lq = task->degrade(gt_u8, degradation, rng);
      condition = task->condition_value(degradation);
    }
    copy_planar(lq, batch.lq[i].data_ptr<float>());
    copy_planar(to_float01(gt_u8), batch.gt[i].data_ptr<float>());
    batch.condition[i].fill_(condition);
  }
  return batch;
}

}  // namespace restora::train

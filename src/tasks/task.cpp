#include "tasks/task.h"

#include <fmt/format.h>

#include "degrade/jpeg.h"
#include "degrade/noise.h"
#include "degrade/resize_matlab.h"
#include "restora/image_io.h"
#include "restora/errors.h"

namespace restora::tasks {

Task parse_task(const std::string& name) {
  if (name == "denoise") return Task::denoise;
  if (name == "super_resolution") return Task::super_resolution;
  if (name == "dejpeg") return Task::dejpeg;
  throw InvalidArgument(
      fmt::format("unknown task '{}'; known: {}", name, fmt::join(known_tasks(), ", ")));
}

std::string task_name(Task task) {
  switch (task) {
    case Task::denoise: return "denoise";
    case Task::super_resolution: return "super_resolution";
    case Task::dejpeg: return "dejpeg";
  }
  return "unknown";
}

std::vector<std::string> known_tasks() { return {"denoise", "super_resolution", "dejpeg"}; }

Degradation sample_degradation(Task task, const DegradationRange& range, Rng& rng) {
  Degradation degradation;
  switch (task) {
    case Task::denoise:
      degradation.sigma = sample_sigma(range.sigma_min, range.sigma_max, rng);
      break;
    case Task::dejpeg:
      degradation.quality = sample_quality(range.quality_min, range.quality_max, rng);
      break;
    case Task::super_resolution:
      degradation.scale =
          range.scales.at(rng.uniform_int(0, static_cast<int>(range.scales.size()) - 1));
      break;
  }
  return degradation;
}

cv::Mat degrade(const cv::Mat& gt_u8, Task task, const Degradation& degradation, Rng& rng) {
  if (gt_u8.depth() != CV_8U) throw InvalidArgument("degrade: ground truth must be 8-bit");
  switch (task) {
    case Task::denoise:
      return add_gaussian_noise(to_float01(gt_u8), degradation.sigma, rng);
    case Task::dejpeg:
      return to_float01(jpeg_roundtrip(gt_u8, degradation.quality));
    case Task::super_resolution:
      if (degradation.scale < 2)
        throw InvalidArgument(fmt::format("unsupported scale {}", degradation.scale));
      return to_float01(
          imresize_matlab(modcrop(gt_u8, degradation.scale), 1.0 / degradation.scale));
  }
  throw InvalidArgument("degrade: unknown task");
}

cv::Mat matching_ground_truth(const cv::Mat& gt_u8, Task task, const Degradation& degradation) {
  return task == Task::super_resolution ? modcrop(gt_u8, degradation.scale) : gt_u8;
}

float condition_value(Task task, const Degradation& degradation) {
  switch (task) {
    case Task::denoise: return static_cast<float>(degradation.sigma / 255.0);
    case Task::dejpeg: return static_cast<float>(degradation.quality / 100.0);
    case Task::super_resolution: return 0.0f;
  }
  return 0.0f;
}

Protocol protocol(Task task, const Degradation& degradation) {
  Protocol result;
  switch (task) {
    case Task::denoise:
      result.description = "all channels, no border crop";
      break;
    case Task::super_resolution:
      result.space = metrics::Space::y;
      result.crop_border = degradation.scale;
      result.description = fmt::format("Y (BT.601), {} px border crop", degradation.scale);
      break;
    case Task::dejpeg:
      result.space = metrics::Space::y;
      result.psnr_b = true;
      result.description = "Y (gray images: as is), PSNR-B on 8×8 blocks";
      break;
  }
  return result;
}

}  // namespace restora::tasks

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

// A clip's frames (CV_32F in [0, 1]) as 8-bit ground truth and their degradation by `chain`,
// frame by frame from one generator (noise differs per frame, the chain's settings do not).
struct DegradedClip {
  std::vector<cv::Mat> lq, gt_u8;
};
DegradedClip degrade_clip(const std::vector<cv::Mat>& frames, const Chain& chain, bool quantize,
                          Rng& rng) {
  DegradedClip clip;
  for (const auto& frame : frames) {
    cv::Mat gt_u8 = quantize_u8(frame);
    auto lq = degrade(chain, gt_u8, rng).lq;
    clip.lq.push_back(quantize ? to_float01(quantize_u8(lq)) : lq);
    clip.gt_u8.push_back(std::move(gt_u8));
  }
  return clip;
}

// make_sequence over a random region of `gt` (augmented by `mode`) around the patch, so the
// camera's path has room to move.
std::vector<cv::Mat> random_clip(const cv::Mat& gt, const SequenceOptions& motion, int mode,
                                 Rng& rng) {
  const int margin = motion.size.width / 2 + 8 * motion.frames;
  const int width = std::min(gt.cols, motion.size.width + 2 * margin);
  const int height = std::min(gt.rows, motion.size.height + 2 * margin);
  const int x = rng.uniform_int(0, gt.cols - width), y = rng.uniform_int(0, gt.rows - height);
  const cv::Mat still = to_float01(augment(gt(cv::Rect(x, y, width, height)), mode));
  return make_sequence(still, rng, motion).frames;
}

}  // namespace

PatchSource::PatchSource(const ExperimentConfig& experiment, const fs::path& data_root)
    : experiment_(experiment), data_root_(data_root), maps_(chain_maps(experiment.data.chain)) {
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
  const auto& steps = data.chain.steps;
  whole_image_ = !data.sequence.enabled && steps.size() == 1 && steps.front().probability == 1.0 &&
                 find_degradation(steps.front().kind).changes_size();
  const auto& whole_image_kind = find_degradation(steps.front().kind);

  for (size_t index = 0; index < files.size(); ++index) {
    const auto image = read_image(files[index]);
    cv::Mat gt = to_training_color(quantize_u8(image.pixels), data.color);
    const bool held_out = static_cast<int>(index) >= static_cast<int>(files.size()) - holdout;
    if (held_out) {
      std::vector<Chain> chains = data.validation;
      Rng chain_rng(Rng::mix(experiment.training.seed, 2000003 + index));
      if (chains.empty())
        for (int draw = 0; draw < data.validation_samples; ++draw)
          chains.push_back(sample_chain(data.chain, chain_rng));
      if (data.sequence.enabled) {
        for (const auto& chain : chains) {
          Rng rng(Rng::mix(experiment.training.seed, 1000003 + index));
          auto motion = data.sequence.motion;
          motion.frames = data.sequence.validation_frames;
          motion.size = cv::Size(data.sequence.validation_size, data.sequence.validation_size);
          if (gt.cols <= motion.size.width || gt.rows <= motion.size.height)
            throw InvalidArgument(fmt::format("held-out image '{}' is not larger than the {}px validation clips",
                                              files[index].string(), motion.size.width));
          auto clip = degrade_clip(make_sequence(to_float01(gt), rng, motion).frames, chain,
                                   data.sequence.quantize, rng);
          validation_clips_.push_back({std::move(clip.lq), std::move(clip.gt_u8), chain, chain_scale(chain)});
        }
        continue;
      }
      for (const auto& chain : chains) {
        Rng rng(Rng::mix(experiment.training.seed, 1000003 + index));
        auto sample = degrade(chain, gt, rng);
        ValidationCase item;
        item.lq = sample.lq;
        item.gt_u8 = sample.gt_u8;
        item.maps = select_maps(sample.maps, maps_);
        item.kernel = sample.kernel;
        item.chain = chain;
        item.scale = chain_scale(chain);
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
      // A size-changing protocol degradation is applied to whole images, once per scale, and
      // patches cut aligned from both: degrading a patch alone would change its border pixels.
      // It gives 8-bit samples, kept as such.
      if (whole_image_)
        for (int scale : data.scales) {
          Rng rng(Rng::mix(experiment.training.seed, index));
          const Chain chain{{whole_image_kind.make({{whole_image_kind.parameter(), scale}})}};
          item.lr[scale] = quantize_u8(degrade(chain, item.gt, rng).lq);
        }
      images_.push_back(std::move(item));
    }
  }
}

namespace {

// The kernels centred in the largest odd side (a missing one: a delta), N×1×k×k; undefined when
// every one is missing.
torch::Tensor stack_kernels(const std::vector<cv::Mat>& kernels) {
  int side = 0;
  for (const auto& kernel : kernels) side = std::max({side, kernel.rows, kernel.cols});
  if (side == 0) return {};
  auto stacked = torch::zeros({static_cast<int64_t>(kernels.size()), 1, side, side});
  for (size_t i = 0; i < kernels.size(); ++i) {
    cv::Mat canvas(side, side, CV_32FC1, stacked[static_cast<int64_t>(i)][0].data_ptr<float>());
    if (kernels[i].empty())
      canvas.at<float>(side / 2, side / 2) = 1.0f;
    else
      kernels[i].copyTo(canvas(cv::Rect((side - kernels[i].cols) / 2, (side - kernels[i].rows) / 2,
                                        kernels[i].cols, kernels[i].rows)));
  }
  return stacked;
}

}  // namespace

Batch PatchSource::make_batch(int64_t step, int shard, int shards) const {
  const auto& data = experiment_.data;
  const uint64_t step_seed = Rng::mix(experiment_.training.seed, static_cast<uint64_t>(step));
  Rng batch_rng(step_seed);
  // Super-resolution batches share one scale: the heads differ per scale.
  const int scale = chain_scale(sample_chain(data.chain, batch_rng));
  const int gt_size = data.patch_size;
  const int lq_size = gt_size / scale;
  if (shards < 1 || shard < 0 || shard >= shards || data.batch_size % shards != 0)
    throw InvalidArgument(fmt::format("batch size {} cannot be split into {} equal shards",
                                      data.batch_size, shards));
  const int n = data.batch_size / shards;
  const int first = shard * n;
  const auto map_count = static_cast<int64_t>(maps_.size());

  Batch batch;
  batch.step = step;
  batch.scale = scale;
  if (data.sequence.enabled) return make_clip_batch(std::move(batch), step_seed, first, n);
  batch.lq = torch::empty({n, channels_, lq_size, lq_size});
  batch.gt = torch::empty({n, channels_, gt_size, gt_size});
  if (map_count) batch.maps = torch::empty({n, map_count, lq_size, lq_size});
  for (const auto& map : maps_) batch.map_names.push_back(map.name);
  std::vector<cv::Mat> kernels(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Rng rng(Rng::mix(step_seed, static_cast<uint64_t>(first + i) + 1));
    const auto& item = images_[rng.uniform_int(0, static_cast<int>(images_.size()) - 1)];
    const int mode = rng.uniform_int(0, 7);
    cv::Mat lq, gt_u8;
    ConditionMaps maps;
    if (whole_image_) {
      const cv::Mat& lr = item.lr.at(scale);
      const int x = rng.uniform_int(0, lr.cols - lq_size);
      const int y = rng.uniform_int(0, lr.rows - lq_size);
      lq = to_float01(augment(lr(cv::Rect(x, y, lq_size, lq_size)), mode));
      gt_u8 = augment(item.gt(cv::Rect(x * scale, y * scale, gt_size, gt_size)), mode);
    } else {
      const int x = rng.uniform_int(0, item.gt.cols - gt_size);
      const int y = rng.uniform_int(0, item.gt.rows - gt_size);
      gt_u8 = augment(item.gt(cv::Rect(x, y, gt_size, gt_size)), mode);
      const auto chain = sample_chain(data.chain, rng);
      auto sample = degrade(chain, gt_u8, rng);
      if (sample.lq.rows != lq_size || sample.lq.cols != lq_size)
        throw InvalidArgument(fmt::format("chain '{}' made a {}x{} patch, not {}x{}",
                                          chain_text(chain), sample.lq.cols, sample.lq.rows,
                                          lq_size, lq_size));
      lq = sample.lq;
      maps = select_maps(sample.maps, maps_);
      kernels[static_cast<size_t>(i)] = sample.kernel;
    }
    copy_planar(lq, batch.lq[i].data_ptr<float>());
    copy_planar(to_float01(gt_u8), batch.gt[i].data_ptr<float>());
    for (int64_t m = 0; m < map_count; ++m)
      copy_planar(maps[static_cast<size_t>(m)].full(lq.size()), batch.maps[i][m].data_ptr<float>());
  }
  batch.kernels = stack_kernels(kernels);
  return batch;
}

Batch PatchSource::make_clip_batch(Batch batch, uint64_t step_seed, int first, int n) const {
  const auto& data = experiment_.data;
  const int frames = data.sequence.motion.frames;
  const int gt_size = data.patch_size, lq_size = gt_size / batch.scale;
  batch.lq = torch::empty({n, frames, channels_, lq_size, lq_size});
  batch.gt = torch::empty({n, frames, channels_, gt_size, gt_size});
  for (int i = 0; i < n; ++i) {
    Rng rng(Rng::mix(step_seed, static_cast<uint64_t>(first + i) + 1));
    const auto& item = images_[rng.uniform_int(0, static_cast<int>(images_.size()) - 1)];
    const int mode = rng.uniform_int(0, 7);
    const auto chain = sample_chain(data.chain, rng);
    const auto clip = degrade_clip(random_clip(item.gt, data.sequence.motion, mode, rng), chain,
                                   data.sequence.quantize, rng);
    for (int t = 0; t < frames; ++t) {
      const auto& lq = clip.lq[static_cast<size_t>(t)];
      if (lq.rows != lq_size || lq.cols != lq_size)
        throw InvalidArgument(fmt::format("chain '{}' made a {}x{} frame, not {}x{}", chain_text(chain),
                                          lq.cols, lq.rows, lq_size, lq_size));
      copy_planar(lq, batch.lq[i][t].data_ptr<float>());
      copy_planar(to_float01(clip.gt_u8[static_cast<size_t>(t)]), batch.gt[i][t].data_ptr<float>());
    }
  }
  return batch;
}

}  // namespace restora::train

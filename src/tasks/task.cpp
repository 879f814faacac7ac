// The registered tasks; a new task is one class here and one registry line.
#include "tasks/task.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include "restora/errors.h"

namespace restora::tasks {
namespace {

const char* color_word(int channels) { return channels == 1 ? "gray" : "color"; }

class Denoise : public TaskSpec {
 public:
  Denoise() : TaskSpec(find_degradation("gaussian_noise")) {}
  std::string id() const override { return "denoise"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop"};
  }
  std::string default_model(int channels, int) const override {
    return fmt::format("denoise-{}", color_word(channels));
  }
};

class SuperResolution : public TaskSpec {
 public:
  SuperResolution() : TaskSpec(find_degradation("bicubic_down")) {}
  std::string id() const override { return "super_resolution"; }
  Protocol protocol(int scale) const override {
    return {metrics::Space::y, scale, false, fmt::format("Y (BT.601), {} px border crop", scale)};
  }
  std::string default_model(int, int) const override { return "sr"; }
};

class Dejpeg : public TaskSpec {
 public:
  Dejpeg() : TaskSpec(find_degradation("jpeg")) {}
  std::string id() const override { return "dejpeg"; }
  Protocol protocol(int) const override {
    return {metrics::Space::y, 0, true, "Y (gray images: as is), PSNR-B on 8×8 blocks"};
  }
  std::string default_model(int channels, int) const override {
    return fmt::format("dejpeg-{}", color_word(channels));
  }
};

// Learned compression: the network reproduces the clean image through a coded latent.
class Codec : public TaskSpec {
 public:
  Codec() : TaskSpec(find_degradation("none")) {}
  std::string id() const override { return "codec"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "RGB, no border crop, bpp of the whole file"};
  }
  std::string default_model(int, int) const override { return "codec"; }
};

// Real photographs: blind restoration of what a degradation chain describes (camera noise, blur,
// JPEG, resizing), trained on chains (data > chain) and measured on photos whose damage was
// recorded by a camera (paired test sets); at x1 measured like denoising (RGB), when upscaling
// like super-resolution (Y, the scale's border crop).
class RealWorld : public TaskSpec {
 public:
  RealWorld() : TaskSpec(find_degradation("recorded")) {}
  std::string id() const override { return "real"; }
  Protocol protocol(int scale) const override {
    if (scale == 1) return {metrics::Space::all_channels, 0, false, "RGB, no border crop"};
    return {metrics::Space::y, scale, false, fmt::format("Y (BT.601), {} px border crop", scale)};
  }
  std::string default_model(int, int scale) const override {
    // Upscaling: the GAN fine-tune, whose --strength 0 is its PSNR-oriented base real-x{scale}.
    return scale == 1 ? "real" : fmt::format("real-x{}-gan", scale);
  }
};

// Deblurring at the same size: trained on the seeded kernels of kernel_blur (Gaussian and camera
// shake) with mild noise; measured on RGB (gray images as they are), no border crop (the DPIR
// protocol). Blind models take the blurred image alone; non-blind ones the kernel too.
class Deblur : public TaskSpec {
 public:
  Deblur() : TaskSpec(find_degradation("kernel_blur")) {}
  std::string id() const override { return "deblur"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop"};
  }
  std::string default_model(int, int) const override { return "deblur"; }
  std::string non_blind_model() const override { return "deblur-kernel"; }
};

// Inpainting: the pixels a mask marks missing are filled from the rest; measured on RGB, no
// border crop, on the whole image and inside the mask (docs/INPAINT.md).
class Inpaint : public TaskSpec {
 public:
  Inpaint() : TaskSpec(find_degradation("mask")) {}
  std::string id() const override { return "inpaint"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop"};
  }
  std::string default_model(int, int) const override { return "inpaint"; }
};

// Automatic repair: the detector finds the painted damage of old prints (scratches, dust,
// cracks, stains); `restora repair` fills what it finds with the inpainting model. The detector
// is measured by precision, recall and IoU of its mask, the repair by PSNR (docs/REPAIR.md).
class Repair : public TaskSpec {
 public:
  Repair() : TaskSpec(find_degradation("damage")) {}
  std::string id() const override { return "repair"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop"};
  }
  std::string default_model(int, int) const override { return "repair"; }
  std::string target_map() const override { return "damage"; }
};

// Video super-resolution: recurrent networks over clips, trained on synthetic clips degraded by
// BD (Gaussian blur, then every scale-th pixel); measured per frame on Y with an 8-pixel border
// crop, a clip's score the mean over its frames (PROTOCOLS.md "Video").
class VideoSuperResolution : public TaskSpec {
 public:
  VideoSuperResolution() : TaskSpec(find_degradation("bd")) {}
  std::string id() const override { return "video_sr"; }
  Protocol protocol(int) const override {
    return {metrics::Space::y, 8, false, "Y (BT.601), 8 px border crop, mean over frames"};
  }
  std::string default_model(int, int scale) const override { return fmt::format("video-sr-x{}", scale); }
  std::string image_task() const override { return "super_resolution"; }
};

// Video denoising: recurrent networks over clips with Gaussian noise per frame; RGB, no crop.
class VideoDenoise : public TaskSpec {
 public:
  VideoDenoise() : TaskSpec(find_degradation("gaussian_noise")) {}
  std::string id() const override { return "video_denoise"; }
  Protocol protocol(int) const override {
    return {metrics::Space::all_channels, 0, false, "all channels, no border crop, mean over frames"};
  }
  std::string default_model(int, int) const override { return "video-denoise"; }
  std::string image_task() const override { return "denoise"; }
};

const std::vector<std::unique_ptr<TaskSpec>>& registry() {
  static const auto tasks = [] {
    std::vector<std::unique_ptr<TaskSpec>> entries;
    entries.push_back(std::make_unique<Denoise>());
    entries.push_back(std::make_unique<SuperResolution>());
    entries.push_back(std::make_unique<Dejpeg>());
    entries.push_back(std::make_unique<Codec>());
    entries.push_back(std::make_unique<RealWorld>());
    entries.push_back(std::make_unique<Deblur>());
    entries.push_back(std::make_unique<Inpaint>());
    entries.push_back(std::make_unique<Repair>());
    entries.push_back(std::make_unique<VideoSuperResolution>());
    entries.push_back(std::make_unique<VideoDenoise>());
    return entries;
  }();
  return tasks;
}

}  // namespace

cv::Mat TaskSpec::degrade(const cv::Mat& gt_u8, const Degradation& setting, Rng& rng) const {
  return restora::degrade(Chain{{setting}}, gt_u8, rng).lq;
}

Task find_task(const std::string& id) {
  for (const auto& task : registry())
    if (task->id() == id) return task.get();
  throw InvalidArgument(
      fmt::format("unknown task '{}'; known: {}", id, fmt::join(known_tasks(), ", ")));
}

std::vector<std::string> known_tasks() {
  std::vector<std::string> ids;
  for (const auto& task : registry()) ids.push_back(task->id());
  return ids;
}

}  // namespace restora::tasks

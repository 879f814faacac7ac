// Every shipped model gives nearly the fp32 output in bf16 on real photographs (crops of the
// images Debian's python3-skimage ships, degraded by the task's own degradation). The bf16 PSNR
// cost on the standard test sets is measured by `restora eval --precision fp32,bf16`
// (docs/PERFORMANCE.md); this test guards the outputs themselves.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <opencv2/core.hpp>

#include "degrade/random.h"
#include "metrics/metrics.h"
#include "restora/image_io.h"
#include "restora/restorer.h"
#include "restore/model_loader.h"
#include "tasks/task.h"

namespace restora {
namespace {

const std::filesystem::path samples = "/usr/lib/python3/dist-packages/skimage/data";

// Bounds for the bf16 output against the fp32 output, values in [0,1] (after 8-bit rounding).
constexpr double max_pixel_difference = 4.0 / 255;  // the worst single pixel
constexpr double min_psnr_to_fp32 = 50.0;           // dB, over the whole crop
constexpr double max_psnr_loss = 0.03;              // dB against the clean crop

// The 128×128 crop at (x, y) of a sample photo as 8-bit gray or RGB.
cv::Mat sample_crop(const std::string& file, int channels, int x, int y) {
  const auto image = read_image(samples / file);
  cv::Mat pixels = quantize_u8(image.pixels)(cv::Rect(x, y, 128, 128)).clone();
  if (channels == 1 && pixels.channels() == 3) cv::extractChannel(pixels, pixels, 1);
  return pixels;
}

// What the sample tells a conditioned model: the blur kernel and σ (non-blind deblurring, on
// the circular blur it was trained on) or the mask (inpainting).
Image restore_with(const std::string& model, const std::string& task, int scale,
                   const std::string& precision, const DegradedSample& sample) {
  RestoreOptions options;
  options.model = model;
  options.scale = scale > 1 ? scale : 0;
  options.precision = precision;
  options.threads = 2;
  const auto* sigma = find_map(sample.maps, "sigma");
  if (model_file::read_model_file(model).meta.conditioning == model_file::Conditioning::kernel) {
    options.kernel = sample.kernel;
    options.sigma = sigma ? 255.0 * sigma->constant : 0.0;
    options.circular_blur = true;
  }
  Restorer restorer(task, options);
  Image input;
  input.pixels = sample.lq;
  input.bit_depth = 32;
  const auto* mask = find_map(sample.maps, "mask");
  return mask ? restorer.restore(input, mask->pixels) : restorer.restore(input);
}

TEST(ShippedModels, Bf16StaysCloseToFp32OnPhotographs) {
  if (!std::filesystem::exists(samples / "astronaut.png"))
    GTEST_SKIP() << "python3-skimage's sample photos are missing (scripts/setup.sh installs them)";
  const auto models = shipped_models();
  ASSERT_GE(models.size(), 5u) << "the shipped models must be found";
  for (const auto& path : models) {
    // The learned codec runs in fp32 only (its decoded pixels must not depend on precision);
    // a model whose file lists fp32 alone is never run in bf16 by "auto".
    const auto listed = model_file::read_model_file(path).meta;
    if (listed.task == "codec") continue;
    if (std::find(listed.precision.begin(), listed.precision.end(), model_file::Precision::bf16) ==
        listed.precision.end())
      continue;
    const auto meta = load_model(path).meta;
    const auto task = tasks::find_task(meta.task);
    for (const int scale : meta.scales) {
      for (const auto& [file, x, y] : {std::tuple{"astronaut.png", 160, 40},
                                       std::tuple{"coffee.png", 300, 200}}) {
        SCOPED_TRACE(fmt::format("{} x{} on {}", meta.name, scale, file));
        const cv::Mat clean = sample_crop(file, meta.in_channels, x, y);
        // A model trained on a degradation chain gets an input drawn from it; the others their
        // task's degradation at a middle level.
        const auto data = meta.recipe.value("config", nlohmann::json::object())
                              .value("data", nlohmann::json::object());
        Chain chain;
        Rng rng(1);
        if (data.contains("chain"))
          chain = sample_chain(parse_chain(data["chain"].get<std::string>()), rng);
        else
          chain.steps = {task->degradation().with_value(
              scale > 1 ? scale : task->id() == "denoise" ? 25 : 20)};
        const auto sample = degrade(chain, clean, rng);
        if (!task->target_map().empty()) {  // a detector: bf16 marks nearly what fp32 marks
          const auto detect = [&](const char* precision) {
            RestoreOptions options;
            options.model = path;
            options.precision = precision;
            options.threads = 2;
            Image input;
            input.pixels = sample.lq;
            input.bit_depth = 32;
            return Restorer(task->id(), options).detect(input);
          };
          const auto agreement = metrics::count_mask(detect("bf16"), detect("fp32"));
          EXPECT_GE(agreement.iou(), 0.95);
          fmt::print("{} {}: bf16 vs fp32 mask IoU {:.4f}\n", meta.name, file, agreement.iou());
          continue;
        }
        const cv::Mat gt = sample.gt_u8;
        const auto fp32 = quantize_u8(restore_with(path, task->id(), scale, "fp32", sample).pixels);
        const auto bf16 = quantize_u8(restore_with(path, task->id(), scale, "bf16", sample).pixels);
        const auto protocol = task->protocol(chain_scale(chain));
        const auto measure = [&](const cv::Mat& image, const cv::Mat& reference) {
          return metrics::measure(image, reference, protocol.space, protocol.crop_border, false)
              .psnr;
        };
        EXPECT_LE(cv::norm(fp32, bf16, cv::NORM_INF) / 255.0, max_pixel_difference);
        const double to_fp32 = measure(bf16, fp32), loss = measure(fp32, gt) - measure(bf16, gt);
        EXPECT_GE(to_fp32, min_psnr_to_fp32);
        EXPECT_LE(loss, max_psnr_loss);
        fmt::print("{} x{} {}: bf16 vs fp32 {:.2f} dB (worst pixel {}/255), PSNR loss {:.4f} dB\n",
                   meta.name, scale, file, to_fp32, cv::norm(fp32, bf16, cv::NORM_INF), loss);
      }
    }
  }
}

}  // namespace
}  // namespace restora

// restora degrade: make a degraded input with the exact code training and evaluation use.
#include <fmt/format.h>

#include <memory>
#include <utility>

#include "common.h"
#include "degrade/degradation.h"
#include "degrade/random.h"
#include "jobs.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::cli {
namespace {

struct DegradeArgs {
  std::string input, output;
  JobOptions jobs;
  double sigma = -1.0;
  int scale = 0;
  int quality = 0;
  uint64_t seed = 0;
};

}  // namespace

Run add_degrade_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<DegradeArgs>();
  auto* command = app.add_subcommand(
      "degrade", "Degrade clean images: Gaussian noise, MATLAB-bicubic downscale or JPEG");
  command->add_option("-i,--input", args->input, "Clean input image or folder")->required();
  command->add_option("-o,--output", args->output, "Output image or folder")->required();
  auto* sigma = command
                    ->add_option("--sigma", args->sigma,
                                 "Add Gaussian noise of this σ (0..255 scale) to the 8-bit clean "
                                 "image; a .tif output keeps the float values unclipped")
                    ->check(CLI::Range(0.0, 255.0));
  auto* scale =
      command->add_option("--scale", args->scale, "Downscale by 2, 3 or 4 (MATLAB bicubic)");
  auto* quality = command->add_option("--quality", args->quality, "JPEG round trip at this quality")
                      ->check(CLI::Range(1, 100));
  sigma->excludes(scale)->excludes(quality);
  scale->excludes(quality);
  command->add_option("--seed", args->seed, "Noise seed (each image also mixes in its index)")
      ->capture_default_str();
  command->add_option("--format", args->jobs.format, "Output format for folders")
      ->default_str("png (tif for TIFF inputs)");
  command->add_flag("--overwrite", args->jobs.overwrite, "Replace existing outputs");
  add_output_flags(*command, global);

  return [command, args, sigma, scale, quality, &global]() -> int {
    if (!command->parsed()) return -1;
    // The one option given picks the degradation kind and its parameter value.
    const auto [kind_id, value] =
        sigma->count()   ? std::pair<const char*, double>{"gaussian_noise", args->sigma}
        : scale->count() ? std::pair<const char*, double>{"bicubic_down", args->scale}
        : quality->count()
            ? std::pair<const char*, double>{"jpeg", args->quality}
            : throw InvalidArgument("degrade needs one of --sigma, --scale or --quality");
    const auto& kind = find_degradation(kind_id);
    const auto degradation = kind.with_value(value);
    const auto jobs = plan_jobs(args->input, args->output, args->jobs);
    JobStages stages;
    stages.load = [](const Job& job) { return Payload{read_image(job.input), {}}; };
    stages.process = [&](const Job& job, const Payload& input, std::string& summary) {
      const Image& image = input.image;
      Rng rng(Rng::mix(args->seed, job.index));
      Image degraded;
      degraded.pixels = kind.apply(quantize_u8(image.pixels), degradation, rng);
      // Noise stays float (unclipped) where the format can hold it (TIFF); otherwise the
      // output keeps the input's depth (8-bit results are stored exactly in 16 bits).
      degraded.bit_depth =
          !kind.quantized() && is_tiff_path(job.output) ? 32 : image.bit_depth;
      if (image.has_alpha())
        degraded.alpha = kind.changes_size()
                             ? kind.apply(quantize_u8(image.alpha), degradation, rng)
                             : image.alpha;
      summary = fmt::format("{}x{} -> {}x{}", image.width(), image.height(), degraded.width(),
                            degraded.height());
      return Payload{degraded, {}};
    };
    stages.save = [](const Job& job, const Payload& degraded) {
      write_image(degraded.image, job.output);
    };
    return run_jobs(jobs, args->jobs, global, stages);
  };
}

}  // namespace restora::cli

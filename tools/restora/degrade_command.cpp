// restora degrade: make a degraded input with the exact code training and evaluation use.
#include <fmt/format.h>
#include <fmt/ranges.h>


#include <memory>
#include <utility>

#include "common.h"
#include "degrade/chain.h"
#include "degrade/random.h"
#include "jobs.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::cli {
namespace {

struct DegradeArgs {
  std::string input, output;
  JobOptions jobs;
  std::string chain;
  double sigma = -1.0;
  int scale = 0;
  int quality = 0;
  uint64_t seed = 0;
};

std::string kinds_help() {
  std::string text = "\nDegradation kinds (KIND:NAME=VALUE:...; the first parameter may be given bare):\n";
  for (const auto& id : known_degradations()) {
    const auto& kind = find_degradation(id);
    text += fmt::format("  {:<15} {}\n", id, kind.summary());
    for (const auto& info : kind.parameters())
      text += fmt::format("      {:<12} {} ({}..{}, default {}{})\n", info.name, info.help,
                          info.choices.empty() ? fmt::format("{}", info.min) : info.choices.front(),
                          info.choices.empty() ? fmt::format("{}", info.max) : info.choices.back(),
                          info.choices.empty() ? fmt::format("{}", info.default_value)
                                               : info.choices.at(static_cast<size_t>(info.default_value)),
                          info.choices.empty() ? "" : fmt::format("; one of {}", fmt::join(info.choices, ", ")));
  }
  text += fmt::format("Presets: {}\n", fmt::join(chain_presets(), ", "));
  return text;
}

}  // namespace

Run add_degrade_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<DegradeArgs>();
  auto* command = app.add_subcommand(
      "degrade", "Degrade clean images with a chain of degradations (noise, blur, resizing, JPEG…)");
  command->footer(kinds_help());
  command->add_option("-i,--input", args->input, "Clean input image or folder")->required();
  command->add_option("-o,--output", args->output, "Output image or folder")->required();
  auto* chain = command->add_option(
      "--chain", args->chain,
      "Degradation chain, e.g. \"blur:sigma=2,resize_to:4,camera_noise,jpeg:30\"; random values "
      "as LO~HI or A|B, optional steps with p=P, or a preset's name (see below). Each image draws "
      "its own chain from --seed and its index");
  auto* sigma = command
                    ->add_option("--sigma", args->sigma,
                                 "Shorthand for --chain gaussian_noise:SIGMA (0..255 scale); a .tif "
                                 "output keeps the float values unclipped")
                    ->check(CLI::Range(0.0, 255.0));
  auto* scale =
      command->add_option("--scale", args->scale, "Shorthand for --chain bicubic_down:SCALE (MATLAB bicubic)");
  auto* quality = command->add_option("--quality", args->quality, "Shorthand for --chain jpeg:QUALITY")
                      ->check(CLI::Range(1, 100));
  chain->excludes(sigma)->excludes(scale)->excludes(quality);
  sigma->excludes(scale)->excludes(quality);
  scale->excludes(quality);
  command->add_option("--seed", args->seed, "Seed (each image also mixes in its index)")
      ->capture_default_str();
  command->add_option("--format", args->jobs.format, "Output format for folders")
      ->default_str("png (tif for TIFF inputs)");
  command->add_flag("--overwrite", args->jobs.overwrite, "Replace existing outputs");
  add_output_flags(*command, global);

  return [command, args, chain, sigma, scale, quality, &global]() -> int {
    if (!command->parsed()) return -1;
    const std::string text =
        chain->count()     ? args->chain
        : sigma->count()   ? fmt::format("gaussian_noise:sigma={}", args->sigma)
        : scale->count()   ? fmt::format("bicubic_down:scale={}", args->scale)
        : quality->count() ? fmt::format("jpeg:quality={}", args->quality)
                           : throw InvalidArgument("degrade needs --chain (or one of --sigma, --scale, --quality)");
    const auto spec = parse_chain(text);
    const bool show_chain = chain->count() > 0;  // what each image drew, to reproduce it
    const auto jobs = plan_jobs(args->input, args->output, args->jobs);
    JobStages stages;
    stages.load = [](const Job& job) { return Payload{read_image(job.input), {}, {}}; };
    stages.process = [&, spec](const Job& job, const Payload& input, std::string& summary) {
      const Image& image = input.image;
      // One stream per image: the chain's draws, then its noise.
      Rng rng(Rng::mix(args->seed, job.index));
      const auto drawn = sample_chain(spec, rng);
      const auto sample = degrade(drawn, quantize_u8(image.pixels), rng);
      Image degraded;
      degraded.pixels = sample.lq;
      // Float results stay float (unclipped) where the format can hold them (TIFF); otherwise the
      // output keeps the input's depth (8-bit results are stored exactly in 16 bits).
      degraded.bit_depth = !sample.quantized && is_tiff_path(job.output) ? 32 : image.bit_depth;
      if (image.has_alpha()) {  // resized by the chain's size-changing steps alone
        Chain geometry;
        for (const auto& step : drawn.steps)
          if (find_degradation(step.kind).changes_size()) geometry.steps.push_back(step);
        Rng unused(0);
        degraded.alpha = geometry.steps.empty()
                             ? image.alpha
                             : degrade(geometry, quantize_u8(image.alpha), unused).lq;
      }
      summary = fmt::format("{}x{} -> {}x{}", image.width(), image.height(), degraded.width(),
                            degraded.height());
      if (show_chain) summary += fmt::format(" [{}]", chain_text(drawn));
      return Payload{degraded, {}, {}};
    };
    stages.save = [](const Job& job, const Payload& degraded) {
      write_image(degraded.image, job.output);
    };
    return run_jobs(jobs, args->jobs, global, stages);
  };
}

}  // namespace restora::cli

// restora denoise | upscale | dejpeg | restore | deblur | inpaint -i IN -o OUT: restore a file
// or a folder with a model (repair: repair_command.cpp).
#include <fmt/format.h>

#include <memory>
#include <opencv2/imgproc.hpp>
#include <set>

#include "common.h"
#include "degrade/resize_matlab.h"
#include "jobs.h"
#include "metrics/metrics.h"
#include "restora/restorer.h"
#include "restore/tensor_memory.h"
#include "restore_args.h"
#include "tasks/task.h"

namespace restora::cli {

CLI::App* add_restore_command(CLI::App& app, const std::string& name, const std::string& help,
                              RestoreArgs& args, GlobalOptions& global) {
  auto* command = app.add_subcommand(name, help);
  command->add_option("-i,--input", args.input, "Input image or folder (recursive)")->required();
  command->add_option("-o,--output", args.output, "Output image, or folder for a folder input")
      ->required();
  command->add_option("-m,--model", args.restore.model, "Shipped model name or model file")
      ->default_str("the task's default for the image's colours");
  command->add_option("--tile", args.restore.tile, "Input pixels per tile side (0 = automatic)")
      ->capture_default_str();
  command
      ->add_option("--max-memory", args.max_memory,
                   "Tensor memory budget, e.g. 2G or 512M: sets the automatic tile size; tiles "
                   "shrink when an allocation fails")
      ->default_str("a quarter of RAM");
  command->add_option("--threads", args.restore.threads, "Compute threads (0 = all cores)")
      ->capture_default_str();
  command->add_option("--device", args.restore.device, "cpu or cuda")->capture_default_str();
  command
      ->add_option("--precision", args.restore.precision,
                   "auto (bf16 where the CPU computes it natively and the model is validated "
                   "for it), fp32 or bf16")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->capture_default_str();
  command
      ->add_option("--format", args.jobs.format,
                   "Output format for folders: png, jpg, bmp, tif, webp")
      ->default_str("png (tif for TIFF inputs)");
  command->add_flag("--overwrite", args.jobs.overwrite, "Replace existing outputs");
  command
      ->add_option("--reference", args.reference,
                   "Clean original of a single input: report the output's PSNR/SSIM against it")
      ->check(CLI::ExistingFile);
  add_output_flags(*command, global);
  return command;
}

// "PSNR 31.02 dB (input 20.17 dB), SSIM 0.874": measured by the task's protocol on 8-bit values.
// The reference is cut as the task cuts ground truth (super-resolution: modcrop to the scale).
std::string compare_with_reference(const Image& input, const Image& output,
                                   const std::string& reference_path, tasks::Task task) {
  const auto reference = read_image(reference_path);
  const int scale = output.width() / std::max(1, input.width());
  const auto protocol = task->protocol(scale);
  const cv::Mat reference_u8 = quantize_u8(reference.pixels);
  const auto gt = scale > 1 ? modcrop(reference_u8, scale) : reference_u8;
  auto measure = [&](const Image& image) {
    if (image.pixels.size() != gt.size() || image.channels() != gt.channels())
      throw InvalidArgument(fmt::format("reference '{}' is {}x{}x{}, the image {}x{}x{}",
                                        reference_path, gt.cols, gt.rows, gt.channels(),
                                        image.width(), image.height(), image.channels()));
    return metrics::measure(quantize_u8(image.pixels), gt, protocol.space, protocol.crop_border,
                            false);
  };
  const auto after = measure(output);
  if (scale != 1)
    return fmt::format("PSNR {:.2f} dB, SSIM {:.4f} vs reference ({})", after.psnr, after.ssim,
                       protocol.description);
  const auto before = measure(input);
  return fmt::format("PSNR {:.2f} dB (input {:.2f} dB), SSIM {:.4f} (input {:.4f}) vs reference",
                     after.psnr, before.psnr, after.ssim, before.ssim);
}

void apply_memory_option(RestoreArgs& args) {
  if (!args.max_memory.empty()) args.restore.max_memory = tensor_memory::parse_bytes(args.max_memory);
}

namespace {

// The mask file of `job`: the --mask file, or for a folder input the file of the same relative
// path (any of the image extensions) in the --mask folder.
std::filesystem::path mask_path(const Job& job, const RestoreArgs& args) {
  namespace fs = std::filesystem;
  fs::path path = args.mask;
  if (fs::is_directory(path)) {
    path = path / fs::relative(job.input, args.input);
    if (!fs::exists(path)) path.replace_extension(".png");
  }
  return path;
}

// Inpaints `image` with the mask of `job` (gray; a colour mask's luma). The Restorer checks the
// mask; its refusals are given the files' names here.
Image inpaint(Restorer& restorer, const Image& image, const Job& job, const RestoreArgs& args) {
  const auto path = mask_path(job, args);
  const auto mask = read_image(path);
  cv::Mat gray = mask.pixels;
  if (gray.channels() == 3) cv::cvtColor(mask.pixels, gray, cv::COLOR_RGB2GRAY);
  try {
    return restorer.restore(image, gray);
  } catch (const InvalidArgument& error) {
    throw InvalidArgument(fmt::format("mask '{}' for '{}': {}", path.string(), job.input.string(), error.what()));
  }
}

Run make_run(CLI::App* command, std::shared_ptr<RestoreArgs> args, const std::string& task,
             GlobalOptions& global) {
  return [command, args, task, &global]() -> int {
    if (!command->parsed()) return -1;
    apply_memory_option(*args);
    if (!args->burst.empty()) {
      if (command->get_option("--scale")->count() == 0) args->restore.scale = 0;  // the video model's
      return run_burst(*args, global);
    }
    if (!args->kernel.empty()) {
      try {  // a bad kernel file is a bad argument: exit 2 like the others
        args->restore.kernel = read_kernel(args->kernel);
      } catch (const FormatError& error) {
        throw InvalidArgument(error.what());
      }
    }
    const auto jobs = plan_jobs(args->input, args->output, args->jobs);
    if (!args->reference.empty() && jobs.size() != 1)
      throw InvalidArgument("--reference needs a single input image");
    if (jobs.empty()) {
      info(global, fmt::format("no images in '{}'", args->input));
      return 0;
    }
    Restorer restorer(task, args->restore);
    const auto task_spec = tasks::find_task(task);
    const bool level_given = args->restore.sigma >= 0 || args->restore.quality > 0;
    std::set<std::string> blind_models_noted;
    JobStages stages;
    // Integer files stay integer through restore and save: a 16384² output holds 0.8 GB, not
    // 3.2 GB of floats. Outputs are the same; only a 16-bit input saved as 8-bit is rounded
    // twice (16 -> 16 -> 8), at most one level apart from rounding the float once.
    stages.load = [](const Job& job) { return Payload{read_image(job.input, integer_reading), {}, {}}; };
    stages.process = [&](const Job& job, const Payload& input, std::string& summary) {
      const Image& image = input.image;
      const auto& kernel = args->restore.kernel;
      if (kernel.rows > image.height() || kernel.cols > image.width())
        throw InvalidArgument(fmt::format("'{}': the {}x{} kernel '{}' is larger than the {}x{} image",
                                          job.input.string(), kernel.cols, kernel.rows, args->kernel,
                                          image.width(), image.height()));
      const auto model = restorer.model_for(image.channels());
      if (level_given && model.conditioning == "none" &&
          blind_models_noted.insert(model.name).second)
        info(global, fmt::format("note: model '{}' is blind: it estimates the level itself and "
                                 "does not use --{}",
                                 model.name, args->restore.sigma >= 0 ? "sigma" : "quality"));
      auto restored = args->mask.empty() ? restorer.restore(image) : inpaint(restorer, image, job, *args);
      summary = fmt::format("{}x{} -> {}x{}, model {} ({})", image.width(), image.height(),
                            restored.width(), restored.height(), model.name, model.precision);
      if (!args->reference.empty())  // measured before saving: a bad reference leaves no output
        summary += ", " + compare_with_reference(image, restored, args->reference, task_spec);
      return Payload{restored, {}, {}};
    };
    stages.save = [](const Job& job, const Payload& restored) {
      write_image(restored.image, job.output);
    };
    return run_jobs(jobs, args->jobs, global, stages);
  };
}

}  // namespace

Run add_restore_commands(CLI::App& app, GlobalOptions& global) {
  auto denoise = std::make_shared<RestoreArgs>();
  auto* denoise_command = add_restore_command(
      app, "denoise", "Remove Gaussian-like noise (blind, or --sigma for σ-conditioned models)",
      *denoise, global);
  denoise_command
      ->add_option("--sigma", denoise->restore.sigma,
                   "Known noise level on the 0..255 scale (σ-conditioned models)")
      ->check(CLI::Range(0.0, 255.0));

  auto upscale = std::make_shared<RestoreArgs>();
  upscale->restore.scale = 2;
  auto* upscale_command = add_restore_command(
      app, "upscale", "Super-resolve: upscale by 2, 3 or 4 with a residual network", *upscale,
      global);
  upscale_command->add_option("-s,--scale", upscale->restore.scale, "Upscaling factor")
      ->capture_default_str();
  upscale_command
      ->add_option("--burst", upscale->burst,
                   "Other shots of the input's scene (hand-held, a few pixels apart): burst super-resolution "
                   "of the input with the video model (default video-sr-x4, x4)")
      ->expected(1, 64);

  auto dejpeg = std::make_shared<RestoreArgs>();
  auto* dejpeg_command = add_restore_command(
      app, "dejpeg", "Remove JPEG compression artifacts (blind, or --quality)", *dejpeg, global);
  dejpeg_command
      ->add_option("--quality", dejpeg->restore.quality,
                   "Known JPEG quality 1..100 (quality-conditioned models)")
      ->check(CLI::Range(1, 100));

  auto real = std::make_shared<RestoreArgs>();
  real->restore.scale = 1;
  auto* restore_command = add_restore_command(
      app, "restore",
      "Restore a real photo: camera noise, mild blur and JPEG damage, blind (model 'real'; "
      "--scale 4 upscales with 'real-x4-gan', --strength 0..1 between it and 'real-x4')",
      *real, global);
  restore_command->add_option("-s,--scale", real->restore.scale, "Output scale: 1, 2 or 4")
      ->check(CLI::IsMember({1, 2, 4}))
      ->capture_default_str();
  restore_command
      ->add_option("--strength", real->restore.strength,
                   "0 = the PSNR-oriented model (faithful, smoother) .. 1 = its GAN fine-tune "
                   "(sharper, invented texture); needs a model with a strength control")
      ->check(CLI::Range(0.0, 1.0))
      ->default_str("the model as stored");

  auto deblur = std::make_shared<RestoreArgs>();
  auto* deblur_command = add_restore_command(
      app, "deblur",
      "Remove blur at the same size: blind (model 'deblur'), or with the known --kernel "
      "(model 'deblur-kernel')",
      *deblur, global);
  deblur_command
      ->add_option("--kernel", deblur->kernel,
                   "Blur kernel: a text matrix (rows of numbers, summing to 1) or an image")
      ->check(CLI::ExistingFile);
  deblur_command
      ->add_option("--sigma", deblur->restore.sigma,
                   "Noise level on the 0..255 scale, with --kernel")
      ->check(CLI::Range(0.0, 255.0))
      ->default_str("2.55");
  deblur_command->add_flag("--circular", deblur->restore.circular_blur,
                           "With --kernel: the blur wrapped around the borders (synthetic tests)");

  auto inpaint = std::make_shared<RestoreArgs>();
  auto* inpaint_command = add_restore_command(
      app, "inpaint",
      "Fill the missing parts of an image marked by a mask (white = missing); every other pixel "
      "is kept exactly",
      *inpaint, global);
  inpaint_command
      ->add_option("--mask", inpaint->mask,
                   "Mask image of the same size (white = missing), or for a folder input a "
                   "folder of masks with the same relative names")
      ->required()
      ->check(CLI::ExistingPath);

  auto runs = std::make_shared<std::vector<Run>>(
      std::vector<Run>{make_run(denoise_command, denoise, "denoise", global),
                       make_run(upscale_command, upscale, "super_resolution", global),
                       make_run(dejpeg_command, dejpeg, "dejpeg", global),
                       make_run(restore_command, real, "real", global),
                       make_run(deblur_command, deblur, "deblur", global),
                       make_run(inpaint_command, inpaint, "inpaint", global)});
  return [runs]() -> int {
    for (const auto& run : *runs)
      if (int code = run(); code >= 0) return code;
    return -1;
  };
}

}  // namespace restora::cli

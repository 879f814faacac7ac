// restora repair -i IN -o OUT [--save-mask M]: find the damage of old photos (scratches, dust,
// cracks, stains) and fill it (restora/repairer.h).
#include <fmt/format.h>

#include <memory>

#include "common.h"
#include "jobs.h"
#include "restora/repairer.h"
#include "restore_args.h"

namespace restora::cli {
namespace {

struct RepairArgs {
  RestoreArgs common;
  RepairOptions repair;
  std::string save_mask;  // a file, or a folder for a folder input
};

// Where the found mask of `job` goes: the --save-mask file (an existing folder: the output's
// name in it), or for a folder input the job's relative output name under the --save-mask
// folder; always PNG.
std::filesystem::path saved_mask_path(const Job& job, const RepairArgs& args, bool folder_input) {
  namespace fs = std::filesystem;
  const fs::path target = args.save_mask;
  if (!folder_input)
    return fs::is_directory(target) ? target / fs::path(job.output.filename()).replace_extension(".png") : target;
  return (target / fs::relative(job.output, args.common.output)).replace_extension(".png");
}

}  // namespace

Run add_repair_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<RepairArgs>();
  auto* command = add_restore_command(
      app, "repair",
      "Find scratches, dust, cracks and stains on old photos and fill them (detector 'repair', "
      "then the inpainting model); every undamaged pixel is kept exactly",
      args->common, global);
  command->add_option("--save-mask", args->save_mask,
                      "Write the damage found (white) to this image, or for a folder input this folder");
  command->add_option("--inpaint-model", args->repair.inpaint_model, "Inpainting model name or file")
      ->default_str("inpaint");
  command
      ->add_option("--threshold", args->common.restore.threshold,
                   "Probability above which a pixel counts as damaged (lower finds more)")
      ->check(CLI::Range(1e-6, 1 - 1e-6))
      ->default_str("the detector's own, chosen by its training");
  command->add_option("--grow", args->repair.grow, "Pixels the found damage is widened by before filling")
      ->check(CLI::Range(0, 16))
      ->capture_default_str();
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    auto& common = args->common;
    apply_memory_option(common);
    const auto jobs = plan_jobs(common.input, common.output, common.jobs);
    if (!common.reference.empty() && jobs.size() != 1)
      throw InvalidArgument("--reference needs a single input image");
    if (jobs.empty()) {
      info(global, fmt::format("no images in '{}'", common.input));
      return 0;
    }
    args->repair.detector = common.restore;
    Repairer repairer(args->repair);
    const auto task = tasks::find_task("inpaint");
    const bool folder_input = std::filesystem::is_directory(common.input);
    JobStages stages;
    stages.load = [](const Job& job) { return Payload{read_image(job.input, integer_reading), {}, {}}; };
    stages.process = [&](const Job&, const Payload& input, std::string& summary) {
      const Image& image = input.image;
      auto repaired = repairer.repair(image);
      const auto detector = repairer.detector_for(image.channels());
      const auto inpainter = repairer.inpainter_for(image.channels());
      summary = fmt::format("{}x{}, {:.2f} % found damaged, models {} + {} ({})", image.width(),
                            image.height(), 100.0 * cv::countNonZero(repaired.mask) / repaired.mask.total(),
                            detector.name, inpainter.name, inpainter.precision);
      if (!common.reference.empty())
        summary += ", " + compare_with_reference(image, repaired.image, common.reference, task);
      return Payload{repaired.image, {}, args->save_mask.empty() ? cv::Mat() : repaired.mask};
    };
    stages.save = [&](const Job& job, const Payload& repaired) {
      // The mask first: a failure there leaves no repaired image claiming to be done.
      if (!repaired.mask.empty()) {
        const auto path = saved_mask_path(job, *args, folder_input);
        std::filesystem::create_directories(path.parent_path().empty() ? "." : path.parent_path());
        write_image(image_from_u8(repaired.mask), path);
      }
      write_image(repaired.image, job.output);
    };
    return run_jobs(jobs, common.jobs, global, stages);
  };
}

}  // namespace restora::cli

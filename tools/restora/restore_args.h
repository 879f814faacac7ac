// What the image-restoring subcommands share: their arguments and common options, and the
// --reference comparison (restore_commands.cpp, repair_command.cpp).
#pragma once

#include <string>
#include <vector>

#include "commands.h"
#include "jobs.h"
#include "restora/restorer.h"
#include "tasks/task.h"

namespace restora::cli {

struct RestoreArgs {
  std::string input, output;
  std::string reference;
  std::string max_memory;
  std::string kernel;  // deblur: the kernel file
  std::string mask;    // inpaint: the mask file, or a folder of masks for a folder input
  std::vector<std::string> burst;  // upscale: more shots of the input's scene (burst SR)
  JobOptions jobs;
  RestoreOptions restore;
};

// Registers a restoring subcommand with the options every one has (-i, -o, -m, --tile,
// --max-memory, --threads, --device, --precision, --format, --overwrite, --reference).
CLI::App* add_restore_command(CLI::App& app, const std::string& name, const std::string& help,
                              RestoreArgs& args, GlobalOptions& global);

// "PSNR 31.02 dB (input 20.17 dB), SSIM 0.874": `output` against the --reference file, measured
// by the task's protocol on 8-bit values.
std::string compare_with_reference(const Image& input, const Image& output,
                                   const std::string& reference_path, tasks::Task task);

// upscale --burst: the input and the other shots through the recurrent video model, the input
// last, into one image (video_command.cpp).
int run_burst(const RestoreArgs& args, const GlobalOptions& global);

// Turns --max-memory into args.restore.max_memory.
void apply_memory_option(RestoreArgs& args);

}  // namespace restora::cli

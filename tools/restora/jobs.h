// File-or-folder processing shared by the image subcommands: plans input -> output pairs
// (output tree mirrors the input tree), skips existing outputs unless asked, reports results.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "commands.h"

namespace restora::cli {

struct Job {
  std::filesystem::path input, output;
  size_t index = 0;  // position in the plan: a stable per-image seed, whatever gets skipped
};

struct JobOptions {
  std::string format;      // output extension without dot; "" = png (tif for TIFF input)
  bool overwrite = false;
};

// IN may be a file or a folder (recursive). For a file, OUT is the output file, or a folder
// (existing, or ending in '/') that receives IN's stem with the output extension.
std::vector<Job> plan_jobs(const std::filesystem::path& input, const std::filesystem::path& output,
                           const JobOptions& options);

// Runs `work` on each job: creates output folders, skips existing outputs (unless overwrite),
// prints one line per image (or JSON), keeps going after a failing image.
// Returns the exit code: 0, or 1 if any image failed.
int run_jobs(const std::vector<Job>& jobs, const JobOptions& options, const GlobalOptions& global,
             const std::function<std::string(const Job&)>& work);

}  // namespace restora::cli

// File-or-folder processing shared by the image subcommands: plans input -> output pairs
// (output tree mirrors the input tree), skips existing outputs unless asked, reports results.
#pragma once

#include <filesystem>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "commands.h"
#include "restora/image.h"

namespace restora::cli {

struct Job {
  std::filesystem::path input, output;
  size_t index = 0;  // position in the plan: a stable per-image seed, whatever gets skipped
};

// The files a subcommand reads or writes: images, or the codec's .rci files.
enum class FileKind { image, compressed };

struct JobOptions {
  std::string format;      // image output extension without dot; "" = png (tif for TIFF input)
  bool overwrite = false;
  FileKind input = FileKind::image, output = FileKind::image;
};

// What travels between the stages: an image (and a mask), or the bytes of an .rci file.
struct Payload {
  Image image;
  std::vector<uint8_t> bytes;
  cv::Mat mask;  // repair: the damage found, saved beside the image with --save-mask
};

// IN may be a file or a folder (recursive). For a file, OUT is the output file, or a folder
// (existing, or ending in '/') that receives IN's stem with the output extension.
std::vector<Job> plan_jobs(const std::filesystem::path& input, const std::filesystem::path& output,
                           const JobOptions& options);

// What an image subcommand does with one job, in three stages. Over a folder they overlap like
// realesrgan-ncnn-vulkan's load:proc:save: the next image is decoded and the previous one
// encoded while the current one is processed. load and save run on their own threads.
struct JobStages {
  std::function<Payload(const Job&)> load;
  // -> the output; `summary` receives the report line's details ("640x480 -> ...").
  std::function<Payload(const Job&, const Payload& input, std::string& summary)> process;
  std::function<void(const Job&, const Payload& output)> save;
};

// Runs the stages on each job: skips existing outputs (unless overwrite), creates output
// folders, prints one line per image in plan order (or JSON), keeps going after a failing image
// (a single job's error is thrown). At most two images wait between two stages, so memory stays
// bounded. Returns the exit code: 0, or 1 if any image failed.
int run_jobs(const std::vector<Job>& jobs, const JobOptions& options, const GlobalOptions& global,
             const JobStages& stages);

}  // namespace restora::cli

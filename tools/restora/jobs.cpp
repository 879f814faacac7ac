#include "jobs.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

#include "common.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::cli {
namespace fs = std::filesystem;

namespace {

// TIFF inputs give TIFF outputs, so float (and 16-bit) samples keep their depth.
std::string output_extension(const fs::path& input, const JobOptions& options) {
  if (!options.format.empty()) return "." + options.format;
  return is_tiff_path(input) ? ".tif" : ".png";
}

}  // namespace

std::vector<Job> plan_jobs(const fs::path& input, const fs::path& output,
                           const JobOptions& options) {
  std::error_code error;
  if (!options.format.empty() && !is_image_path("x." + options.format))
    throw InvalidArgument(fmt::format("unknown output format '{}'; use png, jpg, bmp, tif or webp",
                                      options.format));
  if (output.empty()) throw InvalidArgument("the output path is empty");
  if (!fs::exists(input, error))
    throw FileError(fmt::format("cannot read '{}': no such file or folder", input.string()));
  std::vector<Job> jobs;
  if (fs::is_directory(input, error)) {
    if (fs::exists(output, error) && !fs::is_directory(output, error))
      throw InvalidArgument(fmt::format("output '{}' must be a folder when the input is a folder",
                                        output.string()));
    for (const auto& file : list_images(input)) {
      auto relative = fs::relative(file, input);
      relative.replace_extension(output_extension(file, options));
      jobs.push_back({file, output / relative, jobs.size()});
    }
    return jobs;
  }
  fs::path target = output;
  const bool folder_target = fs::is_directory(output, error) || output.string().back() == '/';
  if (folder_target)
    target = output / input.stem().concat(output_extension(input, options));
  else if (!options.format.empty())
    target.replace_extension("." + options.format);
  if (!is_image_path(target))
    throw InvalidArgument(fmt::format("output '{}' has no known image extension", target.string()));
  if (fs::exists(target, error) && fs::equivalent(input, target, error))
    throw InvalidArgument(fmt::format("output '{}' would overwrite the input", target.string()));
  jobs.push_back({input, target, 0});
  return jobs;
}

int run_jobs(const std::vector<Job>& jobs, const JobOptions& options, const GlobalOptions& global,
             const std::function<std::string(const Job&)>& work) {
  int failures = 0, done = 0, skipped = 0;
  auto results = nlohmann::json::array();
  for (const auto& job : jobs) {
    std::error_code error;
    nlohmann::json result = {{"input", job.input.string()}, {"output", job.output.string()}};
    if (!options.overwrite && fs::exists(job.output, error)) {
      ++skipped;
      if (!global.quiet && !global.json)
        fmt::print(stderr, "skip {} (exists; --overwrite replaces it)\n", job.output.string());
      result["status"] = "skipped";
      results.push_back(result);
      continue;
    }
    const auto start = std::chrono::steady_clock::now();
    try {
      if (job.output.has_parent_path()) {
        fs::create_directories(job.output.parent_path(), error);
        if (error)
          throw FileError(fmt::format("cannot create folder '{}': {}",
                                      job.output.parent_path().string(), error.message()));
      }
      const auto summary = work(job);
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      ++done;
      if (!global.quiet && !global.json)
        fmt::print("{} -> {} ({}, {:.2f} s)\n", job.input.string(), job.output.string(), summary,
                   seconds);
      result["status"] = "done";
      result["seconds"] = std::round(seconds * 1000) / 1000;
      result["summary"] = summary;
    } catch (const std::exception& failure) {  // one bad image does not stop a folder
      if (jobs.size() == 1) throw;
      ++failures;
      fmt::print(stderr, "restora: error: {}\n", error_line(failure));
      result.erase("output");
      result["status"] = "failed";
      result["error"] = error_line(failure);
    }
    results.push_back(result);
  }
  if (global.json) fmt::print("{}\n", results.dump(1));
  if (jobs.size() > 1 && !global.quiet && !global.json)
    fmt::print(stderr, "{} done, {} skipped, {} failed\n", done, skipped, failures);
  return failures ? 1 : 0;
}

}  // namespace restora::cli

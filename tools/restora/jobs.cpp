#include "jobs.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

#include "common.h"
#include "fileio/file_io.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::cli {
namespace fs = std::filesystem;

namespace {

constexpr const char* compressed_extension = ".rci";

bool is_kind(FileKind kind, const fs::path& path) {
  return kind == FileKind::image ? is_image_path(path) : path.extension() == compressed_extension;
}

// TIFF inputs give TIFF outputs, so float (and 16-bit) samples keep their depth.
std::string output_extension(const fs::path& input, const JobOptions& options) {
  if (options.output == FileKind::compressed) return compressed_extension;
  if (!options.format.empty()) return "." + options.format;
  return is_tiff_path(input) ? ".tif" : ".png";
}

}  // namespace

std::vector<Job> plan_jobs(const fs::path& input, const fs::path& output,
                           const JobOptions& options) {
  std::error_code error;
  if (options.output == FileKind::image && !options.format.empty() &&
      !is_image_path("x." + options.format))
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
    const auto wanted = [&](const fs::path& path) { return is_kind(options.input, path); };
    const char* what = options.input == FileKind::image ? "images" : ".rci files";
    for (const auto& file : fileio::list_files(input, wanted, what)) {
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
  else if (options.output == FileKind::image && !options.format.empty())
    target.replace_extension("." + options.format);
  if (!is_kind(options.output, target))
    throw InvalidArgument(options.output == FileKind::image
                              ? fmt::format("output '{}' has no known image extension", target.string())
                              : fmt::format("output '{}' must end in .rci", target.string()));
  if (fs::exists(target, error) && fs::equivalent(input, target, error))
    throw InvalidArgument(fmt::format("output '{}' would overwrite the input", target.string()));
  jobs.push_back({input, target, 0});
  return jobs;
}

namespace {

// A blocking queue of at most `capacity` items between two pipeline stages.
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}

  void push(T item) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return items_.size() < capacity_; });
    items_.push_back(std::move(item));
    not_empty_.notify_one();
  }
  // Blocks until an item arrives; nullopt once closed and drained.
  std::optional<T> pop() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return !items_.empty() || closed_; });
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }
  void close() {
    std::lock_guard lock(mutex_);
    closed_ = true;
    not_empty_.notify_all();
  }

 private:
  size_t capacity_;
  std::deque<T> items_;
  bool closed_ = false;
  std::mutex mutex_;
  std::condition_variable not_full_, not_empty_;
};

// One job travelling through the stages; the first failing stage leaves its error.
struct InFlight {
  const Job* job = nullptr;
  Payload payload;
  std::string summary;
  std::exception_ptr error;
  double seconds = 0.0;  // time spent in the stages, waits excluded
};

template <typename Stage>
void run_stage(InFlight& item, Stage&& stage) {
  if (item.error) return;
  const auto start = std::chrono::steady_clock::now();
  try {
    stage();
  } catch (...) {
    item.error = std::current_exception();
    item.payload = {};
  }
  item.seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The one-line message of a stage's failure (anything thrown, not only std::exception: the
// saver thread must never let an exception escape).
std::string error_line(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& failure) {
    return cli::error_line(failure);
  } catch (...) {
    return "unknown error";
  }
}

void create_parent_folder(const fs::path& output) {
  if (!output.has_parent_path()) return;
  std::error_code error;
  fs::create_directories(output.parent_path(), error);
  if (error)
    throw FileError(fmt::format("cannot create folder '{}': {}", output.parent_path().string(),
                                error.message()));
}

}  // namespace

int run_jobs(const std::vector<Job>& jobs, const JobOptions& options, const GlobalOptions& global,
             const JobStages& stages) {
  const bool lines = !global.quiet && !global.json;
  std::vector<nlohmann::json> results(jobs.size());
  std::vector<const Job*> runnable;
  int skipped = 0;
  for (const auto& job : jobs) {
    std::error_code error;
    results[job.index] = {{"input", job.input.string()}, {"output", job.output.string()}};
    if (!options.overwrite && fs::exists(job.output, error)) {
      ++skipped;
      if (lines) fmt::print(stderr, "skip {} (exists; --overwrite replaces it)\n", job.output.string());
      results[job.index]["status"] = "skipped";
      continue;
    }
    runnable.push_back(&job);
  }

  BoundedQueue<InFlight> loaded(2), processed(2);
  std::thread loader([&] {
    for (const Job* job : runnable) {
      InFlight item;
      item.job = job;
      run_stage(item, [&] { item.payload = stages.load(*job); });
      loaded.push(std::move(item));
    }
    loaded.close();
  });
  int failures = 0, done = 0;
  std::exception_ptr single_error;
  std::thread saver([&] {
    while (auto item = processed.pop()) {
      const Job& job = *item->job;
      run_stage(*item, [&] {
        create_parent_folder(job.output);
        stages.save(job, item->payload);
      });
      auto& result = results[job.index];
      if (item->error) {
        ++failures;
        if (jobs.size() == 1) {
          single_error = item->error;
          continue;
        }
        auto line = error_line(item->error);
        // Which file of the folder failed, unless the message names it already.
        if (line.find(job.input.string()) == std::string::npos)
          line = fmt::format("{}: {}", job.input.string(), line);
        fmt::print(stderr, "restora: error: {}\n", line);
        result.erase("output");
        result["status"] = "failed";
        result["error"] = line;
        continue;
      }
      ++done;
      if (lines)
        fmt::print("{} -> {} ({}, {:.2f} s)\n", job.input.string(), job.output.string(),
                   item->summary, item->seconds);
      result["status"] = "done";
      result["seconds"] = std::round(item->seconds * 1000) / 1000;
      result["summary"] = item->summary;
    }
  });
  while (auto item = loaded.pop()) {
    run_stage(*item, [&] {
      Payload input = std::move(item->payload);
      item->payload = stages.process(*item->job, input, item->summary);
    });
    processed.push(std::move(*item));
  }
  processed.close();
  loader.join();
  saver.join();
  if (single_error) std::rethrow_exception(single_error);

  if (global.json) fmt::print("{}\n", nlohmann::json(results).dump(1));
  if (jobs.size() > 1 && lines)
    fmt::print(stderr, "{} done, {} skipped, {} failed\n", done, skipped, failures);
  return failures ? 1 : 0;
}

}  // namespace restora::cli

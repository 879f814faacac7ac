#include "server/job_queue.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <random>

#include "restora/image_io.h"
#include "restora/repairer.h"
#include "restore/tensor_memory.h"
#include "restore/runtime.h"

namespace restora::server {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

const char* state_name(JobState state) {
  switch (state) {
    case JobState::queued:
      return "queued";
    case JobState::running:
      return "running";
    case JobState::done:
      return "done";
    case JobState::failed:
      return "failed";
    case JobState::cancelled:
      return "cancelled";
  }
  return "unknown";
}

struct JobQueue::Job {
  JobStatus status;
  JobInput input;
  std::atomic<bool> cancel{false};
  Clock::time_point finished;
  fs::path folder;
};

namespace {

std::string new_id(std::uint64_t counter) {
  static std::mutex guard;
  static std::mt19937_64 random{std::random_device{}()};
  std::lock_guard<std::mutex> lock(guard);
  return fmt::format("{:012x}{:04x}", random() & 0xFFFFFFFFFFFFull, counter & 0xFFFF);
}

bool finished(JobState state) {
  return state == JobState::done || state == JobState::failed || state == JobState::cancelled;
}

// "photo.jpg" -> "photo-denoise.png": the result's name in the equivalent command line.
std::string output_name(const std::string& input, const std::string& command) {
  fs::path path(input);
  path.replace_filename(path.stem().string() + "-" + command + ".png");
  return path.string();
}

}  // namespace

JobQueue::JobQueue(JobLimits limits, fs::path folder) : limits_(limits), folder_(std::move(folder)) {
  if (limits_.workers < 1) throw InvalidArgument("the server needs at least one worker");
  if (limits_.max_queued < 0) throw InvalidArgument("the queue length must be >= 0");
  if (limits_.threads_per_job <= 0)
    limits_.threads_per_job = std::max(1, available_cores() / limits_.workers);
  if (limits_.memory_per_job == 0) {  // a quarter of the machine (1 GiB if unknown), shared
    const auto physical = tensor_memory::physical_memory();
    limits_.memory_per_job = (physical ? physical / 4 : std::uint64_t{1} << 30) / limits_.workers;
  }
  fs::create_directories(folder_);
  for (int index = 0; index < limits_.workers; ++index) workers_.emplace_back([this] { work(); });
}

void JobQueue::close() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    closing_ = true;
    for (auto& [id, job] : jobs_) job->cancel = true;
  }
  wake_.notify_all();
  changed_.notify_all();
}

bool JobQueue::closing() {
  std::lock_guard<std::mutex> lock(mutex_);
  return closing_;
}

JobQueue::~JobQueue() {
  close();
  for (auto& worker : workers_) worker.join();
  std::error_code ignored;
  fs::remove_all(folder_, ignored);
}

std::string JobQueue::submit(JobInput input) {
  auto job = std::make_shared<Job>();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    expire_locked();
    if (static_cast<int>(waiting_.size()) >= limits_.max_queued)
      throw QueueFull(fmt::format("{} jobs are already waiting; try again when one has finished",
                                  waiting_.size()));
    job->status.id = new_id(++counter_);
    job->status.width = input.image.width();
    job->status.height = input.image.height();
    job->status.output_name = output_name(input.input_name, input.operation->command);
    job->status.command = command_line(*input.operation, input.parameters, input.input_name,
                                       job->status.output_name, input.mask_name);
    job->folder = folder_ / job->status.id;
    job->input = std::move(input);
    jobs_[job->status.id] = job;
    waiting_.push_back(job);
  }
  wake_.notify_one();
  return job->status.id;
}

std::optional<JobStatus> JobQueue::status(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  expire_locked();
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  return found->second->status;
}

std::optional<JobStatus> JobQueue::wait_for_change(const std::string& id, std::uint64_t seen,
                                                   std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return std::nullopt;
  auto job = found->second;
  changed_.wait_for(lock, timeout, [&] {
    return closing_ || job->status.version != seen || finished(job->status.state);
  });
  return job->status;
}

bool JobQueue::cancel(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end()) return false;
  auto& job = *found->second;
  job.cancel = true;
  if (job.status.state == JobState::queued) {
    waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), found->second), waiting_.end());
    job.status.state = JobState::cancelled;
    job.status.error = "cancelled";
    job.finished = Clock::now();
    ++job.status.version;
    changed_.notify_all();
  }
  return true;
}

fs::path JobQueue::result_file(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end() || found->second->status.state != JobState::done) return {};
  return found->second->folder / "result.png";
}

fs::path JobQueue::mask_file(const std::string& id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = jobs_.find(id);
  if (found == jobs_.end() || !found->second->status.has_mask) return {};
  return found->second->folder / "mask.png";
}

int JobQueue::running() {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(std::count_if(jobs_.begin(), jobs_.end(), [](const auto& entry) {
    return entry.second->status.state == JobState::running;
  }));
}

int JobQueue::queued() {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(waiting_.size());
}

void JobQueue::expire_locked() {
  const auto now = Clock::now();
  const auto keep = std::chrono::duration<double>(limits_.keep_s);
  for (auto entry = jobs_.begin(); entry != jobs_.end();) {
    const auto& job = *entry->second;
    if (finished(job.status.state) && now - job.finished > keep) {
      std::error_code ignored;
      fs::remove_all(job.folder, ignored);
      entry = jobs_.erase(entry);
    } else {
      ++entry;
    }
  }
}

void JobQueue::work() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      // Wakes at least once a second so that expired results go even when nobody asks.
      wake_.wait_for(lock, std::chrono::seconds(1), [&] { return closing_ || !waiting_.empty(); });
      expire_locked();
      if (closing_) return;
      if (waiting_.empty()) continue;
      job = waiting_.front();
      waiting_.pop_front();
      job->status.state = JobState::running;
      ++job->status.version;
    }
    changed_.notify_all();
    run(*job);
  }
}

void JobQueue::run(Job& job) {
  const auto started = Clock::now();
  const auto deadline = started + std::chrono::duration_cast<Clock::duration>(
                                      std::chrono::duration<double>(limits_.time_limit_s));
  const auto& operation = *job.input.operation;
  auto progress = [&](double fraction) {
    if (job.cancel) throw Cancelled("cancelled");
    if (Clock::now() > deadline)
      throw Cancelled(fmt::format("stopped after the {} s time limit", limits_.time_limit_s));
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job.status.progress = std::max(job.status.progress, std::min(1.0, fraction));
      ++job.status.version;
    }
    changed_.notify_all();
  };
  JobState state = JobState::done;
  std::string error, model;
  Image result;
  cv::Mat mask;
  try {
    fs::create_directories(job.folder);
    if (operation.finds_damage) {
      auto options = repair_options(operation, job.input.parameters);
      options.detector.threads = limits_.threads_per_job;
      options.detector.max_memory = limits_.memory_per_job;
      options.detector.progress = progress;
      Repairer repairer(options);
      const auto detector = repairer.detector_for(job.input.image.channels());
      const auto inpainter = repairer.inpainter_for(job.input.image.channels());
      model = fmt::format("{} ({}) + {} ({})", detector.name, detector.precision, inpainter.name,
                          inpainter.precision);
      auto repaired = repairer.repair(job.input.image);
      result = std::move(repaired.image);
      mask = repaired.mask;
    } else {
      auto options = restore_options(operation, job.input.parameters);
      options.threads = limits_.threads_per_job;
      options.max_memory = limits_.memory_per_job;
      options.progress = progress;
      Restorer restorer(operation.task, options);
      const auto summary = restorer.model_for(job.input.image.channels());
      model = fmt::format("{} ({})", summary.name, summary.precision);
      result = operation.needs_mask ? restorer.restore(job.input.image, job.input.mask)
                                    : restorer.restore(job.input.image);
    }
    write_image(result, job.folder / "result.png");
    if (!mask.empty()) {
      Image mask_image;
      mask_image.pixels = mask;
      mask_image.bit_depth = 8;
      write_image(mask_image, job.folder / "mask.png");
    }
  } catch (const Cancelled& stopped) {
    state = JobState::cancelled;
    error = stopped.what();
  } catch (const std::exception& failure) {
    state = JobState::failed;
    error = failure.what();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    job.status.state = state;
    job.status.error = error;
    job.status.model = model;
    job.status.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    if (state == JobState::done) {
      job.status.progress = 1;
      job.status.out_width = result.width();
      job.status.out_height = result.height();
      job.status.has_mask = !mask.empty();
    }
    job.finished = Clock::now();
    job.input.image = Image();  // the pixels are no longer needed
    job.input.mask.release();
    ++job.status.version;
  }
  changed_.notify_all();
}

}  // namespace restora::server

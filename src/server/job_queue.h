// The server's jobs: a bounded queue, a fixed number of workers, each job with its own compute
// threads, tensor memory budget, time limit and progress, its result written under a folder
// that is removed when the job expires or the queue closes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "restora/image.h"
#include "server/operations.h"

namespace restora::server {

// Thrown by submit() when max_queued jobs already wait (HTTP 429).
class QueueFull : public Error {
 public:
  using Error::Error;
};

struct JobLimits {
  int workers = 1;              // jobs running at once
  int max_queued = 16;          // jobs waiting for a worker, beyond those running
  double time_limit_s = 600;    // a running job is stopped after this (checked between tiles)
  int threads_per_job = 0;      // compute threads of each job; 0 = the cores / workers
  std::uint64_t memory_per_job = 0;  // tensor bytes of each job; 0 = a quarter of RAM / workers
  double keep_s = 3600;         // finished jobs and their files are removed after this
};

enum class JobState { queued, running, done, failed, cancelled };
const char* state_name(JobState state);

struct JobInput {
  const Operation* operation = nullptr;
  Parameters parameters;
  Image image;
  cv::Mat mask;                 // inpaint: gray, white = missing
  std::string input_name;       // the file's name (upload) or its path under the root
  std::string mask_name;        // inpaint: the mask's name
};

struct JobStatus {
  std::string id, command, error;
  JobState state = JobState::queued;
  double progress = 0;          // 0..1 while running
  int width = 0, height = 0;    // the input
  int out_width = 0, out_height = 0;
  std::string model;            // what ran: "denoise-color (bf16)"
  double seconds = 0;           // running time
  bool has_mask = false;        // repair: the mask of what was found and filled
  std::uint64_t version = 0;    // grows with every change
  std::string output_name;      // the result's file name in the command line
};

class JobQueue {
 public:
  // Results go to `folder` (created; removed with everything in it by the destructor).
  JobQueue(JobLimits limits, std::filesystem::path folder);
  ~JobQueue();  // cancels what runs, drops what waits, joins the workers
  JobQueue(const JobQueue&) = delete;
  JobQueue& operator=(const JobQueue&) = delete;

  // -> the job's id. QueueFull when max_queued jobs wait.
  std::string submit(JobInput input);
  std::optional<JobStatus> status(const std::string& id);
  // Waits until the job changes (its version passes `seen`), it finishes, or `timeout` passes.
  std::optional<JobStatus> wait_for_change(const std::string& id, std::uint64_t seen,
                                           std::chrono::milliseconds timeout);
  // Stops a queued or running job (a running one at its next tile); false for an unknown id.
  bool cancel(const std::string& id);
  // Files of a finished job ("" when it has none): result.png, mask.png.
  std::filesystem::path result_file(const std::string& id);
  std::filesystem::path mask_file(const std::string& id);

  // Stops taking and running jobs: running ones are cancelled at their next tile, waiters
  // (event streams) are woken and see closing() true. The destructor still joins.
  void close();
  bool closing();

  int running();
  int queued();
  const JobLimits& limits() const { return limits_; }

 private:
  struct Job;
  void work();
  void run(Job& job);
  void expire_locked();

  JobLimits limits_;
  std::filesystem::path folder_;
  std::mutex mutex_;
  std::condition_variable wake_, changed_;
  std::map<std::string, std::shared_ptr<Job>> jobs_;
  std::deque<std::shared_ptr<Job>> waiting_;
  std::vector<std::thread> workers_;
  bool closing_ = false;
  std::uint64_t counter_ = 0;
};

}  // namespace restora::server

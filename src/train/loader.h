// Prepares batches on background threads, ahead of the training step, in step order.
#pragma once

#include <condition_variable>
#include <exception>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "train/dataset.h"

namespace restora::train {

class BatchLoader {
 public:
  // Makes batches (this shard's part of each, PatchSource::make_batch) for steps first_step,
  // first_step+1, ... with `threads` workers keeping at most `prefetch` batches ready.
  BatchLoader(const PatchSource& source, int64_t first_step, int threads, int prefetch,
              int shard = 0, int shards = 1);
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // The next batch in step order; rethrows a worker's exception.
  Batch next();

 private:
  void work();

  const PatchSource& source_;
  const int prefetch_;
  const int shard_, shards_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<int64_t, Batch> ready_;
  int64_t next_to_make_;
  int64_t next_to_take_;
  bool stopping_ = false;
  std::exception_ptr failure_;
  std::vector<std::thread> workers_;
};

}  // namespace restora::train

#include "train/loader.h"

#include <opencv2/core.hpp>

namespace restora::train {

BatchLoader::BatchLoader(const PatchSource& source, int64_t first_step, int threads,
                         int prefetch, int shard, int shards)
    : source_(source),
      prefetch_(prefetch),
      shard_(shard),
      shards_(shards),
      next_to_make_(first_step),
      next_to_take_(first_step) {
  for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

BatchLoader::~BatchLoader() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  for (auto& worker : workers_) worker.join();
}

void BatchLoader::work() {
  while (true) {
    int64_t step;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || next_to_make_ < next_to_take_ + prefetch_; });
      if (stopping_) return;
      step = next_to_make_++;
    }
    try {
      auto batch = source_.make_batch(step, shard_, shards_);
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.emplace(step, std::move(batch));
    } catch (...) {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!failure_) failure_ = std::current_exception();
    }
    changed_.notify_all();
  }
}

Batch BatchLoader::next() {
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait(lock, [&] { return failure_ || ready_.count(next_to_take_); });
  if (failure_) std::rethrow_exception(failure_);
  auto node = ready_.extract(next_to_take_);
  ++next_to_take_;
  lock.unlock();
  changed_.notify_all();
  return std::move(node.mapped());
}

}  // namespace restora::train

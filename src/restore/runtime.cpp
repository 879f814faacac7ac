#include "restore/runtime.h"

#include <fmt/format.h>
#include <sched.h>
#include <torch/torch.h>

#include <thread>

#include "restora/errors.h"

namespace restora {

torch::Device parse_device(const std::string& name) {
  if (name == "cpu") return torch::kCPU;
  if (name.rfind("cuda", 0) == 0) {
    if (!torch::cuda::is_available())
      throw InvalidArgument(
          fmt::format("device '{}' requested but this LibTorch has no usable CUDA", name));
    return torch::Device(name);
  }
  throw InvalidArgument(fmt::format("unknown device '{}'; use cpu or cuda", name));
}

int available_cores() {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

void set_compute_threads(int threads) {
  if (threads < 0) throw InvalidArgument(fmt::format("threads {} must be >= 0", threads));
  // OpenMP keeps the count per thread, but LibTorch's first parallel call on a thread resets it
  // to the count last set on any thread: that happens first, so this thread keeps its own.
  torch::get_num_threads();
  torch::set_num_threads(threads > 0 ? threads : available_cores());
}

}  // namespace restora

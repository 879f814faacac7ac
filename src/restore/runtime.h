// Process-wide compute settings: device selection and thread counts.
#pragma once

#include <torch/types.h>

#include <string>

namespace restora {

// "cpu" or "cuda" / "cuda:N"; cuda without a CUDA build of LibTorch -> InvalidArgument.
torch::Device parse_device(const std::string& name);

// threads <= 0: every core this process may use. Sets LibTorch's intra-op threads of the
// calling thread (OpenMP keeps them per thread: concurrent jobs each have their own count).
void set_compute_threads(int threads);

// Cores available to this process (sched affinity).
int available_cores();

}  // namespace restora

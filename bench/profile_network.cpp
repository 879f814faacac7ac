// Where one shipped network's inference time goes, operator by operator: the real engine
// (run_tiled on one n×n tile, as bench_networks' Network/* rows) under LibTorch's profiler.
//   build/bench/profile_network <model> [--scale S] [--size N] [--precision fp32|bf16]
//                               [--threads T] [--runs R]
// Prints each operator's self time (time not spent in operators it called) per run and its
// share of the profiled total, largest first. bench/torch_reference.py infer --profile prints
// the same table for PyTorch-Python running the identical network.
#include <fmt/format.h>
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "nn/precision.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora {
namespace {

namespace profiler = torch::autograd::profiler;

struct OperatorTime {
  double self_us = 0;
  int64_t calls = 0;
};

// Self time per operator name from the profiler's push/pop events, thread by thread: an
// operator's elapsed time minus that of the operators it called.
std::map<std::string, OperatorTime> self_times(const profiler::thread_event_lists& threads) {
  std::map<std::string, OperatorTime> times;
  for (const auto& events : threads) {
    struct Open {
      const profiler::LegacyEvent* push;
      double children_us;
    };
    std::vector<Open> stack;
    for (const auto& event : events) {
      if (event.kind() == profiler::EventKind::PushRange) {
        stack.push_back({&event, 0.0});
      } else if (event.kind() == profiler::EventKind::PopRange && !stack.empty()) {
        const Open open = stack.back();
        stack.pop_back();
        const double elapsed = open.push->cpuElapsedUs(event);
        auto& time = times[open.push->name()];
        time.self_us += elapsed - open.children_us;
        time.calls += 1;
        if (!stack.empty()) stack.back().children_us += elapsed;
      }
    }
  }
  return times;
}

int run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: profile_network <model> [--scale S] [--size N] [--precision P] "
                 "[--threads T] [--runs R]\n";
    return 2;
  }
  const std::string model_name = argv[1];
  int scale = 0, size = 256, threads = 0, runs = 20;
  std::string precision_name = "bf16";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--scale") scale = std::stoi(value);
    else if (flag == "--size") size = std::stoi(value);
    else if (flag == "--precision") precision_name = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--runs") runs = std::stoi(value);
    else {
      std::cerr << "profile_network: unknown option " << flag << "\n";
      return 2;
    }
  }
  set_compute_threads(threads);
  auto model = load_model(resolve_model(model_name));
  nn::to_channels_last(*model.network);
  if (scale == 0) scale = model.meta.scales.front();

  const auto traits = model.network->traits();
  cv::Mat lq(size, size, CV_32FC(traits.channels));
  cv::randu(lq, 0.0, 1.0);
  EngineOptions options;
  options.tile = size;  // one tile, as bench_networks' Network/* rows
  options.precision = nn::parse_precision(precision_name);
  const auto infer = [&] { return run_tiled(*model.network, lq, 0.1f, scale, options); };
  for (int i = 0; i < 3; ++i) infer();  // oneDNN's kernels are built on first use

  const auto mean_ms = [&](const auto& work) {
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < runs; ++i) work();
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
               .count() /
           runs;
  };
  const double engine_ms = mean_ms(infer);
  // The network alone on a ready tensor: what the engine adds is converting the tile in and out.
  archs::NetworkInput input;
  input.scale = scale;
  input.lq = nn::channels_last(torch::rand({1, traits.channels, size, size}));
  if (traits.uses_condition)
    input.condition = nn::channels_last(torch::full({1, 1, size, size}, 0.1f));
  const double network_ms = mean_ms([&] {
    torch::InferenceMode inference;
    nn::AutocastScope autocast(options.precision, torch::kCPU);
    return model.network->forward(input);
  });

  profiler::enableProfilerLegacy(profiler::ProfilerConfig(profiler::ProfilerState::CPU));
  for (int i = 0; i < runs; ++i) infer();
  const auto times = self_times(profiler::disableProfilerLegacy());

  std::vector<std::pair<std::string, OperatorTime>> rows(times.begin(), times.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
  double total_us = 0;
  for (const auto& row : rows) total_us += row.second.self_us;
  const double output_mp = static_cast<double>(size) * size * scale * scale / 1e6;
  fmt::print("{} x{} {}² {} on {} threads, means of {} runs:\n"
             "- engine (run_tiled, image in and out): {:.2f} ms, {:.1f} ms per output MP\n"
             "- network forward alone: {:.2f} ms, {:.1f} ms per output MP\n"
             "- operators' self time under the profiler (engine): {:.2f} ms\n\n",
             model_name, scale, size, precision_name, torch::get_num_threads(), runs, engine_ms,
             engine_ms / output_mp, network_ms, network_ms / output_mp, total_us / 1e3 / runs);
  fmt::print("| operator | calls per run | self ms per run | share |\n|---|---|---|---|\n");
  for (const auto& [name, time] : rows) {
    if (time.self_us / total_us < 0.002) continue;
    fmt::print("| {} | {} | {:.3f} | {:.1f}% |\n", name, time.calls / runs,
               time.self_us / 1e3 / runs, 100.0 * time.self_us / total_us);
  }
  return 0;
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  try {
    return restora::run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << "profile_network: " << error.what() << "\n";
    return 1;
  }
}

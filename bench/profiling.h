// What bench/profile_network and bench/profile_codec share: mean times, LibTorch's profiler
// summarised per operator (each operator's self time, time not spent in operators it called,
// largest first), and their main().
#pragma once

#include <fmt/format.h>
#include <torch/csrc/autograd/profiler_legacy.h>

#include <algorithm>
#include <chrono>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace restora::bench {

// Mean milliseconds of `runs` calls of `work`.
template <typename Work>
double mean_ms(Work&& work, int runs) {
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < runs; ++i) work();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
             .count() /
         runs;
}

struct OperatorTime {
  double self_us = 0;
  int64_t calls = 0;
};

using OperatorTimes = std::vector<std::pair<std::string, OperatorTime>>;

// Runs `work` `runs` times under the profiler -> self time per operator name, largest first,
// from the push/pop events thread by thread: an operator's elapsed time minus that of the
// operators it called.
template <typename Work>
OperatorTimes profile_operators(Work&& work, int runs) {
  namespace profiler = torch::autograd::profiler;
  profiler::enableProfilerLegacy(profiler::ProfilerConfig(profiler::ProfilerState::CPU));
  for (int i = 0; i < runs; ++i) work();
  const auto threads = profiler::disableProfilerLegacy();
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
  OperatorTimes rows(times.begin(), times.end());
  std::sort(rows.begin(), rows.end(),
            [](const auto& a, const auto& b) { return a.second.self_us > b.second.self_us; });
  return rows;
}

inline double total_ms(const OperatorTimes& rows, int runs) {
  double total_us = 0;
  for (const auto& row : rows) total_us += row.second.self_us;
  return total_us / 1e3 / runs;
}

// A Markdown table of the operators above 0.2 % of the total, per run.
inline void print_operator_table(const OperatorTimes& rows, int runs) {
  const double total = total_ms(rows, runs);
  fmt::print("| operator | calls per run | self ms per run | share |\n|---|---|---|---|\n");
  for (const auto& [name, time] : rows) {
    const double ms = time.self_us / 1e3 / runs;
    if (ms / total < 0.002) continue;
    fmt::print("| {} | {} | {:.3f} | {:.1f}% |\n", name, time.calls / runs, ms, 100.0 * ms / total);
  }
}

// `run(argc, argv)`'s exit code, or 1 with its error on one line after the tool's name.
template <typename Run>
int guarded_main(const char* tool, Run&& run, int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& error) {
    std::cerr << tool << ": " << error.what() << "\n";
    return 1;
  }
}

}  // namespace restora::bench

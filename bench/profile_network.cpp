// Where one shipped network's inference time goes, operator by operator: the real engine
// (run_tiled on one n×n tile, as bench_networks' Network/* rows) under LibTorch's profiler.
//   build/bench/profile_network <model> [--scale S] [--size N] [--precision fp32|bf16]
//                               [--threads T] [--runs R]
// Prints each operator's self time (time not spent in operators it called) per run and its
// share of the profiled total, largest first. bench/torch_reference.py infer --profile prints
// the same table for PyTorch-Python running the identical network.
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <iostream>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "nn/precision.h"
#include "profiling.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora {
namespace {

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
  const auto precision = nn::parse_precision(precision_name);
  const auto layout = nn::preferred_layout(precision, torch::kCPU);  // as the engine's
  nn::to_layout(*model.network, layout);
  if (scale == 0) scale = model.meta.scales.front();

  const auto traits = model.network->traits();
  cv::Mat lq(size, size, CV_32FC(traits.channels));
  cv::randu(lq, 0.0, 1.0);
  EngineOptions options;
  options.tile = size;  // one tile, as bench_networks' Network/* rows
  options.precision = precision;
  const ConditionMaps maps(static_cast<size_t>(traits.condition_channels), {"level", {}, 0.1f});
  const auto infer = [&] { return run_tiled(*model.network, lq, maps, scale, options); };
  for (int i = 0; i < 3; ++i) infer();  // oneDNN's kernels are built on first use

  const double engine_ms = bench::mean_ms(infer, runs);
  // The network alone on a ready tensor: what the engine adds is converting the tile in and out.
  archs::NetworkInput input;
  input.scale = scale;
  input.lq = nn::in_layout(torch::rand({1, traits.channels, size, size}), layout);
  if (traits.condition_channels)
    input.condition =
        nn::in_layout(torch::full({1, traits.condition_channels, size, size}, 0.1f), layout);
  const double network_ms = bench::mean_ms(
      [&] {
        torch::InferenceMode inference;
        nn::AutocastScope autocast(options.precision, torch::kCPU);
        return model.network->forward(input);
      },
      runs);

  const auto rows = bench::profile_operators(infer, runs);
  const double output_mp = static_cast<double>(size) * size * scale * scale / 1e6;
  fmt::print(
      "{} x{} {}² {} on {} threads, means of {} runs:\n"
      "- engine (run_tiled, image in and out): {:.2f} ms, {:.1f} ms per output MP\n"
      "- network forward alone: {:.2f} ms, {:.1f} ms per output MP\n"
      "- operators' self time under the profiler (engine): {:.2f} ms\n\n",
      model_name, scale, size, precision_name, torch::get_num_threads(), runs, engine_ms,
      engine_ms / output_mp, network_ms, network_ms / output_mp, bench::total_ms(rows, runs));
  bench::print_operator_table(rows, runs);
  return 0;
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  return restora::bench::guarded_main("profile_network", restora::run, argc, argv);
}

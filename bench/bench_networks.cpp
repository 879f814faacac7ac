// Google Benchmark micro-benchmarks of what inference spends its time in:
//   Peak/conv3x3_<precision>       one large 3×3 convolution (128→128 on 256², channels-last):
//                                  this machine's practical peak, in GFLOP/s
//   ConvWidth/<precision>/<c>      the same convolution with c → c channels (32, 64)
//   ResidualBlock/<precision>/<n>  one EDSR residual block (64 features) on n×n
//   Network/<model>/x<s>/<n>/<p>   each shipped model through the real engine (run_tiled: image
//                                  to tensor, network, tensor to image) on an n×n input, one tile
// Counters: ms_per_output_MP (output megapixels) and, for the convolutions, GFLOP/s.
//   build/bench/bench_networks [--threads N] [Google Benchmark flags]
// bench/run_bench.py runs it with repetitions beside the PyTorch-Python peer.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdlib>
#include <cstring>
#include <opencv2/core.hpp>

#include "nn/blocks.h"
#include "nn/precision.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora {
namespace {

using nn::Precision;

// Random 1×channels×size² features in the layout the engine uses for `precision` here.
torch::Tensor random_features(int64_t channels, int64_t size, Precision precision) {
  return nn::in_layout(torch::rand({1, channels, size, size}),
                       nn::preferred_layout(precision, torch::kCPU));
}

void set_rates(benchmark::State& state, double flops_per_run, double output_pixels) {
  const double runs = static_cast<double>(state.iterations());
  if (flops_per_run > 0)
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops_per_run * runs / 1e9, benchmark::Counter::kIsRate);
  // Inverted rate of megapixels: milliseconds per output megapixel.
  state.counters["ms_per_output_MP"] = benchmark::Counter(
      output_pixels * runs / 1e6 / 1e3, benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

// One 3×3 convolution, channels → channels on 256², in the engine's layout (nn::preferred_layout).
void conv3x3(benchmark::State& state, Precision precision, int64_t channels) {
  constexpr int64_t size = 256;
  torch::InferenceMode inference;
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(channels, channels, 3).padding(1));
  nn::to_layout(*conv, nn::preferred_layout(precision, torch::kCPU));
  const auto x = random_features(channels, size, precision);
  for (auto _ : state) {
    nn::AutocastScope autocast(precision, torch::kCPU);
    benchmark::DoNotOptimize(conv->forward(x));
  }
  set_rates(state, 2.0 * channels * channels * 9 * size * size, size * size);
}

void residual_block(benchmark::State& state, Precision precision) {
  const int64_t size = state.range(0), features = 64;
  torch::InferenceMode inference;
  nn::ResidualBlock block(features);
  nn::to_layout(*block, nn::preferred_layout(precision, torch::kCPU));
  const auto x = random_features(features, size, precision);
  for (auto _ : state) {
    nn::AutocastScope autocast(precision, torch::kCPU);
    benchmark::DoNotOptimize(block->forward(x));
  }
  set_rates(state, 2 * 2.0 * features * features * 9 * size * size, size * size);
}

void network(benchmark::State& state, const std::shared_ptr<LoadedModel>& model, int scale,
             int size, Precision precision) {
  const auto traits = model->network->traits();
  cv::Mat lq(size, size, CV_32FC(traits.channels));
  cv::randu(lq, 0.0, 1.0);
  EngineOptions options;
  options.tile = size;  // one tile: the network's own speed, no overlap recomputed
  options.precision = precision;
  nn::to_layout(*model->network, nn::preferred_layout(precision, torch::kCPU));
  const ConditionMaps maps(static_cast<size_t>(traits.condition_channels), {"level", {}, 0.1f});
  for (auto _ : state) benchmark::DoNotOptimize(run_tiled(*model->network, lq, maps, scale, options));
  set_rates(state, 0.0, static_cast<double>(size) * size * scale * scale);
}

void register_benchmarks() {
  for (const auto precision : {Precision::fp32, Precision::bf16}) {
    const std::string name = model_file::precision_name(precision);
    benchmark::RegisterBenchmark(("Peak/conv3x3_" + name).c_str(), conv3x3, precision, 128)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    // How much of the peak narrower convolutions reach (the shipped networks use 32 and 64).
    benchmark::RegisterBenchmark(("ConvWidth/" + name).c_str(),
                                 [precision](benchmark::State& state) {
                                   conv3x3(state, precision, state.range(0));
                                 })
        ->Arg(32)
        ->Arg(64)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
    benchmark::RegisterBenchmark(("ResidualBlock/" + name).c_str(), residual_block, precision)
        ->Arg(128)
        ->Arg(256)
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  for (const auto& path : shipped_models()) {
    // The learned codec is timed per image by `restora eval --task codec` (docs/CODEC.md).
    if (model_file::read_model_file(path).meta.task == "codec") continue;
    auto model = std::make_shared<LoadedModel>(load_model(path));
    for (const int scale : model->meta.scales)
      for (const int size : {256, 512})
        for (const auto precision : {Precision::fp32, Precision::bf16})
          benchmark::RegisterBenchmark(
              fmt::format("Network/{}/x{}/{}/{}", model->meta.name, scale, size,
                          model_file::precision_name(precision))
                  .c_str(),
              network, model, scale, size, precision)
              ->Unit(benchmark::kMillisecond)
              ->UseRealTime();
  }
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  int threads = 0;  // 0 = every available core, as restora's default
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::atoi(argv[i + 1]);
      std::memmove(argv + i, argv + i + 2, sizeof(char*) * (argc - i - 1));
      argc -= 2;
      break;
    }
  restora::set_compute_threads(threads);
  benchmark::AddCustomContext("threads", std::to_string(torch::get_num_threads()));
  benchmark::AddCustomContext("native_bf16", restora::nn::cpu_has_native_bf16() ? "yes" : "no");
  restora::register_benchmarks();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Where one training step's time goes: a config's loss, backward pass and optimizer step on real
// batches, timed, then operator by operator under LibTorch's profiler.
//   build/bench/profile_training <config.json> [--data DIR] [--precision fp32|bf16]
//                                [--threads T] [--runs R]
// The network starts as the config builds it (init_from included), in training mode and in the
// memory layout restora train puts it in.
#include <fmt/format.h>
#include <torch/torch.h>

#include <iostream>
#include <string>

#include "nn/precision.h"
#include "profiling.h"
#include "restore/runtime.h"
#include "train/config.h"
#include "train/objective.h"

namespace restora {
namespace {

int run(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: profile_training <config.json> [--data DIR] [--precision P] "
                 "[--threads T] [--runs R]\n";
    return 2;
  }
  auto experiment = train::read_experiment(argv[1]);
  std::string data_root = "../shared/data";
  int threads = 2, runs = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data") data_root = value;
    else if (flag == "--precision") experiment.training.precision = value;
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--runs") runs = std::stoi(value);
    else {
      std::cerr << "profile_training: unknown option " << flag << "\n";
      return 2;
    }
  }
  set_compute_threads(threads);
  const auto say = [](const std::string& message) { std::cerr << message << "\n"; };
  train::PatchSource source(experiment, data_root);
  auto objective = experiment.task->id() == "codec"
                       ? train::make_codec_objective(experiment, source, say)
                       : train::make_restoration_objective(experiment, source, say);
  auto& network = objective->network();
  const auto precision = nn::parse_precision(experiment.training.precision);
  const auto layout = nn::preferred_layout(precision, torch::kCPU);
  nn::to_layout(network, layout);
  network.train();
  torch::optim::Adam optimizer(network.parameters(),
                               torch::optim::AdamOptions(experiment.optimizer.learning_rate));

  int64_t step = 0;
  std::vector<train::Batch> batches;
  for (int i = 0; i < runs + 2; ++i) batches.push_back(source.make_batch(++step));
  size_t next_batch = 0;
  double forward_ms = 0, backward_ms = 0, update_ms = 0;
  const auto train_step = [&] {
    const auto& batch = batches[next_batch++ % batches.size()];
    torch::Tensor loss;
    forward_ms += bench::mean_ms([&] { loss = objective->loss(batch, precision); }, 1);
    backward_ms += bench::mean_ms([&] {
      optimizer.zero_grad();
      loss.backward();
    }, 1);
    update_ms += bench::mean_ms([&] { optimizer.step(); }, 1);
  };
  for (int i = 0; i < 2; ++i) train_step();  // oneDNN builds its kernels on first use
  forward_ms = backward_ms = update_ms = 0;
  for (int i = 0; i < runs; ++i) train_step();
  fmt::print(
      "{}, {} precision, {}, {} threads, batch {} of {}²: per step {:.0f} ms (loss {:.0f} ms, "
      "backward {:.0f} ms, Adam {:.0f} ms), means of {} steps\n\n",
      experiment.name, experiment.training.precision,
      layout == torch::MemoryFormat::ChannelsLast ? "channels-last" : "NCHW", torch::get_num_threads(),
      experiment.data.batch_size, experiment.data.patch_size,
      (forward_ms + backward_ms + update_ms) / runs, forward_ms / runs, backward_ms / runs,
      update_ms / runs, runs);
  const auto rows = bench::profile_operators(train_step, runs);
  fmt::print("### operators' self time {:.0f} ms per step\n\n", bench::total_ms(rows, runs));
  bench::print_operator_table(rows, runs);
  return 0;
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  return restora::bench::guarded_main("profile_training", restora::run, argc, argv);
}

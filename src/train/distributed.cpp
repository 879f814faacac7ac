#include "train/distributed.h"

// ProcessGroupGloo.hpp declares its class only for builds with Gloo, which Debian's LibTorch is
// (its libtorch_cpu holds c10d::ProcessGroupGloo); the Gloo headers come from libgloo-dev.
#define USE_C10D_GLOO 1

#include <fmt/format.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/torch.h>

#include <cstdlib>

#include "restora/errors.h"

namespace restora::train {
namespace {

int env_int(const char* name, int low, int high) {
  const char* text = std::getenv(name);
  char* end = nullptr;
  const long value = std::strtol(text, &end, 10);
  if (end == text || *end != '\0' || value < low || value > high) {
    throw InvalidArgument(fmt::format("environment variable {}='{}' is not an integer in [{}, {}]",
                                      name, text, low, high));
  }
  return static_cast<int>(value);
}

bool has_env(const char* name) { return std::getenv(name) != nullptr && *std::getenv(name) != '\0'; }

// Runs a collective and turns c10d's failures (a peer gone, a timeout) into one clear line.
template <typename F>
void collective(const DistributedConfig& config, const char* what, F&& run) {
  try {
    run();
  } catch (const std::exception& e) {
    std::string detail = e.what();
    detail = detail.substr(0, detail.find('\n'));
    throw Error(fmt::format("rank {} of {}: {} failed: another rank died, hung or left ({})",
                            config.rank, config.world, what, detail));
  }
}

std::vector<torch::Tensor> gradients(torch::nn::Module& module) {
  std::vector<torch::Tensor> out;
  for (auto& p : module.parameters()) {
    if (!p.grad().defined()) p.mutable_grad() = torch::zeros_like(p);
    out.push_back(p.grad());
  }
  return out;
}

}  // namespace

struct ProcessGroup::Impl {
  c10::intrusive_ptr<c10d::TCPStore> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> group;
};

DistributedConfig distributed_from_environment() {
  DistributedConfig config;
  if (has_env("WORLD_SIZE")) {
    config.world = env_int("WORLD_SIZE", 1, 65536);
    config.rank = has_env("RANK") ? env_int("RANK", 0, config.world - 1) : 0;
  } else if (has_env("SLURM_NTASKS")) {
    config.world = env_int("SLURM_NTASKS", 1, 65536);
    config.rank = has_env("SLURM_PROCID") ? env_int("SLURM_PROCID", 0, config.world - 1) : 0;
  }
  if (has_env("MASTER_ADDR")) config.master_host = std::getenv("MASTER_ADDR");
  if (has_env("MASTER_PORT")) config.master_port = env_int("MASTER_PORT", 1, 65535);
  return config;
}

void parse_master(const std::string& text, DistributedConfig& config) {
  const auto colon = text.rfind(':');
  int port = 0;
  try {
    size_t used = 0;
    port = colon == std::string::npos ? 0 : std::stoi(text.substr(colon + 1), &used);
    if (used != text.size() - colon - 1) port = 0;
  } catch (const std::exception&) {
    port = 0;
  }
  if (colon == 0 || port < 1 || port > 65535) {
    throw InvalidArgument(fmt::format("--master '{}': expected HOST:PORT", text));
  }
  config.master_host = text.substr(0, colon);
  config.master_port = port;
}

ProcessGroup::ProcessGroup(const DistributedConfig& config) : config_(config), impl_(std::make_unique<Impl>()) {
  if (config.rank < 0 || config.rank >= config.world) {
    throw InvalidArgument(fmt::format("rank {} is not in [0, {})", config.rank, config.world));
  }
  const std::chrono::milliseconds timeout = config.timeout;
  collective(config_, "joining the group", [&] {
    c10d::TCPStoreOptions options;
    options.port = static_cast<uint16_t>(config.master_port);
    options.isServer = config.rank == 0;
    options.numWorkers = static_cast<size_t>(config.world);
    options.waitWorkers = true;
    options.timeout = timeout;
    impl_->store = c10::make_intrusive<c10d::TCPStore>(config.master_host, options);
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    gloo->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    impl_->group = c10::make_intrusive<c10d::ProcessGroupGloo>(impl_->store, config.rank, config.world, gloo);
  });
}

ProcessGroup::~ProcessGroup() = default;

void ProcessGroup::broadcast(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> all;
  for (auto& p : module.parameters()) all.push_back(p);
  for (auto& b : module.buffers()) all.push_back(b);
  for (auto& tensor : all) {
    // Gloo broadcasts contiguous tensors: send a contiguous copy, write it back in place.
    std::vector<torch::Tensor> one{tensor.contiguous().clone()};
    collective(config_, "broadcasting the initial weights", [&] { impl_->group->broadcast(one)->wait(); });
    tensor.copy_(one[0]);
  }
}

void ProcessGroup::average_gradients(torch::nn::Module& module) {
  const auto start = std::chrono::steady_clock::now();
  torch::NoGradGuard no_grad;
  auto grads = gradients(module);
  std::vector<torch::Tensor> flat_parts;
  for (const auto& g : grads) flat_parts.push_back(g.to(torch::kFloat32).reshape(-1));
  std::vector<torch::Tensor> flat{torch::cat(flat_parts)};
  collective(config_, "averaging the gradients", [&] { impl_->group->allreduce(flat)->wait(); });
  flat[0].div_(config_.world);
  int64_t at = 0;
  for (auto& g : grads) {
    const int64_t n = g.numel();
    g.copy_(flat[0].slice(0, at, at + n).view(g.sizes()));
    at += n;
  }
  communication_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<double> ProcessGroup::average(const std::vector<double>& values) {
  const auto start = std::chrono::steady_clock::now();
  std::vector<torch::Tensor> t{torch::tensor(values, torch::kFloat64)};
  collective(config_, "averaging the losses", [&] { impl_->group->allreduce(t)->wait(); });
  t[0].div_(config_.world);
  communication_seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {t[0].data_ptr<double>(), t[0].data_ptr<double>() + values.size()};
}

void ProcessGroup::check_identical(const torch::nn::Module& module, const std::string& what) {
  double sum = 0, weighted = 0;
  int64_t index = 0;
  for (const auto& p : module.parameters()) {
    const auto values = p.detach().to(torch::kFloat64).reshape(-1);
    sum += values.sum().item<double>();
    weighted += (values * (++index)).sum().item<double>();
  }
  std::vector<torch::Tensor> low{torch::tensor({sum, weighted}, torch::kFloat64)};
  std::vector<torch::Tensor> high{low[0].neg()};
  // min and max over the ranks: equal only when every rank holds the same value
  c10d::AllreduceOptions min_options;
  min_options.reduceOp = c10d::ReduceOp::MIN;
  collective(config_, "comparing the weights", [&] {
    impl_->group->allreduce(low, min_options)->wait();
    impl_->group->allreduce(high, min_options)->wait();
  });
  if (!torch::equal(low[0], high[0].neg())) {
    throw Error(fmt::format("rank {}: the ranks' {} differ", config_.rank, what));
  }
}

void ProcessGroup::barrier() {
  collective(config_, "waiting for the other ranks", [&] { impl_->group->barrier()->wait(); });
}

}  // namespace restora::train

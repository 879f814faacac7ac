// Training on several processes or machines with LibTorch's own distributed engine: a c10d
// TCPStore rendezvous at rank 0's address and a ProcessGroupGloo between the ranks (Debian's
// libgloo). Each rank draws its own shard of every batch (dataset.h), gradients are averaged in
// one flat fp32 allreduce per step, rank 0 alone validates, logs and checkpoints (trainer.cpp).
//
//   DistributedConfig config = distributed_from_environment();   // or from --world/--rank/--master
//   auto group = std::make_shared<ProcessGroup>(config);           // blocks until all ranks join
//   group->average_gradients(network);
#pragma once

#include <torch/nn/module.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace restora::train {

struct DistributedConfig {
  int world = 1;  // processes taking part; 1 = no distribution
  int rank = 0;   // this one, 0 .. world−1; rank 0 hosts the rendezvous
  std::string master_host = "127.0.0.1";
  int master_port = 29500;
  // How long a collective (and the rendezvous) may wait for the other ranks before every rank
  // gives up with an error: a rank that died or hangs ends the others, never a hang.
  std::chrono::seconds timeout{300};

  bool enabled() const { return world > 1; }
};

// torchrun's WORLD_SIZE, RANK, MASTER_ADDR, MASTER_PORT, else Slurm's SLURM_NTASKS and
// SLURM_PROCID (with MASTER_ADDR/MASTER_PORT still giving the address); world 1 when none is
// set. Malformed values -> InvalidArgument naming the variable.
DistributedConfig distributed_from_environment();

// "HOST:PORT" -> host and port; InvalidArgument otherwise.
void parse_master(const std::string& text, DistributedConfig& config);

class ProcessGroup {
 public:
  // Joins the group (rank 0 serves the store); throws Error when the rendezvous times out.
  explicit ProcessGroup(const DistributedConfig& config);
  ~ProcessGroup();

  int rank() const { return config_.rank; }
  int world() const { return config_.world; }

  // Rank 0's parameters and buffers of `module` copied to every rank.
  void broadcast(torch::nn::Module& module);
  // The mean over the ranks of every parameter's gradient, in one flat fp32 allreduce.
  void average_gradients(torch::nn::Module& module);
  // The mean over the ranks of each value (losses for the log).
  std::vector<double> average(const std::vector<double>& values);
  // Throws Error when the ranks' parameters of `module` differ (a checksum per rank compared).
  void check_identical(const torch::nn::Module& module, const std::string& what);
  void barrier();
  // Seconds spent in average_gradients and average so far (the communication's share of steps).
  double communication_seconds() const { return communication_seconds_; }

 private:
  double communication_seconds_ = 0.0;
  struct Impl;
  DistributedConfig config_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace restora::train

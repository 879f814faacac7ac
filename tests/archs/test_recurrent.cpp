// The recurrent video network: a clip at once equals the clip streamed frame by frame, the first
// frame equals the image path, and its learned flow warps the carried state.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "archs/recurrent.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

std::shared_ptr<RecurrentNetworkImpl> make(int scale, const std::string& alignment, uint64_t seed = 3) {
  torch::manual_seed(seed);
  auto network = std::dynamic_pointer_cast<RecurrentNetworkImpl>(build_network(
      "recurrent", {{"num_features", 8}, {"num_blocks", 1}, {"scale", scale}, {"alignment", alignment}}));
  // Every weight random, the flow's zero-initialised last layer too: the warps must move.
  torch::NoGradGuard no_grad;
  for (auto& parameter : network->parameters()) parameter.uniform_(-0.2, 0.2);
  network->eval();
  return network;
}

TEST(Recurrent, ClipEqualsFramesStreamedOneByOne) {
  for (const auto* alignment : {"none", "flow"})
    for (int scale : {1, 4}) {
      auto network = make(scale, alignment);
      torch::NoGradGuard no_grad;
      const auto clip = torch::rand({2, 4, 3, 12, 10});
      NetworkInput input;
      input.lq = clip;
      input.scale = scale;
      const auto whole = network->forward(input);
      ASSERT_EQ(whole.sizes(), (std::vector<int64_t>{2, 4, 3, 12 * scale, 10 * scale}));
      RecurrentState state;
      for (int64_t t = 0; t < 4; ++t) {
        const auto frame = network->step(clip.select(1, t), scale, state);
        EXPECT_TRUE(torch::allclose(frame, whole.select(1, t), 1e-5, 1e-6)) << alignment << " x" << scale << " t" << t;
      }
    }
}

TEST(Recurrent, LaterFramesDependOnEarlierOnes) {
  for (const auto* alignment : {"none", "flow"}) {
    auto network = make(4, alignment);
    torch::NoGradGuard no_grad;
    auto clip = torch::rand({1, 3, 3, 8, 8});
    NetworkInput input;
    input.lq = clip;
    input.scale = 4;
    const auto before = network->forward(input);
    input.lq = clip.clone();
    input.lq.select(1, 0).add_(0.3);  // only the first frame changes
    const auto after = network->forward(input);
    EXPECT_GT((after.select(1, 2) - before.select(1, 2)).abs().max().item<double>(), 1e-4) << alignment;
  }
}

TEST(Recurrent, OneImageIsTheFirstFrameOfAClip) {
  auto network = make(4, "flow");
  torch::NoGradGuard no_grad;
  const auto clip = torch::rand({1, 2, 3, 9, 7});
  NetworkInput input;
  input.lq = clip;
  input.scale = 4;
  const auto whole = network->forward(input);
  input.lq = clip.select(1, 0);
  EXPECT_TRUE(torch::allclose(network->forward(input), whole.select(1, 0), 1e-6, 1e-6));
}

TEST(Recurrent, TraitsAndRefusals) {
  auto network = make(4, "flow");
  const auto traits = network->traits();
  EXPECT_TRUE(traits.recurrent);
  EXPECT_EQ(traits.scales, std::vector<int>{4});
  EXPECT_GT(traits.receptive_radius, make(4, "none")->traits().receptive_radius);
  RecurrentState state;
  EXPECT_THROW(network->step(torch::rand({1, 3, 8, 8}), 2, state), ModelMismatch);
  NetworkInput input;
  input.lq = torch::rand({3, 8, 8});
  input.scale = 4;
  EXPECT_THROW(network->forward(input), InvalidArgument);
  EXPECT_THROW(build_network("recurrent", {{"alignment", "optical"}}), InvalidArgument);
}

TEST(Recurrent, FitsTheParameterBudgetAtTheShippedSize) {
  auto network = build_network("recurrent", {{"num_features", 64}, {"num_blocks", 8}, {"scale", 4}, {"alignment", "flow"}});
  int64_t count = 0;
  for (const auto& parameter : network->parameters()) count += parameter.numel();
  EXPECT_LT(count, 1'500'000);  // the budget for video networks
}

}  // namespace
}  // namespace restora::archs

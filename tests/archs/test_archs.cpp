// Networks: output shapes, residual behaviour, traits, and config validation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "archs/network.h"
#include "nn/precision.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

torch::Tensor run(RestorationNetworkImpl& network, torch::Tensor lq, int scale = 1) {
  NetworkInput input;
  input.lq = lq;
  input.scale = scale;
  if (const int maps = network.traits().condition_channels)
    input.condition = torch::full({lq.size(0), maps, lq.size(2), lq.size(3)}, 0.1);
  torch::NoGradGuard no_grad;
  return network.forward(input);
}

TEST(Archs, RegistryListsEveryFamily) {
  EXPECT_EQ(known_archs(),
            (std::vector<std::string>{"basicsr_edsr", "dncnn", "edsr", "ffdnet", "resunet", "rcan", "recurrent", "rrdb", "srvgg", "swinir",
                                      "unrolled"}));
}

TEST(Archs, UnknownArchNamesTheKnownOnes) {
  try {
    build_network("edsrr", {});
    FAIL() << "expected InvalidArgument";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("unknown arch 'edsrr'"), std::string::npos);
    EXPECT_NE(std::string(error.what()).find("dncnn, edsr, ffdnet, resunet"), std::string::npos);
  }
}

TEST(Archs, MisspeltConfigKeyIsRejected) {
  EXPECT_THROW(build_network("edsr", {{"num_feature", 8}}), InvalidArgument);
  EXPECT_THROW(build_network("dncnn", {{"depth", "17"}}), InvalidArgument);
  EXPECT_THROW(build_network("resunet", {{"num_blocks", 0}}), InvalidArgument);
  EXPECT_THROW(build_network("edsr", {{"num_blocks", 0}}), InvalidArgument);
  EXPECT_THROW(build_network("edsr", {{"scales", {1}}}), InvalidArgument);
}

TEST(Archs, DnCNNKeepsSizeAndTakesAConditionMap) {
  auto network = build_network("dncnn", {{"channels", 1}, {"num_features", 8}, {"depth", 5},
                                         {"batch_norm", true}, {"condition", true}});
  network->eval();
  EXPECT_EQ(network->traits().condition_channels, 1);
  EXPECT_EQ(network->traits().receptive_radius, 5);
  EXPECT_EQ(run(*network, torch::rand({2, 1, 13, 7})).sizes(), (std::vector<int64_t>{2, 1, 13, 7}));
}

TEST(Archs, UnrolledDeblurrerTakesTheKernelAndTheNoiseLevel) {
  auto network = build_network("unrolled", {{"channels", 3}, {"stages", 2}, {"num_features", {4, 8}},
                                            {"num_blocks", 1}});
  network->eval();
  const auto traits = network->traits();
  EXPECT_TRUE(traits.takes_kernel);
  EXPECT_EQ(traits.condition_channels, 1);
  EXPECT_EQ(traits.size_multiple, 1);  // the FFT step takes any size; the prior is padded inside
  NetworkInput input;
  input.lq = torch::rand({2, 3, 15, 13});
  input.condition = torch::full({2, 1, 15, 13}, 0.01);
  input.kernel = torch::full({1, 1, 5, 5}, 1.0 / 25);  // one kernel for the batch
  torch::NoGradGuard no_grad;
  const auto out = network->forward(input);
  EXPECT_EQ(out.sizes(), (std::vector<int64_t>{2, 3, 15, 13}));
  EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  // Each sample's own kernel: a batch of two equals the two run alone.
  input.kernel = torch::stack({torch::full({1, 5, 5}, 1.0 / 25),
                               torch::zeros({1, 5, 5}).index_put_({0, 2, 2}, 1.0)});
  const auto both = network->forward(input);
  NetworkInput second = input;
  second.lq = input.lq.slice(0, 1, 2);
  second.condition = input.condition.slice(0, 1, 2);
  second.kernel = input.kernel.slice(0, 1, 2);
  EXPECT_LT((network->forward(second) - both.slice(0, 1, 2)).abs().max().item<float>(), 1e-5);
  EXPECT_THROW(build_network("unrolled", {{"stages", 0}}), InvalidArgument);
}

TEST(Archs, ResUNetDetectorGivesOneLogitPerPixel) {
  auto network = build_network("resunet", {{"channels", 3}, {"out_channels", 1}, {"num_features", {4, 8}},
                                           {"num_blocks", 1}});
  network->eval();
  EXPECT_EQ(network->traits().channels, 3);
  EXPECT_EQ(network->traits().output_channels(), 1);
  NetworkInput input;
  input.lq = torch::rand({2, 3, 16, 20});
  torch::NoGradGuard no_grad;
  EXPECT_EQ(network->forward(input).sizes(), (std::vector<int64_t>{2, 1, 16, 20}));
  // A restoring network's output channels are its input's.
  EXPECT_EQ(build_network("resunet", {{"channels", 3}})->traits().output_channels(), 3);
  EXPECT_THROW(build_network("resunet", {{"channels", 3}, {"out_channels", 1}, {"mask_input", true}}),
               InvalidArgument);
}

TEST(Archs, MaskedResUNetPassesThePixelsOutsideTheMaskExactly) {
  auto network = build_network("resunet", {{"channels", 3}, {"num_features", {4, 8}},
                                           {"num_blocks", 1}, {"mask_input", true}});
  network->eval();
  EXPECT_EQ(network->traits().condition_channels, 1);
  NetworkInput input;
  input.lq = torch::rand({1, 3, 16, 20});
  input.condition = (torch::rand({1, 1, 16, 20}) > 0.7).to(torch::kFloat);
  torch::NoGradGuard no_grad;
  for (const auto precision : {nn::Precision::fp32, nn::Precision::bf16}) {
    nn::AutocastScope autocast(precision, torch::kCPU);
    const auto out = network->forward(input).to(torch::kFloat);
    const auto kept = (1 - input.condition).to(torch::kBool).expand_as(input.lq);
    EXPECT_TRUE(torch::equal(out.masked_select(kept), input.lq.masked_select(kept)));
    // Inside the mask the input's values do not matter: they are replaced.
    NetworkInput scrambled = input;
    scrambled.lq = torch::where(kept, input.lq, torch::rand_like(input.lq));
    EXPECT_TRUE(torch::allclose(network->forward(scrambled).to(torch::kFloat), out));
  }
}

TEST(Archs, ResUNetNeedsItsSizeMultiple) {
  auto network = build_network("resunet", {{"channels", 3}, {"num_features", {4, 8, 16}},
                                           {"num_blocks", 1}});
  EXPECT_EQ(network->traits().size_multiple, 4);
  EXPECT_EQ(run(*network, torch::rand({1, 3, 16, 12})).sizes(),
            (std::vector<int64_t>{1, 3, 16, 12}));
}

TEST(Archs, ResidualNetworksWithZeroTailReturnTheInput) {
  // The global skip: with the last conv zeroed, the network is the identity.
  auto network = build_network("resunet", {{"channels", 1}, {"num_features", {4, 8}}});
  torch::NoGradGuard no_grad;
  for (auto& item : network->named_parameters())
    if (item.key().rfind("tail.", 0) == 0) item.value().zero_();
  auto lq = torch::rand({1, 1, 8, 8});
  EXPECT_TRUE(torch::allclose(run(*network, lq), lq));
}

TEST(Archs, EDSRUpscalesEveryConfiguredScale) {
  auto network = build_network("edsr", {{"channels", 3}, {"num_features", 8}, {"num_blocks", 2},
                                        {"scales", {2, 3, 4}}});
  EXPECT_EQ(network->traits().scales, (std::vector<int>{2, 3, 4}));
  for (int scale : {2, 3, 4})
    EXPECT_EQ(run(*network, torch::rand({1, 3, 5, 6}), scale).sizes(),
              (std::vector<int64_t>{1, 3, 5 * scale, 6 * scale}));
  EXPECT_THROW(run(*network, torch::rand({1, 3, 5, 6}), 8), ModelMismatch);
}

TEST(Archs, EDSRAnchorIsNearestNeighbourUpscaling) {
  // With every head zeroed the output is the input repeated s×s, each channel its own: the
  // heads learn a residual.
  for (const int channels : {1, 3}) {
    auto network = build_network("edsr", {{"channels", channels}, {"num_features", 4},
                                          {"num_blocks", 1}, {"scales", {3}}});
    torch::NoGradGuard no_grad;
    for (auto& item : network->named_parameters())
      if (item.key().rfind("up_x3.", 0) == 0) item.value().zero_();
    auto lq = torch::rand({2, channels, 4, 5});
    auto expected = lq.repeat_interleave(3, 2).repeat_interleave(3, 3);
    EXPECT_TRUE(torch::allclose(run(*network, lq, 3), expected));
    EXPECT_TRUE(torch::allclose(run(*network, nn::in_layout(lq, torch::MemoryFormat::ChannelsLast), 3), expected));
  }
}

TEST(Archs, EDSRHeadChannelsAreShuffledAsPixelShuffle) {
  // A head whose output channel j is the constant j: the residual must land where
  // pixel_shuffle puts channel j, on top of the nearest-neighbour anchor.
  auto network = build_network("edsr", {{"channels", 3}, {"num_features", 4}, {"num_blocks", 1},
                                        {"scales", {2}}});
  torch::NoGradGuard no_grad;
  for (auto& item : network->named_parameters()) {
    if (item.key() == "up_x2.conv.weight") item.value().zero_();
    if (item.key() == "up_x2.conv.bias")
      item.value().copy_(torch::arange(item.value().numel(), torch::kFloat32));
  }
  auto lq = torch::rand({2, 3, 4, 5});
  const auto channel_index = torch::arange(12, torch::kFloat32).view({1, 12, 1, 1}).expand({2, 12, 4, 5});
  const auto expected = lq.repeat_interleave(2, 2).repeat_interleave(2, 3) +
                        torch::pixel_shuffle(channel_index, 2);
  EXPECT_TRUE(torch::allclose(run(*network, lq, 2), expected));
  EXPECT_TRUE(torch::allclose(run(*network, nn::in_layout(lq, torch::MemoryFormat::ChannelsLast), 2), expected));
}

TEST(Archs, EDSROutputDoesNotDependOnTheMemoryLayout) {
  auto network = build_network("edsr", {{"channels", 3}, {"num_features", 8}, {"num_blocks", 1},
                                        {"scales", {2, 4}}});
  network->eval();
  auto lq = torch::rand({2, 3, 6, 7});
  const auto x2 = run(*network, lq, 2), x4 = run(*network, lq, 4);
  nn::to_layout(*network, torch::MemoryFormat::ChannelsLast);
  for (const auto& [scale, nchw] : {std::pair{2, x2}, std::pair{4, x4}}) {
    const auto channels_last = run(*network, nn::in_layout(lq, torch::MemoryFormat::ChannelsLast), scale);
    EXPECT_TRUE(channels_last.is_contiguous(torch::MemoryFormat::ChannelsLast));
    EXPECT_TRUE(torch::allclose(channels_last, nchw, 1e-5, 1e-6));
  }
}

}  // namespace
}  // namespace restora::archs

// The weights bridge and precision helpers.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "archs/network.h"
#include "nn/precision.h"
#include "nn/weights.h"
#include "restora/errors.h"

namespace restora::nn {
namespace {

archs::RestorationNetwork small_network() {
  return archs::build_network("dncnn", {{"channels", 1}, {"num_features", 4}, {"depth", 3},
                                        {"batch_norm", true}});
}

std::string message_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const FormatError& error) {
    return error.what();
  }
  return "";
}

TEST(Weights, ExportImportReproducesTheNetwork) {
  torch::manual_seed(3);
  auto source = small_network();
  torch::manual_seed(4);
  auto target = small_network();
  import_weights(*target, export_weights(*source), "test");
  source->eval();
  target->eval();
  archs::NetworkInput input;
  input.lq = torch::rand({1, 1, 9, 9});
  torch::NoGradGuard no_grad;
  EXPECT_TRUE(torch::equal(source->forward(input), target->forward(input)));
}

TEST(Weights, InterpolationReachesBothEndsExactly) {
  torch::manual_seed(5);
  const auto a = export_weights(*small_network());
  torch::manual_seed(6);
  const auto b = export_weights(*small_network());
  const auto same = [](const std::vector<model_file::Tensor>& x,
                       const std::vector<model_file::Tensor>& y) {
    for (size_t i = 0; i < x.size(); ++i)
      if (x[i].bytes != y[i].bytes) return false;
    return x.size() == y.size();
  };
  EXPECT_TRUE(same(interpolate_weights(a, b, 0.0), a));
  EXPECT_TRUE(same(interpolate_weights(a, b, 1.0), b));
  const auto middle = interpolate_weights(a, b, 0.25);
  for (size_t i = 0; i < a.size(); ++i) {
    if (!from_file_tensor(a[i]).is_floating_point()) continue;
    EXPECT_TRUE(torch::allclose(from_file_tensor(middle[i]),
                                0.75 * from_file_tensor(a[i]) + 0.25 * from_file_tensor(b[i])))
        << a[i].name;
  }
  EXPECT_THROW(interpolate_weights(a, b, 1.5), InvalidArgument);
  EXPECT_THROW(interpolate_weights(a, b, -0.1), InvalidArgument);
  auto renamed = b;
  renamed[0].name = "other";
  EXPECT_THROW(interpolate_weights(a, renamed, 0.5), InvalidArgument);
  EXPECT_THROW(interpolate_weights(a, {b.begin(), b.end() - 1}, 0.5), InvalidArgument);
}

TEST(Weights, ExportHoldsParametersAndBuffers) {
  auto tensors = export_weights(*small_network());
  bool has_running_mean = false, has_counter = false;
  for (const auto& tensor : tensors) {
    if (tensor.name.find("running_mean") != std::string::npos) has_running_mean = true;
    if (tensor.name.find("num_batches_tracked") != std::string::npos) {
      has_counter = true;
      EXPECT_EQ(tensor.dtype, model_file::DType::i64);
    }
  }
  EXPECT_TRUE(has_running_mean);
  EXPECT_TRUE(has_counter);
}

TEST(Weights, MissingExtraAndMisshapedTensorsAreNamed) {
  auto network = small_network();
  auto tensors = export_weights(*network);
  auto missing = tensors;
  const auto removed = missing.front().name;
  missing.erase(missing.begin());
  EXPECT_NE(message_of([&] { import_weights(*network, missing, "m.safetensors"); })
                .find("tensor '" + removed + "' is missing"),
            std::string::npos);

  auto extra = tensors;
  extra.push_back(extra.front());
  extra.back().name = "stray.weight";
  EXPECT_NE(message_of([&] { import_weights(*network, extra, "m"); }).find("unexpected tensor 'stray.weight'"),
            std::string::npos);

  auto misshaped = tensors;
  misshaped.front().shape = {1, 2, 3};
  EXPECT_NE(message_of([&] { import_weights(*network, misshaped, "m"); }).find("has shape [1,2,3]"),
            std::string::npos);

  auto integer = tensors;
  integer.front().dtype = model_file::DType::i32;
  EXPECT_NE(message_of([&] { import_weights(*network, integer, "m"); }).find("dtype"),
            std::string::npos);
}

TEST(Precision, ParsesKnownNamesOnly) {
  EXPECT_EQ(parse_precision("bf16"), Precision::bf16);
  EXPECT_EQ(parse_precision("fp32"), Precision::fp32);
  EXPECT_THROW(parse_precision("fp16"), InvalidArgument);
}

TEST(Precision, Bf16AutocastStaysCloseToFp32) {
  torch::manual_seed(5);
  auto network = archs::build_network("edsr", {{"channels", 3}, {"num_features", 16},
                                               {"num_blocks", 2}, {"scales", {2}}});
  network->eval();
  to_layout(*network, torch::MemoryFormat::ChannelsLast);
  archs::NetworkInput input;
  input.lq = torch::rand({1, 3, 24, 24}).contiguous(torch::MemoryFormat::ChannelsLast);
  input.scale = 2;
  torch::NoGradGuard no_grad;
  auto fp32 = network->forward(input);
  torch::Tensor bf16;
  {
    AutocastScope autocast(Precision::bf16, torch::kCPU);
    bf16 = network->forward(input);
  }
  EXPECT_EQ(bf16.scalar_type(), torch::kFloat32);  // the global skip keeps the output fp32
  EXPECT_LT((bf16 - fp32).abs().max().item<double>(), 2.0 / 255.0);
  EXPECT_FALSE(autocast_enabled(torch::kCPU));  // the scope restored the state
}

TEST(Precision, AutocastScopesNestAndRestoreTheState) {
  ASSERT_FALSE(autocast_enabled(torch::kCPU));
  {
    AutocastScope outer(Precision::bf16, torch::kCPU);
    EXPECT_TRUE(autocast_enabled(torch::kCPU));
    EXPECT_EQ(torch::conv2d(torch::rand({1, 2, 5, 5}), torch::rand({2, 2, 3, 3})).scalar_type(),
              torch::kBFloat16);
    {
      AutocastScope inner(Precision::fp32, torch::kCPU);  // fp32 leaves the state alone
      EXPECT_TRUE(autocast_enabled(torch::kCPU));
    }
    {
      AutocastScope inner(Precision::bf16, torch::kCPU);
    }
    EXPECT_TRUE(autocast_enabled(torch::kCPU));  // the inner bf16 scope restored "on"
  }
  EXPECT_FALSE(autocast_enabled(torch::kCPU));
}

TEST(Precision, LayoutChangesKeepValues) {
  auto network = small_network();
  auto before = export_weights(*network);
  for (const auto layout : {torch::MemoryFormat::ChannelsLast, torch::MemoryFormat::Contiguous}) {
    to_layout(*network, layout);
    for (const auto& parameter : network->parameters()) {
      if (parameter.dim() == 4) {
        EXPECT_TRUE(parameter.is_contiguous(layout));
      }
    }
    auto after = export_weights(*network);
    ASSERT_EQ(before.size(), after.size());
    for (size_t i = 0; i < before.size(); ++i) EXPECT_EQ(before[i].bytes, after[i].bytes);
  }
}

TEST(Precision, PreferredLayoutIsNchwOnlyForFp32WithoutAvx512) {
  const auto nchw = torch::MemoryFormat::Contiguous, channels_last = torch::MemoryFormat::ChannelsLast;
  EXPECT_EQ(preferred_layout(Precision::fp32, torch::kCPU), cpu_has_avx512() ? channels_last : nchw);
  EXPECT_EQ(preferred_layout(Precision::bf16, torch::kCPU), channels_last);
  for (const auto precision : {Precision::fp32, Precision::bf16})
    EXPECT_EQ(preferred_layout(precision, torch::Device(torch::kCUDA)), channels_last);
  // Native bf16 comes with AVX-512 on every x86 CPU that has it.
  if (cpu_has_native_bf16()) {
    EXPECT_TRUE(cpu_has_avx512());
  }
}

TEST(Precision, OneChannelNetworksRunChannelsLast) {
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(1, 8, 3).padding(1));
  to_layout(*conv, torch::MemoryFormat::ChannelsLast);
  const auto image = torch::rand({1, 1, 16, 16});
  const auto input = in_layout(image, torch::MemoryFormat::ChannelsLast);
  EXPECT_TRUE(torch::equal(input, image));
  EXPECT_EQ(input.stride(1), 1);
  torch::NoGradGuard no_grad;
  for (const auto precision : {Precision::fp32, Precision::bf16}) {
    AutocastScope autocast(precision, torch::kCPU);
    // An NCHW output would put every later layer of a gray network in the slow layout.
    EXPECT_EQ(conv(input).stride(1), 1) << model_file::precision_name(precision);
  }
}

}  // namespace
}  // namespace restora::nn

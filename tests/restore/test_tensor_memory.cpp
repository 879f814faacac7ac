// Tensor memory accounting and the memory budget of the engine: automatic tiles fit the
// budget, a failing allocation falls back to smaller tiles, and the results stay equal.
#include <c10/util/Exception.h>
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <atomic>
#include <opencv2/core.hpp>
#include <thread>

#include "archs/network.h"
#include "restora/errors.h"
#include "restore/engine.h"
#include "restore/tensor_memory.h"

namespace restora {
namespace {

constexpr std::uint64_t MiB = 1 << 20;

TEST(TensorMemory, ParsesSizes) {
  EXPECT_EQ(tensor_memory::parse_bytes("2G"), 2ull << 30);
  EXPECT_EQ(tensor_memory::parse_bytes("512M"), 512ull << 20);
  EXPECT_EQ(tensor_memory::parse_bytes("1.5GiB"), 3ull << 29);
  EXPECT_EQ(tensor_memory::parse_bytes("64kb"), 64ull << 10);
  EXPECT_EQ(tensor_memory::parse_bytes("300000"), 300000u);
  for (const char* bad : {"", "G", "abc", "-1G", "0", "2X", "2GG", "nan"})
    EXPECT_THROW(tensor_memory::parse_bytes(bad), InvalidArgument) << bad;
}

TEST(TensorMemory, CountsTensorsAndEnforcesTheCap) {
  tensor_memory::install();
  const auto before = tensor_memory::bytes_in_use();
  {
    const auto tensor = torch::empty({1 << 20});  // 4 MiB of floats
    EXPECT_GE(tensor_memory::bytes_in_use(), before + 4 * MiB);
    EXPECT_GE(tensor_memory::peak_bytes(), before + 4 * MiB);
  }
  EXPECT_EQ(tensor_memory::bytes_in_use(), before);
  tensor_memory::set_cap(before + 2 * MiB);
  try {
    torch::empty({1 << 20});
    ADD_FAILURE() << "allocated past the cap";
  } catch (const c10::Error& error) {
    EXPECT_TRUE(tensor_memory::is_out_of_memory(error.what_without_backtrace()));
  }
  tensor_memory::set_cap(0);
  EXPECT_EQ(tensor_memory::bytes_in_use(), before);
}

TEST(TensorMemory, EachThreadsScopeCountsAndCapsItsOwnTensors) {
  tensor_memory::install();
  // Two threads, each in its own scope: each sees only its own 4 MiB, and a 6 MiB cap on one
  // refuses its second tensor while the other thread's are not counted against it.
  std::atomic<int> ready{0};
  std::atomic<bool> refused{false};
  std::size_t seen[2] = {0, 0};
  auto work = [&](int index) {
    tensor_memory::CapScope scope(6 * MiB);
    const auto tensor = torch::empty({1 << 20});  // 4 MiB
    ++ready;
    while (ready < 2) std::this_thread::yield();  // both hold theirs now
    seen[index] = tensor_memory::bytes_in_use();
    if (index == 0) {
      try {
        torch::empty({1 << 20});
      } catch (const c10::Error& error) {
        refused = tensor_memory::is_out_of_memory(error.what_without_backtrace());
      }
    }
    ready += 1;
    while (ready < 4) std::this_thread::yield();  // keep the tensor until both have looked
  };
  std::thread first(work, 0), second(work, 1);
  first.join();
  second.join();
  EXPECT_EQ(seen[0], 4 * MiB);
  EXPECT_EQ(seen[1], 4 * MiB);
  EXPECT_TRUE(refused);
  EXPECT_EQ(tensor_memory::cap(), 0u);
}

TEST(TensorMemory, ATensorFreedAfterItsScopeIsStillReleased) {
  tensor_memory::install();
  const auto before = tensor_memory::bytes_in_use();
  torch::Tensor kept;
  {
    tensor_memory::CapScope scope(0);  // counted, not capped
    kept = torch::empty({1 << 18});
    EXPECT_EQ(tensor_memory::bytes_in_use(), 1 * MiB);
    {
      tensor_memory::CapScope inner(0);
      const auto more = torch::empty({1 << 18});
      EXPECT_EQ(tensor_memory::bytes_in_use(), 1 * MiB);  // the inner scope's own
    }
  }
  EXPECT_EQ(tensor_memory::bytes_in_use(), before + 1 * MiB);
  kept = torch::Tensor();
  EXPECT_EQ(tensor_memory::bytes_in_use(), before);
}

class MemoryBudget : public ::testing::Test {
 protected:
  void SetUp() override {
    torch::manual_seed(3);
    network = archs::build_network(
        "edsr", {{"channels", 3}, {"num_features", 16}, {"num_blocks", 2}, {"scales", {2}}});
    network->eval();
    lq = cv::Mat(300, 280, CV_32FC3);
    cv::randu(lq, 0.0, 1.0);
    EngineOptions whole;
    whole.tile = 1000;
    whole.max_memory = 8ull << 30;
    reference = run_tiled(*network, lq, {}, 2, whole);
  }
  archs::RestorationNetwork network;
  cv::Mat lq, reference;
};

TEST_F(MemoryBudget, AutomaticTilesGrowWithTheBudgetAndStayWithinIt) {
  EngineOptions small, large;
  small.max_memory = 16 * MiB;
  large.max_memory = 256 * MiB;
  const int small_tile = choose_tile(*network, 2, small);
  const int large_tile = choose_tile(*network, 2, large);
  EXPECT_LT(small_tile, large_tile);
  EXPECT_LT(small_tile, 280);  // 16 MiB does not hold the whole image: it must be tiled

  tensor_memory::reset_peak();
  const auto before = tensor_memory::bytes_in_use();
  const auto tiled = run_tiled(*network, lq, {}, 2, small);
  EXPECT_LE(tensor_memory::peak_bytes() - before, small.max_memory);
  EXPECT_LE(cv::norm(tiled, reference, cv::NORM_INF), 1e-4);
}

TEST_F(MemoryBudget, FailingAllocationsFallBackToSmallerTiles) {
  EngineOptions options;
  options.tile = 1000;  // asks for the whole image, which 16 MiB cannot hold
  options.max_memory = 16 * MiB;
  const auto result = run_tiled(*network, lq, {}, 2, options);
  EXPECT_LE(cv::norm(result, reference, cv::NORM_INF), 1e-4);
  EXPECT_EQ(tensor_memory::cap(), 0u);  // the cap lives only while running

  options.max_memory = 1024;  // not even the smallest tile fits
  try {
    run_tiled(*network, lq, {}, 2, options);
    ADD_FAILURE() << "ran within 1 KiB";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find("--max-memory"), std::string::npos) << error.what();
  }
}

}  // namespace
}  // namespace restora

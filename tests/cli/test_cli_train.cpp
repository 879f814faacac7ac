// End to end: `restora train`, stopped and resumed, then the trained model used by `denoise`.
#include <gtest/gtest.h>

#include <unistd.h>

#include <future>
#include <sstream>

#include "cli/cli_test_support.h"

namespace restora::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A tiny residual U-Net trained for 4 steps on 16-pixel patches of generated images.
constexpr const char* kTinyConfig = R"(// tiny denoiser for the CLI test
{
  "name": "tiny-denoise",
  "description": "CLI test",
  "task": "denoise",
  "network": {"arch": "resunet", "config": {"channels": 3, "num_features": [4, 8], "num_blocks": 1}},
  "data": {
    "train": ["images"],
    "color": "rgb",
    "validation_holdout": 2,
    "patch_size": 16,
    "batch_size": 2,
    "sigma": [0, 50],
    "validation": {"sigma": [25]},
    "loader_threads": 1
  },
  "optimizer": {"kind": "adam", "learning_rate": 1e-3},
  "schedule": {"kind": "constant"},
  "training": {
    "steps": 4,
    "loss": "l1",
    "precision": "fp32",
    "threads": 1,
    "seed": 1,
    "checkpoint_every": 2,
    "validate_every": 2,
    "log_every": 1
  }
}
)";

class CliTrain : public CliTest {
 protected:
  void SetUp() override {
    for (int index = 0; index < 6; ++index)
      write_image_file(work_ / "data" / "images" / ("image" + std::to_string(index) + ".png"),
                       random_image(24, 20, 3, 100 + index));
    write_text(work_ / "tiny.json", kTinyConfig);
  }

  CliResult train(const fs::path& run_folder, std::vector<std::string> extra) const {
    std::vector<std::string> arguments = {"train",  (work_ / "tiny.json").string(),
                                          "--data", (work_ / "data").string(),
                                          "-o",     run_folder.string()};
    arguments.insert(arguments.end(), extra.begin(), extra.end());
    return run(arguments);
  }
};

// log.csv as (step, loss) rows.
std::vector<std::pair<int, std::string>> log_rows(const fs::path& path) {
  std::istringstream lines(read_text(path));
  std::string line;
  std::getline(lines, line);
  EXPECT_EQ(line.rfind("step,loss,", 0), 0u) << line;
  std::vector<std::pair<int, std::string>> rows;
  while (std::getline(lines, line)) {
    const auto first = line.find(','), second = line.find(',', first + 1);
    rows.emplace_back(std::stoi(line.substr(0, first)), line.substr(first + 1, second - first - 1));
  }
  return rows;
}

std::vector<int> steps_of(const std::vector<std::pair<int, std::string>>& rows) {
  std::vector<int> steps;
  for (const auto& row : rows) steps.push_back(row.first);
  return steps;
}

TEST_F(CliTrain, StopResumeAndUseTheModel) {
  const auto run_folder = work_ / "run";
  const auto stopped = train(run_folder, {"--stop-at", "2"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  EXPECT_NE(stopped.out.find("step 2 (stopped)"), std::string::npos) << stopped.out;
  EXPECT_TRUE(fs::exists(run_folder / "checkpoint.pt"));
  EXPECT_EQ(steps_of(log_rows(run_folder / "log.csv")), (std::vector<int>{1, 2}));

  const auto resumed = train(run_folder, {"--resume", "--json"});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  const auto result = json::parse(resumed.out);
  EXPECT_EQ(result.at("step"), 4);
  EXPECT_EQ(result.at("finished"), true);
  const auto model_path = run_folder / "tiny-denoise.safetensors";
  EXPECT_EQ(fs::path(result.at("model").get<std::string>()), model_path);
  const auto resumed_rows = log_rows(run_folder / "log.csv");
  EXPECT_EQ(steps_of(resumed_rows), (std::vector<int>{1, 2, 3, 4}));

  // Resuming is exact: the same losses as a run that was never interrupted.
  const auto straight = train(work_ / "straight", {"-q"});
  ASSERT_EQ(straight.exit_code, 0) << straight.err;
  EXPECT_TRUE(straight.out.empty()) << straight.out;
  EXPECT_EQ(log_rows(work_ / "straight" / "log.csv"), resumed_rows);

  const auto info = run({"info", "--json", model_path.string()});
  ASSERT_EQ(info.exit_code, 0) << info.err;
  const auto meta = json::parse(info.out);
  EXPECT_EQ(meta.at("name"), "tiny-denoise");
  EXPECT_EQ(meta.at("task"), "denoise");
  EXPECT_EQ(meta.at("recipe").at("config").at("name"), "tiny-denoise");

  write_image_file(work_ / "noisy.png", random_image(15, 13, 3, 7));
  const auto denoised = run({"denoise", "-i", (work_ / "noisy.png").string(), "-o",
                             (work_ / "clean.png").string(), "--model", model_path.string()});
  ASSERT_EQ(denoised.exit_code, 0) << denoised.err;
  EXPECT_NE(denoised.out.find("model tiny-denoise"), std::string::npos) << denoised.out;
  EXPECT_EQ(read_image_file(work_ / "clean.png").size(), cv::Size(13, 15));
}

TEST_F(CliTrain, ResumeWithoutACheckpointFailsInOneLine) {
  const auto result = train(work_ / "fresh", {"--resume", "-q"});
  expect_one_error_line(result, 1, {(work_ / "fresh" / "checkpoint.pt").string()});
}

TEST_F(CliTrain, MisspeltConfigKeyIsRejected) {
  auto config = std::string(kTinyConfig);
  config.replace(config.find("\"batch_size\""), 12, "\"batchsize\"");
  write_text(work_ / "tiny.json", config);
  const auto result = train(work_ / "run", {});
  EXPECT_NE(result.exit_code, 0);
  ASSERT_EQ(result.err_lines().size(), 1u) << result.err;
  EXPECT_NE(result.err.find("batchsize"), std::string::npos) << result.err;
  EXPECT_FALSE(fs::exists(work_ / "run" / "log.csv"));
}


// Distributed training on the loopback: two `restora train` processes, one batch shard each.
class CliDistributed : public CliTrain {
 protected:
  // A port per test process and call, so parallel test runs do not meet.
  std::string master() const {
    static int calls = 0;
    return "127.0.0.1:" + std::to_string(20000 + (::getpid() * 7 + 13 * calls++) % 40000);
  }
  // Rank 0 and rank 1 of a 2-process run into `run_folder`, concurrently.
  std::pair<CliResult, CliResult> train_two(const fs::path& run_folder, std::vector<std::string> extra) const {
    const std::string address = master();
    auto rank = [&](int r) {
      auto arguments = extra;
      for (const char* a : {"--world", "2", "--master"}) arguments.push_back(a);
      arguments.push_back(address);
      arguments.push_back("--rank");
      arguments.push_back(std::to_string(r));
      return std::async(std::launch::async, [this, run_folder, arguments] { return train(run_folder, arguments); });
    };
    auto first = rank(0), second = rank(1);
    return {first.get(), second.get()};
  }
};

TEST_F(CliDistributed, TwoRanksFollowTheOneProcessTrajectory) {
  // batch 2 in one process against 1 + 1 on two ranks: the same samples, averaged gradients
  ASSERT_EQ(train(work_ / "one", {"--quiet"}).exit_code, 0);
  const auto [zero, one] = train_two(work_ / "two", {"--quiet"});
  ASSERT_EQ(zero.exit_code, 0) << zero.err;
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto single = log_rows(work_ / "one" / "log.csv"), shared = log_rows(work_ / "two" / "log.csv");
  ASSERT_EQ(single.size(), 4u);
  ASSERT_EQ(shared.size(), single.size());  // rank 0 alone logs
  for (size_t i = 0; i < single.size(); ++i) {
    EXPECT_NEAR(std::stod(shared[i].second), std::stod(single[i].second), 1e-5) << "step " << single[i].first;
  }
  // The weights agree within float rounding (the sum is reduced in another order).
  const auto a = split_safetensors(work_ / "one" / "tiny-denoise.safetensors");
  const auto b = split_safetensors(work_ / "two" / "tiny-denoise.safetensors");
  ASSERT_EQ(a.data.size(), b.data.size());
  const auto* x = reinterpret_cast<const float*>(a.data.data());
  const auto* y = reinterpret_cast<const float*>(b.data.data());
  for (size_t i = 0; i < a.data.size() / 4; ++i) ASSERT_NEAR(x[i], y[i], 1e-5) << i;
}

TEST_F(CliDistributed, ResumedRanksContinueTheSameTrajectory) {
  ASSERT_EQ(train(work_ / "one", {"--quiet"}).exit_code, 0);
  const auto [zero, one] = train_two(work_ / "two", {"--quiet", "--stop-at", "2"});
  ASSERT_EQ(zero.exit_code, 0) << zero.err;
  ASSERT_EQ(one.exit_code, 0) << one.err;
  const auto [zero2, one2] = train_two(work_ / "two", {"--quiet", "--resume"});
  ASSERT_EQ(zero2.exit_code, 0) << zero2.err;
  ASSERT_EQ(one2.exit_code, 0) << one2.err;
  const auto single = log_rows(work_ / "one" / "log.csv"), resumed = log_rows(work_ / "two" / "log.csv");
  ASSERT_EQ(resumed.size(), single.size());
  for (size_t i = 0; i < single.size(); ++i) {
    EXPECT_NEAR(std::stod(resumed[i].second), std::stod(single[i].second), 1e-5) << "step " << single[i].first;
  }
}

TEST_F(CliDistributed, AKilledRankEndsTheOthers) {
  auto config = read_text(work_ / "tiny.json");
  config.replace(config.find("\"steps\": 4"), 10, "\"steps\": 100000");
  write_text(work_ / "tiny.json", config);
  const std::string address = master();
  const auto folder = work_ / "killed";
  auto rank = [&](int r) {
    return std::async(std::launch::async, [this, folder, address, r] {
      return train(folder, {"--quiet", "--world", "2", "--master", address, "--dist-timeout", "20",
                            "--rank", std::to_string(r)});
    });
  };
  auto zero = rank(0), one = rank(1);
  // Once rank 0 logs, both are training: kill rank 1.
  for (int i = 0; i < 600 && !fs::exists(folder / "log.csv"); ++i) ::usleep(100000);
  ::usleep(500000);
  // ([k]: the pattern must not match the shell that runs pkill)
  const std::string kill = "pkill -9 -f -- '" + folder.string() + " --quiet --world 2 --master " +
                           address + " --dist-timeout 20 --ran[k] 1'";
  ASSERT_EQ(std::system(kill.c_str()), 0);
  const auto ended = zero.get();
  one.get();
  EXPECT_EQ(ended.exit_code, 1) << ended.err;
  ASSERT_EQ(ended.err_lines().size(), 1u) << ended.err;
  EXPECT_NE(ended.err.find("rank 0 of 2"), std::string::npos) << ended.err;
  EXPECT_NE(ended.err.find("another rank died"), std::string::npos) << ended.err;
}

TEST_F(CliDistributed, BadDistributedOptionsAreUsageErrors) {
  EXPECT_EQ(train(work_ / "x", {"--world", "2", "--rank", "2"}).exit_code, 2);
  EXPECT_EQ(train(work_ / "x", {"--world", "2", "--rank", "0", "--master", "nohost"}).exit_code, 2);
  // batch 2 does not split into 3 equal shards: refused before any rank waits for the others
  const auto three = train(work_ / "x", {"--world", "3", "--rank", "0"});
  expect_one_error_line(three, 2, {"batch size 2", "3"});
}

}  // namespace
}  // namespace restora::testing

// End to end: `restora train`, stopped and resumed, then the trained model used by `denoise`.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace restora::testing

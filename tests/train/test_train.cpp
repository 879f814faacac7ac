// Training: config validation, schedules, deterministic batches and exact resume.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <fstream>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <vector>

#include "compression/codec_model.h"
#include "compression/image_codec.h"
#include "degrade/kernels.h"
#include "image/tensor_bridge.h"
#include "restore/model_loader.h"
#include "nn/precision.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restora/restorer.h"
#include "restora/video_restorer.h"
#include "tasks/task.h"
#include "support/tiny_model.h"
#include "train/config.h"
#include "train/dataset.h"
#include "train/losses.h"
#include "train/schedule.h"
#include "train/trainer.h"
#include "runs_fixture.h"

namespace restora::train {
namespace {
namespace fs = std::filesystem;

nlohmann::json tiny_config(const std::string& task) {
  nlohmann::json config = {
      {"name", "tiny"},
      {"task", task},
      {"network", {{"arch", "resunet"}, {"config", {{"channels", 1}, {"num_features", {4, 8}}, {"num_blocks", 1}}}}},
      {"data", {{"train", {"images"}}, {"color", "gray"}, {"validation_holdout", 2},
                {"patch_size", 16}, {"batch_size", 2}, {"sigma", {0, 50}}, {"loader_threads", 2}}},
      {"optimizer", {{"kind", "adam"}, {"learning_rate", 1e-3}}},
      {"schedule", {{"kind", "cosine"}, {"warmup_steps", 2}}},
      {"training", {{"steps", 6}, {"precision", "fp32"}, {"threads", 1}, {"ema_decay", 0.9},
                    {"grad_clip", 1.0}, {"checkpoint_every", 3}, {"validate_every", 3},
                    {"log_every", 1}}}};
  if (task == "super_resolution") {
    config["network"] = {{"arch", "edsr"}, {"config", {{"channels", 1}, {"num_features", 4}, {"num_blocks", 1}, {"scales", {2, 4}}}}};
    config["data"].erase("sigma");
    config["data"]["scales"] = {2, 4};
  }
  return config;
}

nlohmann::json tiny_codec_config() {
  return {{"name", "tinycodec"},
          {"task", "codec"},
          {"network", {{"arch", "hyperprior_codec"},
                       {"config", {{"features", 8}, {"latent_channels", 12}, {"hyper_channels", 8},
                                   {"linear_shortcut", true}, {"lambdas", {0.01, 0.1}}}}}},
          {"data", {{"train", {"photos"}}, {"color", "rgb"}, {"validation_holdout", 1},
                    {"patch_size", 64}, {"batch_size", 2}, {"loader_threads", 1}}},
          {"optimizer", {{"kind", "adam"}, {"learning_rate", 1e-3}}},
          {"schedule", {{"kind", "cosine"}, {"warmup_steps", 1}}},
          {"training", {{"steps", 4}, {"precision", "fp32"}, {"threads", 1}, {"ema_decay", 0.5},
                        {"grad_clip", 1.0}, {"checkpoint_every", 2}, {"validate_every", 2},
                        {"log_every", 1}}}};
}

// One step from `model` at a learning rate so small that the weights stay where they started.
nlohmann::json tiny_codec_started_from(const fs::path& model) {
  auto config = tiny_codec_config();
  config["training"]["init_from"] = model.string();
  config["training"]["steps"] = 1;
  config["training"]["ema_decay"] = 0.0;
  config["optimizer"]["learning_rate"] = 1e-12;
  return config;
}

class TrainTest : public RunsFixture {
 protected:
  void SetUp() override {
    RunsFixture::SetUp();
    fs::create_directories(root_ / "images");
    for (int i = 0; i < 6; ++i) {
      cv::Mat image(40, 48, CV_8UC1);
      for (int y = 0; y < image.rows; ++y)
        for (int x = 0; x < image.cols; ++x)
          image.at<uchar>(y, x) = static_cast<uchar>((x * (i + 3) + y * 7 + (x * y) % (11 + i)) % 256);
      write_image(image_from_u8(image), root_ / "images" / ("img" + std::to_string(i) + ".png"));
    }
    fs::create_directories(root_ / "photos");
    for (int i = 0; i < 4; ++i) {
      cv::Mat photo(72, 80, CV_8UC3);
      cv::randu(photo, cv::Scalar::all(0), cv::Scalar::all(256));
      cv::GaussianBlur(photo, photo, cv::Size(0, 0), 1.5 + i);
      write_image(image_from_u8(photo), root_ / "photos" / ("photo" + std::to_string(i) + ".png"));
    }
  }

  // Runs `run` up to `stop_at`, checks it stopped there, then resumes it to the end.
  TrainResult stop_and_resume(const ExperimentConfig& experiment, const std::string& run,
                              int64_t stop_at) const {
    auto first_half = options(run);
    first_half.stop_at_step = stop_at;
    const auto stopped = run_training(experiment, first_half);
    EXPECT_EQ(stopped.step, stop_at);
    EXPECT_FALSE(stopped.finished);
    auto second_half = options(run);
    second_half.resume = true;
    return run_training(experiment, second_half);
  }

  static std::vector<std::string> loss_rows(const fs::path& csv) {
    std::ifstream in(csv);
    std::vector<std::string> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::stringstream row(line);
      std::string step, loss;
      std::getline(row, step, ',');
      std::getline(row, loss, ',');
      rows.push_back(step + ":" + loss);
    }
    return rows;
  }
};

TEST_F(TrainTest, UnknownOrMistypedKeysAreRejected) {
  auto config = tiny_config("denoise");
  config["training"]["stpes"] = 5;
  EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument);
  config = tiny_config("denoise");
  config["data"]["patch_size"] = "16";
  EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument);
  config = tiny_config("denoise");
  config["task"] = "deblur";
  EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument);
  config = tiny_config("super_resolution");
  config["data"]["patch_size"] = 18;  // not a multiple of 4
  EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument);
  EXPECT_NO_THROW(parse_experiment(tiny_config("super_resolution"), "c.json"));
}

TEST(Schedule, WarmupCosineAndSteps) {
  ScheduleConfig cosine;
  cosine.warmup_steps = 10;
  cosine.min_learning_rate = 0.0;
  EXPECT_DOUBLE_EQ(learning_rate_at(cosine, 1.0, 5, 110), 0.5);
  EXPECT_DOUBLE_EQ(learning_rate_at(cosine, 1.0, 10, 110), 1.0);
  EXPECT_NEAR(learning_rate_at(cosine, 1.0, 60, 110), 0.5, 1e-12);
  EXPECT_NEAR(learning_rate_at(cosine, 1.0, 110, 110), 0.0, 1e-12);
  ScheduleConfig step;
  step.kind = "step";
  step.milestones = {100, 200};
  step.gamma = 0.1;
  EXPECT_DOUBLE_EQ(learning_rate_at(step, 1.0, 100, 300), 1.0);
  EXPECT_NEAR(learning_rate_at(step, 1.0, 150, 300), 0.1, 1e-12);
  EXPECT_NEAR(learning_rate_at(step, 1.0, 250, 300), 0.01, 1e-12);
}

TEST_F(TrainTest, BatchesArePureFunctionsOfTheStep) {
  for (const auto* task : {"denoise", "super_resolution", "dejpeg"}) {
    auto config = tiny_config(task);
    if (std::string(task) == "dejpeg") {
      config["data"].erase("sigma");
      config["data"]["quality"] = {10, 90};
    }
    const auto experiment = parse_experiment(config, "c.json");
    PatchSource source(experiment, root_);
    EXPECT_EQ(source.training_images(), 4u);
    const auto first = source.make_batch(5);
    const auto again = source.make_batch(5);
    const auto other = source.make_batch(6);
    EXPECT_TRUE(torch::equal(first.lq, again.lq)) << task;
    EXPECT_TRUE(torch::equal(first.gt, again.gt)) << task;
    EXPECT_FALSE(torch::equal(first.gt, other.gt) && torch::equal(first.lq, other.lq)) << task;
    EXPECT_EQ(first.gt.size(2), 16);
    EXPECT_EQ(first.lq.size(2), 16 / first.scale);
  }
}

// A chain config: the data follows `data > chain`, maps reach the batch, and a conditioned network
// is fed the map it names.
nlohmann::json chain_config(const std::string& chain) {
  auto config = tiny_config("real");
  config["data"].erase("sigma");
  config["data"]["chain"] = chain;
  config["data"]["validation"] = {{"samples", 2}};
  return config;
}

TEST_F(TrainTest, ChainConfigsDegradePatchesAndCarryTheirMaps) {
  auto config = chain_config("blur:sigma=0.5~2:p=0.5,gaussian_noise:sigma=5~30,jpeg:quality=40~90:p=0.5");
  config["network"]["config"]["condition"] = true;
  config["network"]["conditioning"] = "sigma";
  const auto experiment = parse_experiment(config, "c.json");
  EXPECT_EQ(experiment.data.scales, (std::vector<int>{1}));
  PatchSource source(experiment, root_);
  EXPECT_EQ(source.validation().size(), 4u);  // 2 held-out images x 2 drawn chains
  EXPECT_NE(chain_text(source.validation()[0].chain), chain_text(source.validation()[1].chain));
  const auto batch = source.make_batch(2);
  EXPECT_TRUE(torch::equal(batch.lq, source.make_batch(2).lq));
  EXPECT_EQ(batch.map_names, (std::vector<std::string>{"sigma", "quality"}));
  ASSERT_TRUE(batch.maps.defined());
  EXPECT_EQ(batch.maps.sizes(), (std::vector<int64_t>{2, 2, 16, 16}));
  for (int i = 0; i < 2; ++i) {
    const float sigma = batch.maps[i][0][3][5].item<float>();
    EXPECT_GE(sigma, 5 / 255.0f);
    EXPECT_LT(sigma, 30 / 255.0f);
    // The noise in the patch is about that σ (blur and JPEG change it a little).
    const double measured = (batch.lq[i] - batch.gt[i]).std().item<double>();
    EXPECT_NEAR(measured, sigma, 0.5 * sigma);
  }
  // The network trains on the map and saves a model conditioned on it.
  const auto result = run_training(experiment, options("chain"));
  EXPECT_TRUE(result.finished);

  // A conditioning whose map the chain does not make is refused.
  auto unconditioned = chain_config("blur:sigma=1,jpeg:50");
  unconditioned["network"]["config"]["condition"] = true;
  unconditioned["network"]["conditioning"] = "sigma";
  EXPECT_THROW(parse_experiment(unconditioned, "c.json"), InvalidArgument);
}

TEST_F(TrainTest, BlurChainsCarryTheirKernelsToAKernelConditionedNetwork) {
  auto config = chain_config("kernel_blur:family=gaussian|motion:seed=0~100000:size=9:p=0.7,"
                             "gaussian_noise:sigma=0~10");
  config["network"] = {{"arch", "unrolled"}, {"conditioning", "kernel"},
                       {"config", {{"channels", 1}, {"stages", 2}, {"num_features", {4, 8}}, {"num_blocks", 1}}}};
  const auto experiment = parse_experiment(config, "c.json");
  PatchSource source(experiment, root_);
  int blurred = 0;
  for (int step = 0; step < 4; ++step) {
    const auto batch = source.make_batch(step);
    ASSERT_TRUE(batch.kernels.defined());
    EXPECT_EQ(batch.kernels.size(1), 1);
    for (int64_t i = 0; i < batch.kernels.size(0); ++i) {
      const auto kernel = batch.kernels[i][0];
      EXPECT_NEAR(kernel.sum().item<double>(), 1.0, 1e-5);
      blurred += kernel.max().item<float>() < 1.0f;
      // The input is the ground truth blurred circularly by this kernel, plus noise of the σ map.
      const cv::Mat gt = tensor_to_mat(batch.gt.slice(0, i, i + 1));
      const cv::Mat k = tensor_to_mat(kernel.unsqueeze(0).unsqueeze(0).contiguous());
      const cv::Mat residual = tensor_to_mat(batch.lq.slice(0, i, i + 1)) - convolve_circular(gt, k);
      cv::Scalar mean, deviation;
      cv::meanStdDev(residual, mean, deviation);
      EXPECT_NEAR(deviation[0], batch.maps[i][0][0][0].item<float>(), 0.01);
    }
  }
  EXPECT_GT(blurred, 0);
  const auto result = run_training(experiment, options("kernel"));
  EXPECT_TRUE(result.finished);
  EXPECT_EQ(load_model(result.model_path).meta.conditioning, model_file::Conditioning::kernel);
}

TEST_F(TrainTest, ChainConfigsOfAnotherScaleAndTheirErrors) {
  auto config = chain_config("blur:sigma=0.5~2,resize:scale=0.3~1,resize_to:scale=2,jpeg:50~90");
  config["network"] = {{"arch", "edsr"}, {"config", {{"channels", 1}, {"num_features", 4}, {"num_blocks", 1}, {"scales", {2}}}}};
  const auto experiment = parse_experiment(config, "c.json");
  EXPECT_EQ(experiment.data.scales, (std::vector<int>{2}));
  PatchSource source(experiment, root_);
  const auto batch = source.make_batch(1);
  EXPECT_EQ(batch.scale, 2);
  EXPECT_EQ(batch.lq.size(2), 8);
  // The batch carries the chain's maps whether or not the network takes them.
  EXPECT_EQ(batch.map_names, (std::vector<std::string>{"quality"}));
  EXPECT_EQ(batch.maps.sizes(), (std::vector<int64_t>{2, 1, 8, 8}));
  EXPECT_TRUE(run_training(experiment, options("chain-x2")).finished);

  for (const auto* bad : {"resize:scale=0.5", "resize_to:scale=2|4", "blur:sigma=99"}) {
    try {
      parse_experiment(chain_config(bad), "c.json");
      ADD_FAILURE() << bad;
    } catch (const InvalidArgument& error) {
      EXPECT_NE(std::string(error.what()).find("data > chain"), std::string::npos) << error.what();
    }
  }
}

TEST_F(TrainTest, DownscalesAddEachTrainingImageShrunk) {
  auto config = tiny_config("denoise");
  config["data"]["downscales"] = {1, 2};  // 40×48 and 20×24 copies, both hold 16 px patches
  const auto shrunk = parse_experiment(config, "c.json");
  PatchSource source(shrunk, root_);
  EXPECT_EQ(source.training_images(), 8u);
  EXPECT_EQ(source.validation().size(), shrunk.data.validation.size() * 2);  // held out as stored
  EXPECT_EQ(source.make_batch(3).gt.size(2), 16);

  config["data"]["downscales"] = {1, 3};  // 13×16: too small
  const auto too_small = parse_experiment(config, "c.json");
  try {
    PatchSource failing(too_small, root_);
    ADD_FAILURE() << "a shrunk copy smaller than the patch was accepted";
  } catch (const InvalidArgument& error) {
    EXPECT_NE(std::string(error.what()).find("shrunk 3x"), std::string::npos) << error.what();
  }
  for (const double factor : {0.5, 0.0}) {
    config["data"]["downscales"] = {factor};
    EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument) << factor;
  }
}

TEST_F(TrainTest, ResumeReproducesTheLossTrajectory) {
  const auto experiment = parse_experiment(tiny_config("denoise"), "c.json");
  const auto straight = run_training(experiment, options("straight"));
  EXPECT_TRUE(straight.finished);
  EXPECT_TRUE(fs::exists(straight.model_path));
  EXPECT_TRUE(fs::exists(root_ / "straight" / "curves.png"));

  const auto resumed = stop_and_resume(experiment, "resumed", 3);
  EXPECT_TRUE(resumed.finished);

  const auto expected = loss_rows(root_ / "straight" / "log.csv");
  EXPECT_EQ(expected.size(), 6u);
  EXPECT_EQ(loss_rows(root_ / "resumed" / "log.csv"), expected);
  EXPECT_DOUBLE_EQ(resumed.best_score, straight.best_score);
}

TEST_F(TrainTest, StopBetweenLogRowsAndValidationsResumesExactly) {
  // A stop at step 3 falls inside a log window (rows every 2 steps) and between validations
  // (steps 4 and 6): the resumed run must log the same averages and keep the same best model.
  auto config = tiny_config("denoise");
  config["training"]["log_every"] = 2;
  config["training"]["validate_every"] = 4;
  config["training"]["checkpoint_every"] = 4;
  const auto experiment = parse_experiment(config, "c.json");
  run_training(experiment, options("straight"));
  auto first_half = options("resumed");
  first_half.stop_at_step = 3;
  EXPECT_EQ(run_training(experiment, first_half).step, 3);
  EXPECT_FALSE(fs::exists(root_ / "resumed" / "tiny.safetensors"));  // a stop judges nothing
  auto second_half = options("resumed");
  second_half.resume = true;
  run_training(experiment, second_half);

  const auto expected = loss_rows(root_ / "straight" / "log.csv");
  EXPECT_EQ(expected.size(), 3u);
  EXPECT_EQ(loss_rows(root_ / "resumed" / "log.csv"), expected);
  const auto straight = model_file::read_model_file(root_ / "straight" / "tiny.safetensors");
  const auto resumed = model_file::read_model_file(root_ / "resumed" / "tiny.safetensors");
  EXPECT_EQ(resumed.meta.recipe.at("step"), straight.meta.recipe.at("step"));
  EXPECT_EQ(resumed.meta.scores, straight.meta.scores);
}

TEST_F(TrainTest, ResumeWithAnotherConfigIsRefusedButARenameIsNot) {
  auto config = tiny_config("denoise");
  auto first = options("run");
  first.stop_at_step = 3;
  run_training(parse_experiment(config, "c.json"), first);
  config["name"] = "renamed";  // names the outputs only: the run goes on under the new name
  auto renamed = options("run");
  renamed.resume = true;
  renamed.stop_at_step = 4;
  EXPECT_EQ(run_training(parse_experiment(config, "c.json"), renamed).step, 4);
  config["optimizer"]["learning_rate"] = 5e-4;
  auto again = options("run");
  again.resume = true;
  EXPECT_THROW(run_training(parse_experiment(config, "c.json"), again), InvalidArgument);
}

TEST_F(TrainTest, SavedModelLoadsAndDescribesItself) {
  const auto experiment = parse_experiment(tiny_config("super_resolution"), "c.json");
  const auto result = run_training(experiment, options("sr"));
  const auto file = model_file::read_model_file(result.model_path);
  EXPECT_EQ(file.meta.task, "super_resolution");
  EXPECT_EQ(file.meta.scales, (std::vector<int>{2, 4}));
  EXPECT_EQ(file.meta.in_channels, 1);
  EXPECT_TRUE(file.meta.recipe.contains("config"));
  EXPECT_TRUE(file.meta.scores["validation"].contains("psnr"));
}

// A loss region weighs every sample alike: each one's loss is its mean over its own region.
TEST(PixelLoss, ARegionCountsEachSampleByItsOwnArea) {
  auto output = torch::zeros({2, 3, 4, 4}), target = torch::zeros({2, 3, 4, 4});
  auto region = torch::zeros({2, 1, 4, 4});
  region[0].fill_(1.0);               // sample 0: all 16 pixels, error 0.1 everywhere
  target[0].fill_(0.1);
  region[1][0][2][3] = 1.0;           // sample 1: one pixel, error 0.5 there (and 9 elsewhere)
  target[1].fill_(9.0);
  target[1].select(1, 2).select(1, 3).fill_(0.5);
  EXPECT_NEAR(pixel_loss("l1", output, target, region).item<double>(), (0.1 + 0.5) / 2, 1e-6);
  EXPECT_NEAR(pixel_loss("l2", output, target, region).item<double>(), (0.01 + 0.25) / 2, 1e-6);
  region[1].zero_();                  // an empty region counts 0
  EXPECT_NEAR(pixel_loss("l1", output, target, region).item<double>(), 0.05, 1e-6);
  EXPECT_NEAR(pixel_loss("l1", output, target).item<double>(), (0.1 + (9.0 * 45 + 0.5 * 3) / 48) / 2, 1e-5);
  auto config = chain_config("gaussian_noise:sigma=5");
  config["training"]["loss_region"] = "mask";
  EXPECT_THROW(parse_experiment(config, "c.json"), InvalidArgument);  // the chain makes no mask
}

// A detection task (repair) trains a one-logit network against the chain's damage map, is
// validated by IoU and saves a model with one output channel; without the map it is refused.
TEST_F(TrainTest, DetectorsLearnTheTargetMap) {
  auto config = chain_config("damage:side=64:p=0.8");
  config["task"] = "repair";
  config["network"]["config"]["out_channels"] = 1;
  config["data"]["train"] = {"photos"};
  config["data"]["color"] = "rgb";
  config["data"]["validation_holdout"] = 1;
  config["network"]["config"]["channels"] = 3;
  const auto experiment = parse_experiment(config, "c.json");
  const auto result = run_training(experiment, options("detector"));
  EXPECT_TRUE(result.finished);
  const auto file = model_file::read_model_file(result.model_path);
  EXPECT_EQ(file.meta.task, "repair");
  EXPECT_EQ(file.meta.out_channels, 1);
  const auto& validation = file.meta.scores["validation"];
  ASSERT_TRUE(validation.contains("iou")) << validation.dump();
  EXPECT_GE(validation["iou"].get<double>(), 0.0);
  EXPECT_LE(validation["iou"].get<double>(), 1.0);
  // Validation chose the threshold with the best IoU: the file holds it, detect() uses it.
  ASSERT_TRUE(validation.contains("threshold")) << validation.dump();
  const double threshold = validation["threshold"];
  EXPECT_GT(threshold, 0.0);
  EXPECT_LT(threshold, 1.0);
  EXPECT_GE(validation["iou"].get<double>(), validation["iou_at_half"].get<double>());
  std::ifstream log(root_ / "detector" / "log.csv");
  std::string header;
  std::getline(log, header);
  EXPECT_NE(header.find("validation_iou"), std::string::npos) << header;
  EXPECT_NE(header.find("validation_threshold"), std::string::npos) << header;
  cv::Mat photo(40, 48, CV_32FC3);
  cv::randu(photo, 0.0, 1.0);
  Image image;
  image.pixels = photo;
  RestoreOptions own, explicit_threshold;
  own.model = explicit_threshold.model = result.model_path.string();
  explicit_threshold.threshold = threshold;
  EXPECT_EQ(Restorer("repair", own).model_for(3).threshold, threshold);
  EXPECT_EQ(cv::norm(Restorer("repair", own).detect(image), Restorer("repair", explicit_threshold).detect(image),
                     cv::NORM_INF),
            0.0);

  // --revalidate: the same validation again, stored with the recipe and weights untouched.
  auto stale = model_file::read_model_file(result.model_path);
  stale.meta.scores["validation"].erase("threshold");
  model_file::write_model_file(result.model_path, stale);
  auto again = options("detector");
  again.command_line = "restora train c.json --revalidate";
  const auto record = revalidate(experiment, again);
  const auto updated = model_file::read_model_file(result.model_path);
  EXPECT_EQ(updated.meta.scores["validation"]["threshold"], threshold);
  EXPECT_EQ(record["iou"], validation["iou"]);
  EXPECT_EQ(updated.meta.scores["validation"]["step"], validation["step"]);
  EXPECT_EQ(updated.meta.recipe, file.meta.recipe);
  EXPECT_EQ(updated.tensors.size(), file.tensors.size());

  auto no_map = chain_config("gaussian_noise:sigma=5");
  no_map["task"] = "repair";
  no_map["network"]["config"]["out_channels"] = 1;
  EXPECT_THROW(parse_experiment(no_map, "c.json"), InvalidArgument);
  auto three_outputs = config;
  three_outputs["network"]["config"].erase("out_channels");
  EXPECT_THROW(run_training(parse_experiment(three_outputs, "c.json"), options("wrong")), InvalidArgument);
}

// bf16 without the CPU's bf16 instructions is emulated: the run says so, and fp32 never warns.
TEST_F(TrainTest, Bf16WarnsWhereTheCpuEmulatesIt) {
  for (const std::string precision : {"bf16", "fp32"}) {
    auto config = tiny_config("denoise");
    config["training"]["precision"] = precision;
    config["training"]["steps"] = 1;
    auto run = options("warn-" + precision);
    std::vector<std::string> messages;
    run.on_message = [&](const std::string& text) { messages.push_back(text); };
    run_training(parse_experiment(config, "c.json"), run);
    const bool warned = std::any_of(messages.begin(), messages.end(), [](const std::string& text) {
      return text.find("no native bf16") != std::string::npos;
    });
    EXPECT_EQ(warned, precision == "bf16" && !nn::cpu_has_native_bf16()) << precision;
  }
}

TEST_F(TrainTest, CodecTrainsResumesExactlyAndLoadsAsACodec) {
  const auto experiment = parse_experiment(tiny_codec_config(), "c.json");
  const auto straight = run_training(experiment, options("straight"));
  EXPECT_TRUE(straight.finished);
  EXPECT_TRUE(stop_and_resume(experiment, "resumed", 2).finished);
  // The quantization noise and the levels drawn are functions of (seed, step) too.
  const auto expected = loss_rows(root_ / "straight" / "log.csv");
  EXPECT_EQ(expected.size(), 4u);
  EXPECT_EQ(loss_rows(root_ / "resumed" / "log.csv"), expected);

  const auto codec = compression::load_codec_model(straight.model_path);
  EXPECT_TRUE(codec.network->shape().linear_shortcut);
  EXPECT_EQ(codec.levels(), 2);
  EXPECT_EQ(codec.meta.scores["validation"]["levels"].size(), 2u);
}

TEST_F(TrainTest, CodecStartsFromAnotherCodecModel) {
  const auto first = run_training(parse_experiment(tiny_codec_config(), "c.json"), options("first"));
  auto config = tiny_codec_started_from(first.model_path);
  const auto next = run_training(parse_experiment(config, "c.json"), options("next"));
  const auto before = compression::load_codec_model(first.model_path);
  const auto after = compression::load_codec_model(next.model_path);
  const auto parameters_before = before.network->named_parameters();
  const auto parameters_after = after.network->named_parameters();
  for (const auto& item : parameters_before)
    EXPECT_TRUE(torch::allclose(item.value(), parameters_after[item.key()], 1e-5, 1e-6)) << item.key();

  config["network"]["config"]["latent_channels"] = 16;  // another shape cannot start from it
  try {
    run_training(parse_experiment(config, "c.json"), options("other"));
    ADD_FAILURE() << "a codec of another shape was accepted as the start";
  } catch (const FormatError& error) {
    EXPECT_NE(std::string(error.what()).find("has shape"), std::string::npos) << error.what();
  }
}

// A module a codec can gain from a model without it: the network settings that add it, tensors
// of it that must learn where they start at zero, and the settings of the model it starts from
// (over tiny_codec_config's).
struct AddedModule {
  const char* name;
  nlohmann::json settings;
  std::vector<const char*> learned;
  nlohmann::json base = nlohmann::json::object();
};
void PrintTo(const AddedModule& added, std::ostream* os) { *os << added.name; }

class CodecGains : public TrainTest, public ::testing::WithParamInterface<AddedModule> {};

TEST_P(CodecGains, StartsCodingAsTheModelWithoutThenLearns) {
  const auto& added = GetParam();
  auto base_config = tiny_codec_config();
  base_config["network"]["config"].update(added.base);
  const auto plain = run_training(parse_experiment(base_config, "c.json"), options("plain"));
  auto config = tiny_codec_started_from(plain.model_path);
  config["network"]["config"].update(added.base);
  config["network"]["config"].update(added.settings);
  const auto started = run_training(parse_experiment(config, "c.json"), options("started"));

  cv::Mat image(64, 128, CV_8UC3);
  cv::randu(image, 0, 255);
  auto plain_model = compression::load_codec_model(plain.model_path);
  auto started_model = compression::load_codec_model(started.model_path);
  for (const auto& [key, value] : added.settings.items())
    EXPECT_EQ(started_model.network->shape().to_json()[key], value) << key;
  // The module starts as an identity: the same images as the model it started from.
  for (int level = 1; level <= 2; ++level)
    EXPECT_EQ(cv::norm(compression::decompress(plain_model, compression::compress(plain_model, image, level)),
                       compression::decompress(started_model, compression::compress(started_model, image, level)),
                       cv::NORM_INF),
              0.0)
        << "level " << level;

  config["training"]["steps"] = 4;
  config["optimizer"]["learning_rate"] = 1e-3;
  const auto trained = run_training(parse_experiment(config, "c.json"), options("trained"));
  auto model = compression::load_codec_model(trained.model_path);
  const auto parameters = model.network->named_parameters();
  const auto start = started_model.network->named_parameters();
  for (const char* name : added.learned)
    EXPECT_TRUE((start[name].eq(0) & parameters[name].ne(0)).any().item<bool>()) << name << " learned nothing";
  EXPECT_EQ(compression::decompress(model, compression::compress(model, image, 1)).size(), image.size());
}

INSTANTIATE_TEST_SUITE_P(
    TrainTest, CodecGains,
    ::testing::Values(
        AddedModule{"CheckerboardContext", {{"checkerboard_context", true}}, {"parameters.2.weight"}},
        AddedModule{"ExtraBlocks", {{"extra_blocks", 1}},
                    {"analysis_extra3.0.conv2.weight", "synthesis_extra0.0.conv2.weight"}},
        AddedModule{"ResidualPrediction", {{"latent_residual_prediction", true}}, {"residual_prediction.4.weight"}},
        AddedModule{"ChannelContext", {{"checkerboard_context", true}, {"channel_slices", 3}},
                    {"channel_context1.4.weight", "channel_context2.4.weight"}},
        AddedModule{"WiderChannelContext", {{"channel_context_kernel", 3}},
                    {"channel_context1.0.weight", "channel_context2.0.weight"},
                    {{"checkerboard_context", true}, {"channel_slices", 3}}}),
    [](const ::testing::TestParamInfo<AddedModule>& info) { return std::string(info.param.name); });

TEST_F(TrainTest, CodecGainsQualityLevelsFromAModelWithFewer) {
  const auto first = run_training(parse_experiment(tiny_codec_config(), "c.json"), options("two"));
  auto config = tiny_codec_started_from(first.model_path);
  config["network"]["config"]["lambdas"] = {0.001, 0.01, 0.1};  // a new lowest level
  const auto next = run_training(parse_experiment(config, "c.json"), options("three"));

  cv::Mat image(64, 128, CV_8UC3);
  cv::randu(image, 0, 255);
  auto two = compression::load_codec_model(first.model_path);
  auto three = compression::load_codec_model(next.model_path);
  ASSERT_EQ(three.levels(), 3);
  // The trained levels code as before, one level up.
  for (int level = 1; level <= 2; ++level)
    EXPECT_EQ(cv::norm(compression::decompress(two, compression::compress(two, image, level)),
                       compression::decompress(three, compression::compress(three, image, level + 1)),
                       cv::NORM_INF),
              0.0)
        << "level " << level;
  // The new level's gains continue the trained ones: smaller than level 1's.
  const auto gains = three.network->named_parameters()["log_gain"];
  EXPECT_LT(gains[0].mean().item<double>(), gains[1].mean().item<double>());
}

}  // namespace
}  // namespace restora::train

namespace restora::train {
namespace {

// A video config: clips from the photos, BD x4 per frame, a recurrent network.
nlohmann::json tiny_video_config() {
  return {{"name", "tinyvideo"},
          {"task", "video_sr"},
          {"network", {{"arch", "recurrent"},
                       {"config", {{"num_features", 4}, {"num_blocks", 1}, {"scale", 4}, {"alignment", "flow"}}}}},
          {"data", {{"train", {"photos"}}, {"color", "rgb"}, {"validation_holdout", 1}, {"patch_size", 16},
                    {"batch_size", 2}, {"scales", {4}},
                    {"sequence", {{"frames", 3}, {"validation_frames", 4}, {"validation_size", 32}}}}},
          {"optimizer", {{"kind", "adam"}, {"learning_rate", 1e-3}}},
          {"schedule", {{"kind", "cosine"}, {"warmup_steps", 1}}},
          {"training", {{"steps", 4}, {"precision", "fp32"}, {"threads", 1}, {"checkpoint_every", 2},
                        {"validate_every", 2}, {"log_every", 1}}}};
}

TEST_F(TrainTest, SequenceConfigsMakeClipsOfMovingFrames) {
  const auto experiment = parse_experiment(tiny_video_config(), "c.json");
  EXPECT_TRUE(experiment.data.sequence.enabled);
  PatchSource source(experiment, root_);
  EXPECT_TRUE(source.validation().empty());
  ASSERT_EQ(source.validation_clips().size(), 1u);
  EXPECT_EQ(source.validation_clips()[0].lq.size(), 4u);
  EXPECT_EQ(source.validation_clips()[0].gt_u8[0].size(), cv::Size(32, 32));
  EXPECT_EQ(source.validation_clips()[0].lq[0].size(), cv::Size(8, 8));
  const auto batch = source.make_batch(3);
  EXPECT_EQ(batch.lq.sizes(), (std::vector<int64_t>{2, 3, 3, 4, 4}));
  EXPECT_EQ(batch.gt.sizes(), (std::vector<int64_t>{2, 3, 3, 16, 16}));
  EXPECT_TRUE(torch::equal(batch.gt, source.make_batch(3).gt));
  // The camera moves: consecutive frames differ; the inputs are 8-bit values.
  EXPECT_FALSE(torch::equal(batch.gt.select(1, 0), batch.gt.select(1, 1)));
  EXPECT_TRUE(torch::allclose(batch.lq, torch::round(batch.lq * 255) / 255, 0.0, 1e-6));
  // The frames are the BD degradation of the ground truth frames.
  Rng none(0);
  const cv::Mat gt = tensor_to_mat(batch.gt[0][1]), lq = tensor_to_mat(batch.lq[0][1]);
  cv::Mat gt_u8;
  gt.convertTo(gt_u8, CV_8U, 255.0);
  const auto task = tasks::find_task("video_sr");
  const cv::Mat expected = quantize_u8(task->degrade(gt_u8, task->degradation().with_value(4), none));
  cv::Mat lq_u8;
  lq.convertTo(lq_u8, CV_8U, 255.0);
  EXPECT_EQ(cv::norm(lq_u8, expected, cv::NORM_INF), 0.0);
  auto bad = tiny_video_config();
  bad["data"]["sequence"]["validation_size"] = 30;  // not a multiple of 4
  EXPECT_THROW(parse_experiment(bad, "c.json"), InvalidArgument);
  bad = tiny_video_config();
  bad["data"]["sequence"]["max_sped"] = 2;
  EXPECT_THROW(parse_experiment(bad, "c.json"), InvalidArgument);
}

TEST_F(TrainTest, AVideoNetworkTrainsOnClipsAndValidatesThroughTheVideoEngine) {
  const auto experiment = parse_experiment(tiny_video_config(), "c.json");
  const auto result = run_training(experiment, options("video"));
  EXPECT_TRUE(result.finished);
  ASSERT_FALSE(result.model_path.empty());
  RestoreOptions restore;
  restore.model = result.model_path.string();
  VideoRestorer restorer("video_sr", restore);
  EXPECT_TRUE(restorer.recurrent());
  const auto file = model_file::read_model_file(result.model_path);
  EXPECT_EQ(file.meta.task, "video_sr");
  EXPECT_NE(file.meta.scores.dump().find("synthetic clips"), std::string::npos);
}

}  // namespace
}  // namespace restora::train

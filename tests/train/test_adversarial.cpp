// Adversarial training: the losses, spectral normalisation, the U-Net discriminator, the GAN
// loop (two optimizers, both updated) and its exact resume, and partial initialisation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <fstream>
#include <opencv2/core.hpp>
#include <sstream>

#include "archs/discriminator.h"
#include "model_file/model_meta.h"
#include "nn/spectral_norm.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "support/tiny_model.h"
#include "train/config.h"
#include "train/losses.h"
#include "train/trainer.h"
#include "runs_fixture.h"

namespace restora::train {
namespace {
namespace fs = std::filesystem;

TEST(AdversarialLosses, MatchTheirDefinitions) {
  const auto real = torch::tensor({2.0, 0.5}), fake = torch::tensor({-1.5, 0.25});
  // hinge: relu(1 - real) + relu(1 + fake), means; the generator's -mean(fake).
  EXPECT_NEAR(discriminator_loss("hinge", real, fake).item<double>(), 0.25 + 0.625, 1e-6);
  EXPECT_NEAR(generator_loss("hinge", real, fake).item<double>(), 0.625, 1e-6);
  // vanilla: softplus(-real) + softplus(fake); the generator's softplus(-fake).
  const auto softplus = [](const torch::Tensor& x) { return torch::log1p(torch::exp(x)).mean(); };
  EXPECT_NEAR(discriminator_loss("vanilla", real, fake).item<double>(),
              (softplus(-real) + softplus(fake)).item<double>(), 1e-6);
  EXPECT_NEAR(generator_loss("vanilla", real, fake).item<double>(), softplus(-fake).item<double>(),
              1e-6);
  // relativistic average: each side against the other's mean logit.
  const auto real_rel = real - fake.mean(), fake_rel = fake - real.mean();
  EXPECT_NEAR(discriminator_loss("relativistic", real, fake).item<double>(),
              0.5 * (softplus(-real_rel) + softplus(fake_rel)).item<double>(), 1e-6);
  EXPECT_NEAR(generator_loss("relativistic", real, fake).item<double>(),
              0.5 * (softplus(real_rel) + softplus(-fake_rel)).item<double>(), 1e-6);
  EXPECT_THROW(generator_loss("wasserstein", real, fake), InvalidArgument);
}

TEST(SpectralConv, PowerIterationFindsTheLargestSingularValue) {
  torch::manual_seed(3);
  nn::SpectralConv2d conv(4, 6, 3);
  conv->train();
  const auto input = torch::randn({1, 4, 8, 8});
  for (int i = 0; i < 50; ++i) conv->forward(input);
  const auto weight = conv->normalized_weight().reshape({6, -1});
  const auto singular = std::get<1>(torch::svd(weight.detach()));
  EXPECT_NEAR(singular.max().item<double>(), 1.0, 1e-3);
  // Eval mode uses the stored vectors: the same output twice.
  conv->eval();
  EXPECT_TRUE(torch::equal(conv->forward(input), conv->forward(input)));
  EXPECT_EQ(conv->forward(input).sizes(), (std::vector<int64_t>{1, 6, 8, 8}));
}

TEST(Discriminator, JudgesEveryPixelAndRefusesUnknownIds) {
  torch::manual_seed(1);
  auto discriminator = archs::build_discriminator("unet_sn", {{"channels", 3}, {"num_features", 4}});
  const auto judged = discriminator->forward(torch::rand({2, 3, 24, 32}));
  EXPECT_EQ(judged.logits.sizes(), (std::vector<int64_t>{2, 1, 24, 32}));
  EXPECT_EQ(judged.features.size(), 8u);
  EXPECT_EQ(discriminator->size_multiple(), 8);
  EXPECT_THROW(archs::build_discriminator("patchgan", {}), InvalidArgument);
  EXPECT_THROW(archs::build_discriminator("unet_sn", {{"features", 4}}), InvalidArgument);
}

nlohmann::json tiny_gan_config() {
  return {{"name", "tinygan"},
          {"task", "denoise"},
          {"network", {{"arch", "resunet"}, {"config", {{"channels", 1}, {"num_features", {4, 8}}, {"num_blocks", 1}}}}},
          {"data", {{"train", {"images"}}, {"color", "gray"}, {"validation_holdout", 2},
                    {"patch_size", 16}, {"batch_size", 2}, {"sigma", {5, 30}}, {"loader_threads", 1}}},
          {"optimizer", {{"kind", "adam"}, {"learning_rate", 1e-3}}},
          {"schedule", {{"kind", "cosine"}, {"warmup_steps", 1}}},
          {"training", {{"steps", 6}, {"precision", "fp32"}, {"threads", 1}, {"ema_decay", 0.5},
                        {"grad_clip", 1.0}, {"checkpoint_every", 2}, {"validate_every", 3},
                        {"log_every", 1}}},
          {"adversarial", {{"discriminator", {{"arch", "unet_sn"}, {"config", {{"num_features", 4}}}}},
                           {"loss", "relativistic"},
                           {"adversarial_weight", 0.5},
                           {"optimizer", {{"kind", "adam"}, {"learning_rate", 2e-3}}}}}};
}

class AdversarialTrainingTest : public RunsFixture {
 protected:
  void SetUp() override {
    RunsFixture::SetUp();
    fs::create_directories(root_ / "images");
    for (int i = 0; i < 5; ++i) {
      cv::Mat image(40, 48, CV_8UC1);
      cv::randu(image, cv::Scalar(0), cv::Scalar(256));
      write_image(image_from_u8(image), root_ / "images" / ("img" + std::to_string(i) + ".png"));
    }
  }

  static std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  // log.csv without the steps_per_second column (timing differs between runs).
  static std::vector<std::string> without_speed(const fs::path& csv) {
    std::vector<std::string> rows;
    std::istringstream text(read_text(csv));
    for (std::string line; std::getline(text, line);) {
      std::vector<std::string> cells;
      std::istringstream row(line);
      for (std::string cell; std::getline(row, cell, ',');) cells.push_back(cell);
      if (cells.size() > 3) cells.erase(cells.begin() + 3);
      std::string kept;
      for (const auto& cell : cells) kept += cell + ",";
      rows.push_back(kept);
    }
    return rows;
  }

  // The discriminator's weights as saved in a run's checkpoint.
  static std::vector<torch::Tensor> discriminator_weights(const fs::path& run) {
    torch::serialize::InputArchive archive, module;
    archive.load_from((run / "checkpoint.discriminator.pt").string());
    archive.read("module", module);
    auto discriminator = archs::build_discriminator("unet_sn", {{"channels", 1}, {"num_features", 4}});
    discriminator->load(module);
    std::vector<torch::Tensor> weights;
    for (const auto& tensor : discriminator->parameters()) weights.push_back(tensor.clone());
    for (const auto& tensor : discriminator->buffers()) weights.push_back(tensor.clone());
    return weights;
  }
};

TEST_F(AdversarialTrainingTest, TrainsBothNetworksAndResumesExactly) {
  const auto experiment = parse_experiment(tiny_gan_config(), "gan.json");
  const auto straight = run_training(experiment, options("straight"));
  EXPECT_TRUE(straight.finished);
  const auto log = read_text(root_ / "straight" / "log.csv");
  EXPECT_EQ(log.substr(0, log.find('\n')),
            "step,loss,learning_rate,steps_per_second,validation_psnr,validation_ssim,"
            "validation_niqe,pixel_loss,adversarial_loss,feature_matching_loss,discriminator_loss");

  const auto trained = discriminator_weights(root_ / "straight");

  // Stopped at step 4 (after a checkpoint, between validations) and resumed: the same log rows,
  // the same model and the same discriminator, bit for bit.
  auto first_half = options("resumed");
  first_half.stop_at_step = 4;
  EXPECT_EQ(run_training(experiment, first_half).step, 4);
  // The discriminator trains: its weights at step 4 are not those at step 6.
  const auto at_four = discriminator_weights(root_ / "resumed");
  EXPECT_FALSE(torch::equal(at_four[0], trained[0]));
  auto second_half = options("resumed");
  second_half.resume = true;
  EXPECT_TRUE(run_training(experiment, second_half).finished);
  EXPECT_EQ(without_speed(root_ / "resumed" / "log.csv"), without_speed(root_ / "straight" / "log.csv"));
  const auto resumed = discriminator_weights(root_ / "resumed");
  ASSERT_EQ(resumed.size(), trained.size());
  for (size_t i = 0; i < trained.size(); ++i) EXPECT_TRUE(torch::equal(resumed[i], trained[i])) << i;
  const auto a = model_file::read_model_file(root_ / "straight" / "tinygan.safetensors");
  const auto b = model_file::read_model_file(root_ / "resumed" / "tinygan.safetensors");
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) EXPECT_EQ(a.tensors[i].bytes, b.tensors[i].bytes);
}

TEST_F(AdversarialTrainingTest, ResumeWithoutTheDiscriminatorFileFailsClearly) {
  const auto experiment = parse_experiment(tiny_gan_config(), "gan.json");
  auto first_half = options("run");
  first_half.stop_at_step = 2;
  run_training(experiment, first_half);
  fs::remove(root_ / "run" / "checkpoint.discriminator.pt");
  auto again = options("run");
  again.resume = true;
  try {
    run_training(experiment, again);
    FAIL() << "resumed without the discriminator";
  } catch (const FileError& error) {
    EXPECT_NE(std::string(error.what()).find("discriminator"), std::string::npos) << error.what();
  }
}

TEST_F(AdversarialTrainingTest, AFineTuneNamesItsStartAsTheStrengthBase) {
  const auto base = testing::write_tiny_model(root_ / "base.safetensors",
                                              testing::tiny_meta("denoise", 1, "base"), 4);
  auto config = tiny_gan_config();
  config["training"]["init_from"] = base.string();
  config["training"]["steps"] = 1;
  config["training"]["validate_every"] = 1;
  run_training(parse_experiment(config, "gan.json"), options("fine"));
  EXPECT_EQ(model_file::read_model_file(root_ / "fine" / "tinygan.safetensors").meta.strength_base,
            "base");
  // A plain (PSNR) fine-tune names its start too: `real` and its start `denoise-color`.
  auto plain = config;
  plain.erase("adversarial");
  run_training(parse_experiment(plain, "plain.json"), options("plain"));
  EXPECT_EQ(model_file::read_model_file(root_ / "plain" / "tinygan.safetensors").meta.strength_base,
            "base");
  config["name"] = "base";  // the GAN model must not take its start's name
  EXPECT_THROW(run_training(parse_experiment(config, "gan.json"), options("same")), InvalidArgument);
}

TEST(AdversarialConfig, RefusesBadSections) {
  auto config = tiny_gan_config();
  config["adversarial"]["loss"] = "wasserstein";
  EXPECT_THROW(parse_experiment(config, "gan.json"), InvalidArgument);
  config = tiny_gan_config();
  config["adversarial"]["feature_weight"] = 1.0;
  EXPECT_THROW(parse_experiment(config, "gan.json"), InvalidArgument);
  config = tiny_gan_config();
  config["adversarial"]["adversarial_weight"] = -1.0;
  EXPECT_THROW(parse_experiment(config, "gan.json"), InvalidArgument);
}

TEST(PartialInit, TakesTheTensorsTheNetworkShares) {
  const auto root = testing::make_temp_dir("restora-partial");
  auto meta = testing::tiny_meta("super_resolution", 1);
  const auto source = testing::write_tiny_model(root / "multi.safetensors", meta, 7);
  fs::create_directories(root / "images");
  for (int i = 0; i < 4; ++i) {
    cv::Mat image(48, 48, CV_8UC1);
    cv::randu(image, cv::Scalar(0), cv::Scalar(256));
    write_image(image_from_u8(image), root / "images" / ("img" + std::to_string(i) + ".png"));
  }
  auto config = nlohmann::json{
      {"name", "one-scale"},
      {"task", "super_resolution"},
      {"network", {{"arch", meta.arch}, {"config", meta.arch_config}}},
      {"data", {{"train", {"images"}}, {"color", "gray"}, {"validation_holdout", 1},
                {"patch_size", 16}, {"batch_size", 1}, {"scales", {meta.scales.back()}}}},
      {"optimizer", {{"learning_rate", 0.0}}},
      {"schedule", {{"kind", "constant"}}},
      {"training", {{"steps", 1}, {"precision", "fp32"}, {"threads", 1}, {"validate_every", 1},
                    {"init_from", source.string()}, {"init_partial", true}}}};
  config["network"]["config"]["scales"] = {meta.scales.back()};
  TrainOptions options;
  options.data_root = root;
  options.output_dir = root / "run";
  run_training(parse_experiment(config, "one.json"), options);
  const auto multi = model_file::read_model_file(source);
  const auto one = model_file::read_model_file(root / "run" / "one-scale.safetensors");
  // Every tensor of the one-scale model is the multi-scale model's tensor of that name.
  for (const auto& tensor : one.tensors) {
    const auto found = std::find_if(multi.tensors.begin(), multi.tensors.end(),
                                    [&](const auto& other) { return other.name == tensor.name; });
    ASSERT_NE(found, multi.tensors.end()) << tensor.name;
    EXPECT_EQ(found->bytes, tensor.bytes) << tensor.name;
  }
  EXPECT_LT(one.tensors.size(), multi.tensors.size());
  EXPECT_TRUE(one.meta.strength_base.empty());  // another network: no interpolation
  // Without init_partial the same start is refused (the heads differ).
  config["training"].erase("init_partial");
  options.output_dir = root / "strict";
  EXPECT_THROW(run_training(parse_experiment(config, "one.json"), options), FormatError);
  fs::remove_all(root);
}

}  // namespace
}  // namespace restora::train

// Each published layout, written by PyTorch with random weights (make_fixtures.py), imported and
// run by Restora: the output must be PyTorch's output for the same input. And the refusals.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>

#include "importer/import_model.h"
#include "model_file/model_meta.h"
#include "nn/weights.h"
#include "pth/state_dict.h"
#include "restora/errors.h"
#include "restore/engine.h"
#include "restore/model_loader.h"
#include "image/tensor_bridge.h"

namespace restora::importer {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) { return fs::path(RESTORA_IMPORT_FIXTURES) / name; }

class ImportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("restora_import_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Imports CASE.pth, writes it, loads it back through the model loader and runs the input.
  model_file::ModelMeta run_case(const std::string& name, const std::string& family, int scale) {
    const model_file::ModelFile model = import_model(fixture(name + ".pth"), {});
    EXPECT_EQ(model.meta.recipe["imported"]["family"], family);
    const fs::path file = dir_ / (name + ".safetensors");
    model_file::write_model_file(file, model);
    const LoadedModel loaded = load_model(file);
    const auto expected = model_file::read_safetensors(fixture(name + ".expected.safetensors"));
    archs::NetworkInput input;
    input.lq = nn::from_file_tensor(*expected.find("input"));
    if (const auto* sigma = expected.find("sigma")) input.condition = nn::from_file_tensor(*sigma);
    input.scale = scale;
    torch::NoGradGuard no_grad;
    const auto output = loaded.network->forward(input);
    const auto want = nn::from_file_tensor(*expected.find("output"));
    EXPECT_EQ(output.sizes(), want.sizes()) << name;
    if (output.sizes() == want.sizes()) {
      EXPECT_LT((output - want).abs().max().item<float>(), 2e-5f) << name;
    }
    return loaded.meta;
  }

  fs::path dir_;
};

TEST_F(ImportTest, KairDnCNNGray) {
  const auto meta = run_case("kair_dncnn_gray", "DnCNN", 1);
  EXPECT_EQ(meta.task, "denoise");
  EXPECT_EQ(meta.color_space, model_file::ColorSpace::gray);
  EXPECT_EQ(meta.name, "kair_dncnn_gray");
}

TEST_F(ImportTest, KairDnCNNWithBatchNormIsFolded) {
  const auto meta = run_case("kair_dncnn_bn_color", "DnCNN (batch norm folded)", 1);
  EXPECT_EQ(meta.arch_config["depth"], 5);
  EXPECT_EQ(meta.recipe["imported"]["container"], "legacy");
}

TEST_F(ImportTest, KairFDnCNNTakesTheNoiseMap) {
  const auto meta = run_case("kair_fdncnn_color", "FDnCNN", 1);
  EXPECT_EQ(meta.conditioning, model_file::Conditioning::sigma);
}

TEST_F(ImportTest, KairFFDNetUnshufflesBesideTheNoiseMap) {
  const auto meta = run_case("kair_ffdnet_color", "FFDNet", 1);
  EXPECT_EQ(meta.arch, "ffdnet");
  EXPECT_EQ(meta.size_multiple, 2);
  EXPECT_EQ(meta.conditioning, model_file::Conditioning::sigma);
}

TEST_F(ImportTest, CsznDnCNN) { run_case("cszn_dncnn_gray", "DnCNN (batch norm folded)", 1); }

TEST_F(ImportTest, SRVGGNetCompact) {
  const auto meta = run_case("srvgg_x4", "SRVGGNetCompact", 4);
  EXPECT_EQ(meta.scales, std::vector<int>{4});
  EXPECT_EQ(meta.task, "real");
  EXPECT_EQ(meta.recipe["imported"]["wrappers_removed"], nlohmann::json::array({"params_ema"}));
}

TEST_F(ImportTest, RRDBNetBasicSR) {
  const auto meta = run_case("rrdb_basicsr_x4", "RRDBNet (BasicSR keys)", 4);
  EXPECT_EQ(meta.arch_config["num_blocks"], 2);
  const auto x2 = run_case("rrdb_basicsr_x2", "RRDBNet (BasicSR keys)", 2);
  EXPECT_EQ(x2.size_multiple, 2);  // pixel-unshuffled input
}

TEST_F(ImportTest, RRDBNetBSRGANKeys) {
  run_case("rrdb_bsrgan_x4", "RRDBNet (ESRGAN/BSRGAN keys)", 4);
  const auto x2 = run_case("rrdb_bsrgan_x2", "RRDBNet (ESRGAN/BSRGAN keys)", 2);
  EXPECT_EQ(x2.arch_config["up_steps"], 1);
}

TEST_F(ImportTest, EDSRBasicSR) {
  const auto x4 = run_case("edsr_basicsr_x4", "EDSR (BasicSR)", 4);
  EXPECT_EQ(x4.task, "super_resolution");
  EXPECT_EQ(x4.arch_config["res_scale"], 1.0);
  const auto x3 = run_case("edsr_basicsr_x3", "EDSR (BasicSR)", 3);
  EXPECT_EQ(x3.scales, std::vector<int>{3});
}

TEST_F(ImportTest, RCANBasicSR) {
  const auto x4 = run_case("rcan_basicsr_x4", "RCAN (BasicSR)", 4);
  EXPECT_EQ(x4.arch, "rcan");
  EXPECT_EQ(x4.arch_config["num_groups"], 2);
  EXPECT_EQ(x4.arch_config["num_blocks"], 2);
  EXPECT_EQ(x4.arch_config["num_squeezed"], 4);
  const auto x2 = run_case("rcan_basicsr_x2", "RCAN (BasicSR)", 2);
  EXPECT_EQ(x2.scales, std::vector<int>{2});
}

TEST_F(ImportTest, RCANRunsImagesWholeSinceItsAttentionPoolsOverThem) {
  const fs::path file = dir_ / "rcan.safetensors";
  model_file::write_model_file(file, import_model(fixture("rcan_basicsr_x2.pth"), {}));
  const LoadedModel loaded = load_model(file);
  ASSERT_TRUE(loaded.network->traits().tile_dependent);
  const cv::Mat lq = [] {  // larger than the engine's whole-image side, so it would tile
    cv::Mat image(300, 280, CV_32FC3);
    cv::randu(image, 0.0, 1.0);
    return image;
  }();
  archs::NetworkInput input;
  input.lq = mat_to_tensor(lq);
  input.scale = 2;
  torch::NoGradGuard no_grad;
  const cv::Mat whole = tensor_to_mat(loaded.network->forward(input));
  EngineOptions automatic;
  EXPECT_LT(cv::norm(run_tiled(*loaded.network, lq, {}, 2, automatic), whole, cv::NORM_INF), 1e-5);
  EngineOptions tiled;  // asked for: each tile pools its own statistics
  tiled.tile = 96;
  EXPECT_GT(cv::norm(run_tiled(*loaded.network, lq, {}, 2, tiled), whole, cv::NORM_INF), 1e-4);
}

TEST_F(ImportTest, SwinIRClassicalAndLightweight) {
  // Inputs that are not multiples of the window: padded by reflection inside, as the original.
  const auto classical = run_case("swinir_classical_x2", "SwinIR (classical)", 2);
  EXPECT_EQ(classical.arch, "swinir");
  EXPECT_EQ(classical.arch_config["depths"], nlohmann::json({2, 2}));
  EXPECT_EQ(classical.arch_config["num_heads"], nlohmann::json({2, 3}));
  EXPECT_EQ(classical.arch_config["window_size"], 4);
  const auto lightweight = run_case("swinir_lightweight_x3", "SwinIR (lightweight)", 3);
  EXPECT_EQ(lightweight.arch_config["resi_connection"], "3conv");
  EXPECT_EQ(lightweight.scales, std::vector<int>{3});
}

TEST_F(ImportTest, RRDBNetOldESRGANKeys) {
  run_case("rrdb_esrgan_old_x4", "RRDBNet (ESRGAN's old sequential keys)", 4);
}

TEST_F(ImportTest, NameAndTaskCanBeChosen) {
  const auto model = import_model(fixture("srvgg_x4.pth"), {"compact", "super_resolution"});
  EXPECT_EQ(model.meta.name, "compact");
  EXPECT_EQ(model.meta.task, "super_resolution");
  EXPECT_THROW(import_model(fixture("srvgg_x4.pth"), {"", "paint"}), InvalidArgument);
}

std::string refusal(const fs::path& path) {
  try {
    import_model(path, {});
  } catch (const FormatError& e) {
    return e.what();
  }
  return "";
}

TEST_F(ImportTest, UnknownLayoutNamesTheNearestFamilyAndTheKeys) {
  // an RRDBNet whose last conv was renamed
  const auto dict = pth::read_state_dict(fixture("rrdb_basicsr_x4.pth"));
  model_file::Safetensors broken;
  for (auto t : dict.tensors) {
    if (t.name.rfind("params_ema.", 0) != 0) continue;
    if (t.name == "params_ema.conv_last.weight") t.name = "params_ema.to_rgb.weight";
    broken.tensors.push_back(t);
  }
  const fs::path path = dir_ / "broken.safetensors";
  model_file::write_safetensors(path, broken);
  const std::string text = refusal(path);
  EXPECT_NE(text.find("broken.safetensors"), std::string::npos) << text;
  EXPECT_NE(text.find("nearest: RRDBNet"), std::string::npos) << text;
  EXPECT_NE(text.find("missing conv_last.weight"), std::string::npos) << text;
  EXPECT_NE(text.find("unexpected to_rgb.weight"), std::string::npos) << text;
}

TEST_F(ImportTest, WrongShapesAreNamed) {
  const auto dict = pth::read_state_dict(fixture("srvgg_x4.pth"));
  model_file::Safetensors broken;
  for (auto t : dict.tensors) {
    if (t.name.rfind("params_ema.", 0) != 0) continue;
    if (t.name == "params_ema.body.3.weight") {  // a PReLU with one parameter too few
      t.shape = {7};
      t.bytes.resize(7 * 4);
    }
    broken.tensors.push_back(t);
  }
  const fs::path path = dir_ / "shapes.safetensors";
  model_file::write_safetensors(path, broken);
  const std::string text = refusal(path);
  EXPECT_NE(text.find("body.3.weight has shape [7], expected [8]"), std::string::npos) << text;
}

TEST_F(ImportTest, HostileAndForeignFilesAreRefused) {
  const fs::path path = dir_ / "system.pth";
  fs::copy_file(fs::path(RESTORA_IMPORT_FIXTURES) / "../../pth/fixtures/calls_system.pth", path);
  EXPECT_NE(refusal(path).find("'posix.system'"), std::string::npos);
  EXPECT_THROW(import_model(dir_ / "missing.pth", {}), FileError);
}

}  // namespace
}  // namespace restora::importer

#include "support/tiny_model.h"

#include <torch/torch.h>
#include <unistd.h>

#include <atomic>

#include "compression/codec_model.h"
#include "nn/weights.h"
#include "restore/model_loader.h"
#include "restora/restorer.h"
#include "support/tiny_codec.h"

namespace restora::testing {

model_file::ModelMeta tiny_meta(const std::string& task, int channels, const std::string& name) {
  model_file::ModelMeta meta;
  meta.name = name;
  meta.description = "test model";
  meta.task = task;
  meta.in_channels = meta.out_channels = channels;
  meta.color_space = channels == 1 ? model_file::ColorSpace::gray : model_file::ColorSpace::rgb;
  meta.created = "2026-01-01";
  if (task == "super_resolution") {
    meta.arch = "edsr";
    meta.arch_config = {{"channels", channels}, {"num_features", 8}, {"num_blocks", 1},
                        {"scales", {2, 3, 4}}};
    meta.scales = {2, 3, 4};
    meta.tile_overlap = 8;
  } else if (task == "video_sr" || task == "video_denoise") {
    const int scale = task == "video_sr" ? 4 : 1;
    meta.arch = "recurrent";
    meta.arch_config = {{"channels", channels}, {"num_features", 8}, {"num_blocks", 1}, {"scale", scale},
                        {"alignment", task == "video_sr" ? "flow" : "none"}};
    meta.scales = {scale};
    meta.tile_overlap = 48;
  } else if (task == "deblur" && name.find("kernel") != std::string::npos) {
    meta.arch = "unrolled";
    meta.arch_config = {{"channels", channels}, {"stages", 2}, {"num_features", {4, 8}}, {"num_blocks", 1}};
    meta.conditioning = model_file::Conditioning::kernel;
    meta.tile_overlap = 64;
  } else if (task == "repair") {
    meta.arch = "resunet";
    meta.arch_config = {{"channels", channels}, {"out_channels", 1}, {"num_features", {4, 8}}, {"num_blocks", 1}};
    meta.out_channels = 1;
    meta.size_multiple = 2;
    meta.tile_overlap = 16;
  } else if (task == "inpaint") {
    meta.arch = "resunet";
    meta.arch_config = {{"channels", channels}, {"num_features", {4, 8}}, {"num_blocks", 1}, {"mask_input", true}};
    meta.conditioning = model_file::Conditioning::mask;
    meta.size_multiple = 2;
    meta.tile_overlap = 16;
  } else {
    meta.arch = "resunet";
    meta.arch_config = {{"channels", channels}, {"num_features", {4, 8}}, {"num_blocks", 1}};
    meta.size_multiple = 2;
    meta.tile_overlap = 16;
  }
  return meta;
}

double partial_threshold(const std::filesystem::path& detector, const cv::Mat& image_u8) {
  Image image;
  image.pixels = image_u8;
  double low = 1e-6, high = 1 - 1e-6;  // marks more at low, fewer at high
  const double target = 0.2 * static_cast<double>(image_u8.total());
  for (int step = 0; step < 60; ++step) {
    const double middle = (low + high) / 2;
    RestoreOptions options;
    options.model = detector.string();
    options.threshold = middle;
    options.threads = 1;
    (cv::countNonZero(Restorer("repair", options).detect(image)) > target ? low : high) = middle;
  }
  return (low + high) / 2;
}

std::filesystem::path write_tiny_model(const std::filesystem::path& path,
                                       const model_file::ModelMeta& meta, uint64_t seed) {
  torch::manual_seed(seed);
  auto network = build_from_meta(meta);
  model_file::ModelFile file;
  file.meta = meta;
  file.tensors = nn::export_weights(*network);
  model_file::write_model_file(path, file);
  return path;
}

compression::HyperpriorCodec tiny_codec_network(uint64_t seed, const nlohmann::json& settings) {
  torch::manual_seed(seed);
  nlohmann::json config = {{"features", 8},
                           {"latent_channels", 12},
                           {"hyper_channels", 8},
                           {"lambdas", {0.005, 0.02, 0.08}},
                           {"linear_shortcut", true}};  // so the coding tests cover the shipped shape
  config.update(settings);
  compression::HyperpriorCodec network(compression::CodecShape::from_json(config));
  // The extra blocks and the prediction start as identities; random ones let the tests see
  // their effect.
  torch::NoGradGuard no_grad;
  for (auto& parameter : network->named_parameters())
    if ((parameter.key().find("_extra") != std::string::npos &&
         parameter.key().find(".conv2.weight") != std::string::npos) ||
        parameter.key() == "residual_prediction.4.weight")
      parameter.value().normal_(0.0, 0.1);
  return network;
}

std::filesystem::path write_tiny_codec(const std::filesystem::path& path, const std::string& name,
                                       uint64_t seed) {
  auto network = tiny_codec_network(seed);
  model_file::write_model_file(path, compression::make_codec_model_file(*network, name, "test codec"));
  return path;
}

std::filesystem::path make_temp_dir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  auto dir = std::filesystem::temp_directory_path() /
             (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

}  // namespace restora::testing

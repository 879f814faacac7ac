// Helpers shared by the tests of src/eval: a temporary fake data folder with tiny test sets,
// and a tiny DnCNN model file written without Torch.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "model_file/model_meta.h"
#include "restora/image_io.h"

namespace restora::testing {

// A fresh folder under the system temp folder, removed with its content.
class TemporaryFolder {
 public:
  TemporaryFolder() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("restora_test_eval_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TemporaryFolder() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TemporaryFolder(const TemporaryFolder&) = delete;
  TemporaryFolder& operator=(const TemporaryFolder&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Image `index` (0 or 1) of the fake sets: 40×48 and 37×45 RGB (height × width), a wrapped
// ramp with texture. tests/eval/reference/eval_reference.py uses the same formula.
inline cv::Mat SyntheticImage(int index) {
  const int height = index == 0 ? 40 : 37, width = index == 0 ? 48 : 45;
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        image.at<cv::Vec3b>(y, x)[c] =
            static_cast<uint8_t>((3 * x + 2 * y + 50 * c + (x * y) % 7 * 9 + 40 * index) % 256);
  return image;
}

// Channel 0 of SyntheticImage(index): a gray test image.
inline cv::Mat SyntheticGray(int index) {
  cv::Mat gray;
  cv::extractChannel(SyntheticImage(index), gray, 0);
  return gray;
}

// Writes images as <data>/test/<set>/image0.png, image1.png, ...
inline void WriteSet(const std::filesystem::path& data, const std::string& set,
                     const std::vector<cv::Mat>& images) {
  const auto folder = data / "test" / set;
  std::filesystem::create_directories(folder);
  for (size_t i = 0; i < images.size(); ++i)
    write_image(image_from_u8(images[i]), folder / ("image" + std::to_string(i) + ".png"));
}

inline model_file::Tensor F32Tensor(const std::string& name, std::vector<int64_t> shape,
                                    const std::vector<float>& values) {
  model_file::Tensor tensor;
  tensor.name = name;
  tensor.shape = std::move(shape);
  tensor.bytes.resize(values.size() * sizeof(float));
  std::memcpy(tensor.bytes.data(), values.data(), tensor.bytes.size());
  return tensor;
}

// A gray DnCNN of depth 3 with one feature, written as a model file. Every 3×3 kernel is zero
// but its centre tap, so the output is known exactly:
//   blind (sigma_conditioned = false): out = lq + offset
//   sigma-conditioned: the centre taps pass the condition map σ/255 through both ReLUs,
//   out = lq + σ/255.
inline void WriteTinyDenoiser(const std::filesystem::path& path, bool sigma_conditioned,
                              float offset) {
  model_file::ModelFile file;
  auto& meta = file.meta;
  meta.name = sigma_conditioned ? "tiny-sigma" : "tiny-blind";
  meta.arch = "dncnn";
  meta.arch_config = {
      {"channels", 1}, {"num_features", 1}, {"depth", 3}, {"condition", sigma_conditioned}};
  meta.task = "denoise";
  meta.in_channels = meta.out_channels = 1;
  meta.color_space = model_file::ColorSpace::gray;
  meta.conditioning =
      sigma_conditioned ? model_file::Conditioning::sigma : model_file::Conditioning::none;
  meta.tile_overlap = 3;
  meta.created = "2024-01-01";
  const auto centre = [](int in_channels, int tap_channel) {
    std::vector<float> kernel(in_channels * 9, 0.0f);
    if (tap_channel >= 0) kernel[tap_channel * 9 + 4] = 1.0f;
    return kernel;
  };
  const int first_in = sigma_conditioned ? 2 : 1;
  file.tensors = {
      F32Tensor("body.0.weight", {1, first_in, 3, 3}, centre(first_in, sigma_conditioned ? 1 : -1)),
      F32Tensor("body.0.bias", {1}, {0.0f}),
      F32Tensor("body.2.weight", {1, 1, 3, 3}, centre(1, sigma_conditioned ? 0 : -1)),
      F32Tensor("body.2.bias", {1}, {0.0f}),
      F32Tensor("body.4.weight", {1, 1, 3, 3}, centre(1, sigma_conditioned ? 0 : -1)),
      F32Tensor("body.4.bias", {1}, {sigma_conditioned ? 0.0f : offset}),
  };
  model_file::write_model_file(path, file);
}

}  // namespace restora::testing

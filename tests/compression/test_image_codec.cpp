#include <gtest/gtest.h>
#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include "codec/container.h"
#include "compression/image_codec.h"
#include "image/tensor_bridge.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/runtime.h"
#include "support/tiny_model.h"

namespace restora::compression {
namespace {

namespace fs = std::filesystem;

// A small random-weight codec written to a model file and loaded back, as a shipped one is.
CodecModel tiny_model(const fs::path& folder, uint64_t seed, const std::string& name = "tiny-codec") {
  return load_codec_model(testing::write_tiny_codec(folder / (name + ".safetensors"), name, seed));
}

cv::Mat test_image(int width, int height) {
  cv::Mat image(height, width, CV_8UC3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.at<cv::Vec3b>(y, x) = cv::Vec3b((x * 3 + y) % 256, (y * 5) % 256, ((x ^ y) * 7) % 256);
  return image;
}

class ImageCodec : public ::testing::Test {
 protected:
  void SetUp() override { folder = testing::make_temp_dir("restora-codec"); }
  void TearDown() override { fs::remove_all(folder); }
  fs::path folder;
};

TEST_F(ImageCodec, DecodesWhatTheEncoderReconstructs) {
  auto model = tiny_model(folder, 1);
  const auto image = test_image(100, 70);  // padded to 128×128
  for (int level = 1; level <= 3; ++level) {
    const auto bytes = compress(model, image, level);
    const auto decoded = decompress(model, bytes);
    ASSERT_EQ(decoded.size(), image.size());
    ASSERT_EQ(decoded.type(), CV_8UC3);
    // The encoder's own reconstruction from its rounded latents, computed independently.
    torch::NoGradGuard no_grad;
    cv::Mat padded;
    cv::copyMakeBorder(image, padded, 0, 58, 0, 28, cv::BORDER_REPLICATE);
    const auto channels_last = torch::MemoryFormat::ChannelsLast;  // as the codec runs
    const auto y = model.network->analysis(mat_to_tensor(to_float01(padded)).contiguous(channels_last),
                                           level - 1).to(torch::kDouble);
    const auto z_hat = torch::round(model.network->hyper_analysis(y.to(torch::kFloat))).to(torch::kLong);
    const auto parameters = model.hyper.run(z_hat);
    const auto mean = parameters.mean.to(torch::kDouble) / double(1 << model.hyper.fraction_bits());
    const auto y_hat = torch::round(y - mean) + mean;
    const auto expected = quantize_u8(tensor_to_mat(
        model.network->synthesis(y_hat.to(torch::kFloat).contiguous(channels_last), level - 1)
            .clamp(0, 1)))(cv::Rect(0, 0, 100, 70));
    EXPECT_EQ(cv::norm(decoded, expected, cv::NORM_INF), 0.0) << "level " << level;
    const auto header = read_header(bytes);
    EXPECT_EQ(header.level, level);
    EXPECT_EQ(header.width, 100);
    EXPECT_EQ(header.height, 70);
    EXPECT_EQ(header.pad_right, 28);
    EXPECT_EQ(header.pad_bottom, 58);
  }
}

TEST_F(ImageCodec, LargeImagesRunInTilesThatMatchTheWholeImage) {
  auto model = tiny_model(folder, 8);
  const auto image = test_image(700, 90);  // 44 latents wide: two tiles across
  const auto decoded = decompress(model, compress(model, image, 2));
  ASSERT_EQ(decoded.size(), image.size());
  // The whole image through the networks at once.
  torch::NoGradGuard no_grad;
  cv::Mat padded;
  cv::copyMakeBorder(image, padded, 0, 38, 0, 4, cv::BORDER_REPLICATE);
  const auto cl = torch::MemoryFormat::ChannelsLast;
  const auto y = model.network->analysis(mat_to_tensor(to_float01(padded)).contiguous(cl), 1).to(torch::kDouble);
  const auto z_hat = torch::round(model.network->hyper_analysis(y.to(torch::kFloat))).to(torch::kLong);
  const auto parameters = model.hyper.run(z_hat);
  const auto mean = parameters.mean.to(torch::kDouble) / double(1 << model.hyper.fraction_bits());
  const auto y_hat = torch::round(y - mean) + mean;
  const auto whole = quantize_u8(tensor_to_mat(
      model.network->synthesis(y_hat.to(torch::kFloat).contiguous(cl), 1).clamp(0, 1)))(cv::Rect(0, 0, 700, 90));
  // Tiles see the same context as the whole image up to float rounding.
  EXPECT_LE(cv::norm(decoded, whole, cv::NORM_INF), 2.0);
  cv::Mat difference;
  cv::absdiff(decoded, whole, difference);
  EXPECT_LT(cv::countNonZero(difference.reshape(1)), static_cast<int>(difference.total()) / 100);
}

TEST_F(ImageCodec, BitIdenticalAcrossRunsAndThreadCounts) {
  auto model = tiny_model(folder, 2);
  const auto image = test_image(130, 64);
  set_compute_threads(1);
  const auto bytes = compress(model, image, 2);
  const auto one = decompress(model, bytes);
  set_compute_threads(2);
  EXPECT_EQ(compress(model, image, 2), bytes);
  const auto two = decompress(model, bytes);
  EXPECT_EQ(cv::norm(one, two, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(one, decompress(model, bytes), cv::NORM_INF), 0.0);
}

TEST_F(ImageCodec, GrayImagesComeBackGray) {
  auto model = tiny_model(folder, 3);
  cv::Mat gray;
  cv::cvtColor(test_image(64, 64), gray, cv::COLOR_RGB2GRAY);
  const auto decoded = decompress(model, compress(model, gray, 1));
  EXPECT_EQ(decoded.type(), CV_8UC1);
  EXPECT_EQ(read_header(compress(model, gray, 1)).color, codec::ColorFormat::gray8);
}

TEST_F(ImageCodec, HostileOrForeignFilesAreClearErrors) {
  auto model = tiny_model(folder, 4);
  auto other = tiny_model(folder, 5, "other-codec");
  const auto bytes = compress(model, test_image(64, 64), 1);
  EXPECT_THROW(decompress(other, bytes), ModelMismatch);
  for (size_t at = 0; at < bytes.size(); at += 3) {
    auto changed = bytes;
    changed[at] ^= 0x21;
    EXPECT_THROW(decompress(model, changed), FormatError) << at;
  }
  for (size_t size : {size_t{0}, size_t{5}, bytes.size() / 2, bytes.size() - 1}) {
    std::vector<uint8_t> truncated(bytes.begin(), bytes.begin() + size);
    EXPECT_THROW(decompress(model, truncated), FormatError) << size;
  }
  // Well-formed containers that lie: a level the model lacks, sizes that do not match the
  // sections, a missing section.
  auto header = read_header(bytes);
  auto lie = header;
  lie.level = 9;
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  lie.width = lie.height = 4000;
  lie.pad_right = lie.pad_bottom = 32;
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  lie.sections.pop_back();
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
  lie = header;
  std::swap(lie.sections[0], lie.sections[1]);
  EXPECT_THROW(decompress(model, codec::write_container(lie)), FormatError);
}

TEST_F(ImageCodec, RefusesBadRequests) {
  auto model = tiny_model(folder, 6);
  EXPECT_THROW(compress(model, test_image(64, 64), 0), InvalidArgument);
  EXPECT_THROW(compress(model, test_image(64, 64), 4), InvalidArgument);
  EXPECT_THROW(compress(model, cv::Mat(8, 8, CV_32FC3), 1), InvalidArgument);
}

}  // namespace
}  // namespace restora::compression

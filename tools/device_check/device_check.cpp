// Runs the shipped networks on each device this LibTorch offers and compares them with the CPU
// in fp32: every restoration model in fp32 and in bf16 (channels-last, autocast), and the learned
// codec's float network (its synthesis of the same latents, its rounded pass's rate, and one bf16
// training pass with its backward). It needs no OpenCV, so it also builds beside a LibTorch the
// rest of the project cannot be linked with there (scripts/check_libtorch.sh). Prints one line
// per check; exit status 1 when one is off.
//
// With CODEC_FILES, the codec also codes a test image at every level, on the CPU as its command
// line does, and checks decoding across machines: where the folder holds no files yet, this
// machine writes its .rci files there with what they decode to; where it does (another
// machine's), it decodes those files and requires exactly the integers stored beside them and
// pixels within one level, and says whether its own encoder wrote the same bytes.
//
// Usage: device_check MODELS_DIR [CODEC_FILES]

#include <ATen/Context.h>
#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "archs/network.h"
#include "compression/codec_model.h"
#include "compression/tensor_codec.h"
#include "fileio/file_io.h"
#include "model_file/model_meta.h"
#include "nn/precision.h"
#include "nn/weights.h"

namespace fs = std::filesystem;
using restora::model_file::Precision;

namespace {

// Agreement with the CPU's fp32 result: PSNR over [0, 1]. The floors leave room for CUDA's fp32
// convolutions, which may use TF32, and for bf16 (61–75 dB on the CPU for the shipped models); a
// model's bf16 is validated against its fp32 on the real test sets when it is shipped.
constexpr double min_fp32_agreement_db = 50.0;
constexpr double min_bf16_agreement_db = 40.0;

double agreement_db(const torch::Tensor& result, const torch::Tensor& reference) {
  const double mse = (result.to(torch::kCPU, torch::kFloat64) - reference.to(torch::kFloat64))
                         .pow(2)
                         .mean()
                         .item<double>();
  return mse > 0 ? 10.0 * std::log10(1.0 / mse) : 999.0;
}

// A smooth image with fine noise: what restoration networks meet, rather than pure noise.
torch::Tensor test_image(int channels, int64_t size) {
  torch::manual_seed(1);
  const auto coarse = torch::rand({1, channels, size / 8, size / 8});
  const auto smooth = torch::upsample_bilinear2d(coarse, {size, size}, false);
  return (smooth + 0.05 * torch::randn(smooth.sizes())).clamp(0.0, 1.0);
}

std::vector<torch::Device> devices() {
  std::vector<torch::Device> found{torch::kCPU};
  if (torch::cuda::is_available()) found.emplace_back(torch::kCUDA, 0);
  return found;
}

bool report(const char* model, const torch::Device& device, const char* what, double value,
            double minimum) {
  const bool ok = value >= minimum;
  std::printf("%-16s %-7s %-28s %8.2f dB  %s\n", model, device.str().c_str(), what, value,
              ok ? "ok" : "OFF");
  return ok;
}

// Builds the network as restora::load_model does, without its validation against the task
// registry, which would bring OpenCV in.
bool check_restoration(const restora::model_file::ModelFile& file, const fs::path& path) {
  auto network = restora::archs::build_network(file.meta.arch, file.meta.arch_config);
  restora::nn::import_weights(*network, file.tensors, path.string());
  network->eval();
  torch::NoGradGuard no_grad;
  const auto traits = network->traits();
  const int64_t size =
      128 + (traits.size_multiple - 128 % traits.size_multiple) % traits.size_multiple;
  restora::archs::NetworkInput input;
  input.lq = test_image(traits.channels, size);
  input.scale = traits.scales.front();
  if (traits.condition_channels)
    input.condition = torch::full({1, traits.condition_channels, size, size}, 0.1);
  if (traits.takes_kernel) input.kernel = torch::full({1, 1, 5, 5}, 1.0 / 25);
  // A detector's logits are compared as probabilities, on the [0, 1] scale of an image.
  const bool detector = traits.output_channels() != traits.channels;
  const auto comparable = [detector](const torch::Tensor& output) {
    return detector ? torch::sigmoid(output) : output;
  };
  const auto reference = comparable(network->forward(input));

  bool ok = true;
  for (const auto& device : devices()) {
    network->to(device);
    // bf16's layout: the only precision checked on the CPU, and both's on CUDA.
    const auto layout = restora::nn::preferred_layout(Precision::bf16, device);
    restora::nn::to_layout(*network, layout);
    restora::archs::NetworkInput on_device = input;
    on_device.lq = restora::nn::in_layout(input.lq.to(device), layout);
    if (input.condition.defined())
      on_device.condition = restora::nn::in_layout(input.condition.to(device), layout);
    if (input.kernel.defined()) on_device.kernel = input.kernel.to(device);
    for (const auto precision : {Precision::fp32, Precision::bf16}) {
      if (device.is_cpu() && precision == Precision::fp32) continue;  // the reference itself
      restora::nn::AutocastScope autocast(precision, device);
      const auto output = comparable(network->forward(on_device).to(torch::kFloat32));
      const bool fp32 = precision == Precision::fp32;
      ok &= report(
          file.meta.name.c_str(), device, fp32 ? "fp32 against CPU fp32" : "bf16 against CPU fp32",
          agreement_db(output, reference), fp32 ? min_fp32_agreement_db : min_bf16_agreement_db);
    }
    network->to(torch::kCPU);
  }
  return ok;
}

// Bits per pixel of a pass's likelihoods.
double bits_per_pixel(const restora::compression::TrainingPass& pass, int64_t pixels) {
  const auto bits = -(pass.y_likelihood.to(torch::kCPU, torch::kFloat64).log2().sum() +
                      pass.z_likelihood.to(torch::kCPU, torch::kFloat64).log2().sum());
  return bits.item<double>() / static_cast<double>(pixels);
}

bool check_codec(restora::compression::CodecModel& model) {
  auto& network = model.network;
  const int64_t size = 2 * restora::compression::codec_size_multiple;
  const auto image = test_image(3, size);
  const int level = model.levels() / 2;
  const double lambda = network->shape().lambdas[level];
  restora::compression::TrainingPass reference;
  torch::Tensor latents, pixels;  // rounded latents, and the CPU's synthesis of them
  {
    torch::NoGradGuard no_grad;
    reference = network->forward_rounded(image, level);
    latents = torch::round(network->analysis(image, level));
    pixels = network->synthesis(latents, level);
  }
  const double reference_bpp = bits_per_pixel(reference, size * size);
  const char* name = model.meta.name.c_str();
  std::printf("%-16s %-7s %-28s %8.4f bpp\n", name, "cpu", "rounded pass, fp32", reference_bpp);

  bool ok = true;
  for (const auto& device : devices()) {
    network->to(device);
    const auto on_device = image.to(device);
    if (!device.is_cpu()) {
      torch::NoGradGuard no_grad;
      const auto pass = network->forward_rounded(on_device, level);
      const double bpp = bits_per_pixel(pass, size * size);
      // The device's arithmetic: the CPU's latents through its synthesis. (Its own rounded pass
      // may round a latent near one half the other way, which changes a block of pixels and says
      // nothing about the device; its rate is compared instead.)
      ok &= report(name, device, "synthesis of the same latents",
                   agreement_db(network->synthesis(latents.to(device), level), pixels),
                   min_fp32_agreement_db);
      const double rate_change = std::abs(bpp / reference_bpp - 1.0);
      const bool rate_ok = rate_change < 0.01;
      std::printf("%-16s %-7s %-28s %8.4f bpp  %s\n", name, device.str().c_str(),
                  "rounded pass's rate", bpp, rate_ok ? "ok" : "OFF");
      ok &= rate_ok;
    }
    // One training pass in bf16, as the trainer runs it: finite loss and gradients.
    network->train();
    network->zero_grad();
    {
      restora::nn::AutocastScope autocast(Precision::bf16, device);
      auto generator = at::globalContext().defaultGenerator(device);
      const auto levels =
          torch::full({1}, level, torch::TensorOptions(torch::kInt64).device(device));
      const auto pass = network->forward_training(on_device, levels, generator);
      const auto distortion = (pass.reconstruction.to(torch::kFloat32) - on_device).pow(2).mean();
      const auto rate = -(pass.y_likelihood.to(torch::kFloat32).log2().sum() +
                          pass.z_likelihood.to(torch::kFloat32).log2().sum()) /
                        static_cast<double>(size * size);
      const auto loss = lambda * 255.0 * 255.0 * distortion + rate;
      loss.backward();
      bool finite = std::isfinite(loss.item<double>());
      for (const auto& parameter : network->parameters())
        if (parameter.grad().defined()) finite &= parameter.grad().isfinite().all().item<bool>();
      std::printf("%-16s %-7s %-28s %8.4f      %s\n", name, device.str().c_str(),
                  "bf16 training pass, loss", loss.item<double>(),
                  finite ? "ok" : "OFF (not finite)");
      ok &= finite;
    }
    network->eval();
    network->to(torch::kCPU);
  }
  return ok;
}

// A tensor's bytes (int64 or uint8, on the CPU), for files.
std::vector<uint8_t> bytes_of(const torch::Tensor& tensor) {
  const auto flat = tensor.contiguous().view(torch::kUInt8).view(-1);
  return {flat.data_ptr<uint8_t>(), flat.data_ptr<uint8_t>() + flat.numel()};
}

// What `file` decodes to: the integers it codes (symbols, means, log-scales) and the pixels,
// 8-bit, cropped to the image.
struct Decoded {
  std::vector<uint8_t> integers, pixels;
};

Decoded decode(restora::compression::CodecModel& model, const std::vector<uint8_t>& file) {
  namespace compression = restora::compression;
  const auto header = compression::read_header(file);
  const auto coded = compression::decode_latents(model, header);
  const auto pixels = (compression::reconstruct(model, coded, header.level) * 255.0)
                          .round()
                          .slice(2, 0, header.height)
                          .slice(3, 0, header.width)
                          .to(torch::kUInt8);
  return {bytes_of(torch::cat({coded.symbols, coded.parameters.mean, coded.parameters.log_scale}, 1)),
          bytes_of(pixels)};
}

// Codes the test image at every level on the CPU; against another machine's files in `folder`
// when it holds them, else writes this machine's there. The integers a file codes must be the
// same; a pixel may differ by one level (the synthesis runs in fp32, and another CPU's or
// LibTorch's kernels may round a value the other way).
bool check_codec_files(restora::compression::CodecModel& model, const fs::path& folder) {
  namespace compression = restora::compression;
  using restora::fileio::read_file_bytes;
  using restora::fileio::write_file_atomically;
  const int size = 2 * compression::codec_size_multiple;
  const auto image = test_image(3, size);
  const char* name = model.meta.name.c_str();
  fs::create_directories(folder);
  bool ok = true;
  for (int level = 1; level <= model.levels(); ++level) {
    const auto own = compression::compress_tensor(model, image, size, size,
                                                  restora::codec::ColorFormat::rgb8, level);
    const auto stem = (folder / fmt::format("{}-q{}", model.meta.name, level)).string();
    const std::string what = fmt::format("level {} ({} bytes)", level, own.size());
    if (!fs::exists(stem + ".rci")) {
      const auto decoded = decode(model, own);
      write_file_atomically(stem + ".integers", decoded.integers);
      write_file_atomically(stem + ".rgb", decoded.pixels);
      write_file_atomically(stem + ".rci", own);
      std::printf("%-16s %-7s %-28s written as the reference\n", name, "cpu", what.c_str());
      continue;
    }
    const auto stored = read_file_bytes(stem + ".rci");
    const auto decoded = decode(model, stored);
    const auto pixels = read_file_bytes(stem + ".rgb");
    const bool same_integers = decoded.integers == read_file_bytes(stem + ".integers");
    int64_t differing = 0;
    int largest = decoded.pixels.size() == pixels.size() ? 0 : 255;
    for (size_t i = 0; i < pixels.size() && i < decoded.pixels.size(); ++i) {
      const int difference = std::abs(int{decoded.pixels[i]} - int{pixels[i]});
      differing += difference > 0;
      largest = std::max(largest, difference);
    }
    const bool level_ok = same_integers && largest <= 1;
    std::printf("%-16s %-7s %-28s stored file: %s integers, %lld of %zu pixel values differ "
                "(by at most %d); this machine's encoder wrote %s  %s\n",
                name, "cpu", what.c_str(), same_integers ? "the same" : "OTHER",
                static_cast<long long>(differing), pixels.size(), largest,
                own == stored ? "the same bytes" : "another file", level_ok ? "ok" : "OFF");
    ok &= level_ok;
  }
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2 && argc != 3) {
    std::fprintf(stderr, "usage: device_check MODELS_DIR [CODEC_FILES]\n");
    return 2;
  }
  std::printf("LibTorch %s, CUDA %s\n", TORCH_VERSION,
              torch::cuda::is_available() ? "available" : "not available");
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(argv[1]))
    if (entry.path().extension() == ".safetensors") paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  if (paths.empty()) {
    std::fprintf(stderr, "device_check: no .safetensors model in '%s'\n", argv[1]);
    return 2;
  }
  bool ok = true;
  for (const auto& path : paths) {
    try {  // a model that fails on a device is reported, and the others still run
      const auto file = restora::model_file::read_model_file(path);
      if (file.meta.task == "codec") {
        auto model = restora::compression::load_codec_model(path);
        ok &= check_codec(model);
        if (argc == 3) ok &= check_codec_files(model, argv[2]);
      } else {
        ok &= check_restoration(file, path);
      }
    } catch (const std::exception& error) {
      const std::string what = error.what();  // LibTorch's messages go on with a backtrace
      std::printf("%-16s OFF: %s\n", path.stem().c_str(), what.substr(0, what.find('\n')).c_str());
      ok = false;
    }
  }
  return ok ? 0 : 1;
}

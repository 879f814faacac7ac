// Tunes the encoder's rate-distortion quantization: codes training images at every level with
// plain rounding and with each distortion price, decodes them, and prints per level the RD cost
// the codec was trained on (λ·255²·MSE + bpp) and per price the BD-rate against rounding.
//   build/bench/tune_quantization [--model codec] [--data DIR] [--images N] [--prices a,b,...]
//                                 [--threads T]
// The images default to the first 8 of ../shared/data/train/BSDS400: training images, never a
// test set, so the chosen price is not fitted to Kodak24.
#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <iostream>
#include <opencv2/core.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "compression/image_codec.h"
#include "eval/codec_eval.h"
#include "profiling.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora {
namespace {

std::vector<double> parse_list(const std::string& text) {
  std::vector<double> values;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) values.push_back(std::stod(item));
  return values;
}

int run(int argc, char** argv) {
  std::string model_name = "codec", data = "../shared/data/train/BSDS400";
  int images = 8, threads = 2;
  std::vector<double> prices{0.08, 0.12, 0.16, 0.24, 0.32};
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model_name = value;
    else if (flag == "--data") data = value;
    else if (flag == "--images") images = std::stoi(value);
    else if (flag == "--prices") prices = parse_list(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else {
      std::cerr << "usage: tune_quantization [--model M] [--data DIR] [--images N] "
                   "[--prices a,b,...] [--threads T]\n";
      return 2;
    }
  }
  set_compute_threads(threads);
  auto model = compression::load_codec_model(resolve_model(model_name));
  auto files = list_images(data);
  if (files.size() > static_cast<size_t>(images)) files.resize(images);
  std::vector<cv::Mat> originals;
  for (const auto& file : files) originals.push_back(quantize_u8(read_image(file).pixels));

  // Curve 0: rounding; curve k: prices[k - 1]. Points: means over the images.
  std::vector<eval::RateCurve> curves(prices.size() + 1);
  curves[0].method = "rounding";
  for (size_t k = 0; k < prices.size(); ++k) curves[k + 1].method = fmt::format("price {}", prices[k]);
  fmt::print("{} on {} images of {}, {} threads\n\n| level | quantization | bpp | PSNR (dB) | "
             "RD cost |\n|---|---|---|---|---|\n", model.meta.name, originals.size(), data, threads);
  const auto& lambdas = model.network->shape().lambdas;
  for (int level = 1; level <= model.levels(); ++level) {
    size_t best = 0;
    std::vector<double> costs;
    for (size_t k = 0; k < curves.size(); ++k) {
      double bpp = 0, psnr = 0, mse = 0;
      for (const auto& image : originals) {
        const auto bytes = k == 0 ? compression::compress(model, image, level, compression::Quantization::rounding)
                                  : compression::compress(model, image, level, compression::Quantization::rate_distortion,
                                                          prices[k - 1]);
        const cv::Mat decoded = compression::decompress(model, bytes);
        const double error = cv::norm(decoded, image, cv::NORM_L2SQR) /
                             (double(image.total()) * image.channels() * 255.0 * 255.0);
        bpp += bytes.size() * 8.0 / (double(image.cols) * image.rows);
        psnr += 10.0 * std::log10(1.0 / error);
        mse += error;
      }
      const double n = static_cast<double>(originals.size());
      curves[k].points.push_back({fmt::format("level {}", level), bpp / n, psnr / n, 0, 0, 0});
      costs.push_back(lambdas[level - 1] * 255.0 * 255.0 * mse / n + bpp / n);
      if (costs.back() < costs[best]) best = k;
      fmt::print("| {} | {} | {:.4f} | {:.3f} | {:.5f} |\n", level, curves[k].method, bpp / n, psnr / n, costs.back());
    }
    fmt::print("| {} | best: {} | | | |\n", level, curves[best].method);
  }
  fmt::print("\n| quantization | BD-rate against rounding |\n|---|---|\n");
  for (size_t k = 1; k < curves.size(); ++k)
    fmt::print("| {} | {:+.2f} % |\n", curves[k].method, eval::bd_rate(curves[0], curves[k]));
  return 0;
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  return restora::bench::guarded_main("tune_quantization", restora::run, argc, argv);
}

// Where the learned codec's encode and decode time goes: compress() and decompress() of one image
// timed as the CLI runs them, then operator by operator under LibTorch's profiler.
//   build/bench/profile_codec [--model codec] [--image PATH] [--level N] [--threads T] [--runs R]
// The image defaults to ../shared/data/test/Kodak24/kodim01.png (768×512, the size).
#include <fmt/format.h>
#include <torch/torch.h>

#include <iostream>
#include <opencv2/core.hpp>
#include <string>

#include "compression/image_codec.h"
#include "profiling.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora {
namespace {

int run(int argc, char** argv) {
  std::string model_name = "codec", image_path = "../shared/data/test/Kodak24/kodim01.png";
  int level = 5, threads = 2, runs = 3;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model") model_name = value;
    else if (flag == "--image") image_path = value;
    else if (flag == "--level") level = std::stoi(value);
    else if (flag == "--threads") threads = std::stoi(value);
    else if (flag == "--runs") runs = std::stoi(value);
    else {
      std::cerr << "usage: profile_codec [--model M] [--image PATH] [--level N] [--threads T] "
                   "[--runs R]\n";
      return 2;
    }
  }
  set_compute_threads(threads);
  auto model = compression::load_codec_model(resolve_model(model_name));
  const cv::Mat image = quantize_u8(read_image(image_path).pixels);

  // The first call of each builds oneDNN's kernels: what one CLI command pays.
  std::vector<uint8_t> file;
  const double first_encode_ms =
      bench::mean_ms([&] { file = compression::compress(model, image, level); }, 1);
  const double first_decode_ms = bench::mean_ms([&] { compression::decompress(model, file); }, 1);
  const double encode_ms =
      bench::mean_ms([&] { compression::compress(model, image, level); }, runs);
  const double decode_ms = bench::mean_ms([&] { compression::decompress(model, file); }, runs);
  // Decoding's two halves: the symbols and their parameters (integer networks, rANS), then the
  // float networks (latent residual prediction, g_s).
  const auto header = compression::read_header(file);
  compression::CodedLatents coded;
  const double latents_ms =
      bench::mean_ms([&] { coded = compression::decode_latents(model, header); }, runs);
  const double pixels_ms =
      bench::mean_ms([&] { compression::reconstruct(model, coded, level); }, runs);
  fmt::print(
      "{} level {} on {}x{} ({} bytes), {} threads:\n"
      "- first encode {:.0f} ms, first decode {:.0f} ms (oneDNN builds its kernels)\n"
      "- then, means of {} runs: encode {:.0f} ms, decode {:.0f} ms (decode_latents "
      "{:.0f} ms, reconstruct {:.0f} ms)\n\n",
      model_name, level, image.cols, image.rows, file.size(), torch::get_num_threads(),
      first_encode_ms, first_decode_ms, runs, encode_ms, decode_ms, latents_ms, pixels_ms);

  const auto print = [&](const char* what, const bench::OperatorTimes& rows) {
    fmt::print("### {}: operators' self time {:.0f} ms per run\n\n", what,
               bench::total_ms(rows, runs));
    bench::print_operator_table(rows, runs);
    fmt::print("\n");
  };
  print("encode",
        bench::profile_operators([&] { compression::compress(model, image, level); }, runs));
  print("decode", bench::profile_operators([&] { compression::decompress(model, file); }, runs));
  return 0;
}

}  // namespace
}  // namespace restora

int main(int argc, char** argv) {
  return restora::bench::guarded_main("profile_codec", restora::run, argc, argv);
}

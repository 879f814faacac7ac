// restora compress | decompress: images to .rci files with the learned codec, and back.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>

#include "common.h"
#include "compression/image_codec.h"
#include "fileio/file_io.h"
#include "jobs.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"
#include "restore/tensor_memory.h"

namespace restora::cli {
namespace {

// λ 0.0067 in the shipped model: about 0.5 bpp, 31.4 dB on Kodak24.
constexpr int default_level = 5;

struct CodecArgs {
  std::string input, output, model, precision = "fp32";
  std::string reference;  // decompress: the original, to report PSNR / MS-SSIM against
  int level = 0;  // 0: default_level, or the model's highest if it has fewer
  int threads = 0;
  std::string max_memory;  // empty: three quarters of RAM
  JobOptions jobs;
};

void add_common_options(CLI::App* command, CodecArgs& args, GlobalOptions& global,
                        bool short_quiet) {
  command->add_option("--threads", args.threads, "Compute threads (0 = all cores)")
      ->capture_default_str();
  // The codec cannot shrink its work to fit, as restoration shrinks tiles: the budget only turns
  // an image too large for the machine, or a file claiming one, into an error instead of an
  // exhausted machine.
  command
      ->add_option("--max-memory", args.max_memory,
                   "Tensor memory budget, e.g. 8G; an image needing more stops with an error")
      ->default_str("three quarters of RAM");
  // The entropy-coded symbols never depend on precision (integer hyper-synthesis); fp32 keeps
  // the networks' pixels identical on every machine too, so the codec accepts only fp32.
  command->add_option("--precision", args.precision, "fp32 (the codec runs its networks in fp32)")
      ->check(CLI::IsMember({"auto", "fp32", "bf16"}))
      ->capture_default_str();
  command->add_flag("--overwrite", args.jobs.overwrite, "Replace existing outputs");
  add_output_flags(*command, global, short_quiet);
}

void require_fp32(const std::string& precision) {
  if (precision == "bf16")
    throw InvalidArgument("--precision bf16: the codec runs in fp32 so that decoded images are "
                          "bit-identical on every machine");
}

// --max-memory in bytes (coding a 4096×4096 image peaked at 2.4 GB of process memory).
std::uint64_t memory_budget(const CodecArgs& args) {
  if (!args.max_memory.empty()) return tensor_memory::parse_bytes(args.max_memory);
  const auto physical = tensor_memory::physical_memory();
  return physical ? physical / 4 * 3 : std::uint64_t{4} << 30;
}

// The jobs of a codec subcommand after the checks both make; empty (and said) when none.
std::vector<Job> plan_codec_jobs(const CodecArgs& args, const GlobalOptions& global,
                                 const char* what) {
  require_fp32(args.precision);
  auto jobs = plan_jobs(args.input, args.output, args.jobs);
  if (jobs.empty()) info(global, fmt::format("no {} in '{}'", what, args.input));
  set_compute_threads(args.threads);
  return jobs;
}

// "PSNR 31.02 dB, MS-SSIM 0.9712 vs reference": PROTOCOLS.md's codec metrics (RGB, 8-bit).
std::string compare_with_original(const cv::Mat& decoded, const std::string& reference_path) {
  cv::Mat original = quantize_u8(read_image(reference_path, integer_reading).pixels);
  if (original.size() != decoded.size() || original.channels() != decoded.channels())
    throw InvalidArgument(fmt::format("reference '{}' is {}x{}x{}, the decoded image {}x{}x{}",
                                      reference_path, original.cols, original.rows,
                                      original.channels(), decoded.cols, decoded.rows,
                                      decoded.channels()));
  const auto space = metrics::Space::all_channels;
  std::string text = fmt::format("PSNR {:.2f} dB", metrics::measure(decoded, original, space, 0, false).psnr);
  if (std::min(decoded.rows, decoded.cols) >= 176)
    text += fmt::format(", MS-SSIM {:.4f}", metrics::ms_ssim(metrics::prepare(decoded, space, 0),
                                                             metrics::prepare(original, space, 0)));
  return text + " vs reference";
}

// Loads each model once, also when a folder's files name several.
class ModelCache {
 public:
  compression::CodecModel& get(const std::string& name_or_path) {
    std::lock_guard lock(mutex_);
    auto found = models_.find(name_or_path);
    if (found == models_.end())
      found = models_
                  .emplace(name_or_path, std::make_unique<compression::CodecModel>(
                                             compression::load_codec_model(resolve_model(name_or_path))))
                  .first;
    return *found->second;
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::unique_ptr<compression::CodecModel>> models_;
};

Run make_compress(CLI::App* command, std::shared_ptr<CodecArgs> args, GlobalOptions& global) {
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    const auto budget = memory_budget(*args);
    args->jobs.output = FileKind::compressed;
    const auto jobs = plan_codec_jobs(*args, global, "images");
    if (jobs.empty()) return 0;
    ModelCache models;
    auto& model = models.get(args->model.empty() ? "codec" : args->model);
    if (args->level == 0) args->level = std::min(default_level, model.levels());
    if (args->level < 1 || args->level > model.levels())
      throw InvalidArgument(fmt::format("-q {}: model '{}' has quality levels 1-{}", args->level,
                                        model.meta.name, model.levels()));
    JobStages stages;
    stages.load = [](const Job& job) { return Payload{read_image(job.input, integer_reading), {}, {}}; };
    stages.process = [&](const Job&, const Payload& input, std::string& summary) {
      const auto& image = input.image;
      if (image.has_alpha()) throw InvalidArgument("the codec does not store alpha channels");
      Payload output;
      output.bytes = compression::compress(model, quantize_u8(image.pixels), args->level);
      summary = fmt::format("{}x{}, level {}, {} bytes, {:.4f} bpp", image.width(), image.height(),
                            args->level, output.bytes.size(),
                            output.bytes.size() * 8.0 / (double(image.width()) * image.height()));
      return output;
    };
    stages.save = [](const Job& job, const Payload& output) {
      fileio::write_file_atomically(job.output, output.bytes);
    };
    tensor_memory::CapScope cap(budget);
    return run_jobs(jobs, args->jobs, global, stages);
  };
}

Run make_decompress(CLI::App* command, std::shared_ptr<CodecArgs> args, GlobalOptions& global) {
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    const auto budget = memory_budget(*args);
    args->jobs.input = FileKind::compressed;
    const auto jobs = plan_codec_jobs(*args, global, ".rci files");
    if (jobs.empty()) return 0;
    if (!args->reference.empty() && jobs.size() != 1)
      throw InvalidArgument("--reference needs a single input file");
    ModelCache models;
    JobStages stages;
    stages.load = [](const Job& job) { return Payload{{}, fileio::read_file_bytes(job.input), {}}; };
    stages.process = [&](const Job&, const Payload& input, std::string& summary) {
      const auto header = compression::read_header(input.bytes);
      auto& model = models.get(args->model.empty() ? header.model : args->model);
      Payload output;
      const auto decoded = compression::decompress(model, input.bytes);
      output.image.pixels = to_float01(decoded);
      summary = fmt::format("{}x{}, level {}, {:.4f} bpp, model {}", header.width, header.height,
                            header.level, input.bytes.size() * 8.0 / (double(header.width) * header.height),
                            model.meta.name);
      if (!args->reference.empty()) summary += ", " + compare_with_original(decoded, args->reference);
      return output;
    };
    stages.save = [](const Job& job, const Payload& output) {
      write_image(output.image, job.output);
    };
    tensor_memory::CapScope cap(budget);
    return run_jobs(jobs, args->jobs, global, stages);
  };
}

}  // namespace

Run add_codec_commands(CLI::App& app, GlobalOptions& global) {
  auto compress_args = std::make_shared<CodecArgs>();
  auto* compress = app.add_subcommand(
      "compress", "Compress images to .rci files with the learned codec (a file or a folder)");
  compress->add_option("-i,--input", compress_args->input, "Input image or folder")->required();
  compress->add_option("-o,--output", compress_args->output, "Output .rci file, or folder")
      ->required();
  compress->add_option("-q,--quality", compress_args->level,
                       "Quality level, 1 (smallest files) to the model's highest")
      ->default_str(std::to_string(default_level))
      ->check(CLI::Range(1, 255));
  compress->add_option("-m,--model", compress_args->model, "Codec model name or file")
      ->default_str("codec");
  add_common_options(compress, *compress_args, global, /*short_quiet=*/false);  // -q is quality

  auto decompress_args = std::make_shared<CodecArgs>();
  auto* decompress = app.add_subcommand("decompress", "Decode .rci files to images");
  decompress->add_option("-i,--input", decompress_args->input, "Input .rci file or folder")
      ->required();
  decompress->add_option("-o,--output", decompress_args->output, "Output image, or folder")
      ->required();
  decompress->add_option("-m,--model", decompress_args->model, "Codec model name or file")
      ->default_str("the model the file names");
  decompress
      ->add_option("--format", decompress_args->jobs.format,
                   "Output format for folders: png, bmp, tif, webp")
      ->default_str("png");
  decompress
      ->add_option("--reference", decompress_args->reference,
                   "Original of a single input: report the decoded image's PSNR and MS-SSIM")
      ->check(CLI::ExistingFile);
  add_common_options(decompress, *decompress_args, global, /*short_quiet=*/true);

  auto runs = std::make_shared<std::vector<Run>>(std::vector<Run>{
      make_compress(compress, compress_args, global),
      make_decompress(decompress, decompress_args, global)});
  return [runs]() -> int {
    for (const auto& run : *runs)
      if (int code = run(); code >= 0) return code;
    return -1;
  };
}

}  // namespace restora::cli

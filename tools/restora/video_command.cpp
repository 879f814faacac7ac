// restora video: a video file or a folder of frames restored frame by frame into another, the
// recurrent state carried along (restora/video_restorer.h, video/video_io.h).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "commands.h"
#include "common.h"
#include "restore/tensor_memory.h"
#include "restore_args.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restora/video_restorer.h"
#include "video/video_io.h"

namespace restora::cli {
namespace {
namespace fs = std::filesystem;

// In an output folder: the state after the frames written so far (what --resume continues).
constexpr const char* kStateFile = ".restora-video-state.safetensors";

struct VideoArgs {
  std::string input, output, task = "upscale";
  RestoreOptions restore;
  double fps = 25.0;
  video::WriterOptions writer;
  bool no_audio = false, resume = false, overwrite = false;
  int64_t max_frames = 0;
  std::string max_memory;
};

// Removes what a failed run wrote into an output folder, unless told to keep it (--resume).
class FolderGuard {
 public:
  FolderGuard(fs::path folder, bool created, bool keep) : folder_(std::move(folder)), created_(created), keep_(keep) {}
  void wrote(const fs::path& file) { written_.push_back(file); }
  void succeed() { done_ = true; }
  ~FolderGuard() {
    if (done_ || keep_) return;
    std::error_code error;
    for (const auto& file : written_) fs::remove(file, error);
    fs::remove(folder_ / kStateFile, error);
    if (created_) fs::remove(folder_, error);  // only when empty
  }

 private:
  fs::path folder_;
  bool created_, keep_;
  bool done_ = false;
  std::vector<fs::path> written_;
};

int run_video(VideoArgs args, const GlobalOptions& global) {
  if (!args.max_memory.empty()) args.restore.max_memory = tensor_memory::parse_bytes(args.max_memory);
  const std::string task = args.task == "upscale" ? "video_sr" : "video_denoise";
  const fs::path input = args.input, output = args.output;
  std::error_code error;
  if (fs::exists(output, error) && fs::exists(input, error) && fs::equivalent(input, output, error))
    throw InvalidArgument(fmt::format("output '{}' is the input", output.string()));
  const bool to_folder = video::is_frame_folder(output);
  auto reader = video::open_reader(input, args.fps);
  const auto& info_in = reader->info();
  if (args.resume && !to_folder)
    throw InvalidArgument(fmt::format("--resume needs a folder of frames as output, not '{}'", output.string()));
  if (!to_folder && fs::exists(output, error) && !args.overwrite)
    throw InvalidArgument(fmt::format("output '{}' exists (use --overwrite)", output.string()));

  VideoRestorer restorer(task, args.restore);
  const auto model = restorer.model();
  if (args.restore.sigma >= 0 && model.conditioning == "none")
    info(global, fmt::format("note: model '{}' is blind: it estimates the noise itself and does not use --sigma",
                             model.name));
  const int scale = restorer.scale();
  const cv::Size out_size(info_in.size.width * scale, info_in.size.height * scale);

  int64_t skip = 0;
  std::unique_ptr<video::FrameWriter> writer;
  std::unique_ptr<FolderGuard> guard;
  if (to_folder) {
    const bool created = !fs::exists(output, error);
    fs::create_directories(output, error);
    if (error) throw FileError(fmt::format("cannot create folder '{}': {}", output.string(), error.message()));
    const auto state_file = output / kStateFile;
    if (args.resume && fs::exists(state_file, error)) {
      restorer.load_state(state_file);
      skip = restorer.frames();
      for (int64_t i = 0; i < skip; ++i)
        if (!fs::exists(output / video::frame_name(i), error))
          throw FormatError(fmt::format("'{}' says {} frames are done, but '{}' is missing", state_file.string(),
                                        skip, video::frame_name(i)));
      info(global, fmt::format("resuming after frame {}", skip));
    } else if (!args.overwrite && !args.resume && fs::exists(output / video::frame_name(0), error)) {
      throw InvalidArgument(fmt::format("output folder '{}' already holds frames (use --resume or --overwrite)",
                                        output.string()));
    }
    guard = std::make_unique<FolderGuard>(output, created, args.resume);
  } else {
    auto options = args.writer;
    options.frame_rate = info_in.frame_rate;
    if (info_in.audio_streams > 0 && !args.no_audio) options.audio_from = input;
    writer = video::open_writer(output, out_size, info_in.time_base, options);
  }

  info(global, fmt::format("{}: {}x{} {} at {:.3f} fps{} -> {}x{}, model {} ({}{})", input.string(),
                           info_in.size.width, info_in.size.height, info_in.codec, info_in.frame_rate.value(),
                           info_in.frames ? fmt::format(", {} frames", info_in.frames) : "", out_size.width,
                           out_size.height, model.name, model.precision,
                           restorer.recurrent() ? ", recurrent" : ", frame by frame"));
  const int64_t total = args.max_frames > 0 && (info_in.frames == 0 || args.max_frames < info_in.frames)
                            ? args.max_frames
                            : info_in.frames;
  const bool tty = isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  video::Frame frame;
  int64_t done = 0;
  double next_line = 0.0;
  bool stopped_early = false;  // by --max-frames, before the input's end
  while (reader->read(frame)) {
    if (args.max_frames > 0 && frame.index >= args.max_frames) {
      stopped_early = true;
      break;
    }
    if (frame.index < skip) continue;
    const cv::Mat restored = restorer.push(frame.rgb);
    if (writer) {
      writer->write(restored, frame.pts);
    } else {
      const auto path = output / video::frame_name(frame.index);
      Image image;
      image.pixels = restored;
      write_image(image, path);
      guard->wrote(path);
      restorer.save_state(output / kStateFile);  // after the frame: a stop between them redoes it
    }
    ++done;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // On a terminal the line is rewritten every frame; in a log, a line every 10 seconds.
    if (!global.quiet && (tty || seconds >= next_line)) {
      next_line = seconds + 10.0;
      const double fps = done / std::max(seconds, 1e-9);
      const int64_t position = frame.index + 1;
      fmt::print(stderr, "{}frame {}{}  {:.2f} fps{}{}", tty ? "\r\033[K" : "", position,
                 total ? fmt::format("/{}", total) : "", fps,
                 total ? fmt::format("  ETA {}", clock_text((total - position) / std::max(fps, 1e-9))) : "",
                 tty ? "" : "\n");
      std::fflush(stderr);
    }
  }
  if (tty && !global.quiet) fmt::print(stderr, "\n");
  if (done + skip == 0) throw FormatError(fmt::format("'{}' has no frames", input.string()));
  if (writer) writer->finish();
  if (guard) {
    // Stopped by --max-frames: the state stays, so --resume goes on from there.
    if (!stopped_early) fs::remove(output / kStateFile, error);
    guard->succeed();
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  info(global, fmt::format("{} frames -> {} in {} ({:.2f} fps)", done, output.string(), clock_text(seconds),
                           done / std::max(seconds, 1e-9)));
  return 0;
}

}  // namespace

int run_burst(const RestoreArgs& args, const GlobalOptions& global) {
  if (fs::is_directory(args.input)) throw InvalidArgument("--burst needs one input image, not a folder");
  if (args.output.empty() || fs::is_directory(args.output))
    throw InvalidArgument("--burst needs -o naming the output image");
  if (fs::exists(args.output) && !args.jobs.overwrite)
    throw InvalidArgument(fmt::format("output '{}' exists (use --overwrite)", args.output));
  // Every shot read and checked before any is restored; the input (the reference) goes last, so
  // the result is aligned with it and the others lend it their detail.
  std::vector<fs::path> files(args.burst.begin(), args.burst.end());
  files.push_back(args.input);
  std::vector<cv::Mat> shots;
  for (const auto& file : files) {
    auto image = read_image(file, integer_reading);
    cv::Mat rgb = quantize_u8(image.pixels);
    if (rgb.channels() != 3)
      throw InvalidArgument(fmt::format("'{}': --burst takes RGB images", file.string()));
    if (!shots.empty() && rgb.size() != shots.front().size())
      throw InvalidArgument(fmt::format("'{}' is {}x{}, '{}' is {}x{}: burst shots must share one size", file.string(),
                                        rgb.cols, rgb.rows, files.front().string(), shots.front().cols,
                                        shots.front().rows));
    shots.push_back(rgb);
  }
  VideoRestorer restorer("video_sr", args.restore);
  if (!restorer.recurrent())
    throw InvalidArgument(fmt::format("--burst needs a recurrent video model, not '{}'", restorer.model().name));
  cv::Mat result;
  for (const auto& shot : shots) result = restorer.push(shot);
  Image image;
  image.pixels = result;
  write_image(image, args.output);
  info(global, fmt::format("{} shots {}x{} -> {} {}x{}, model {} ({})", shots.size(), shots.front().cols,
                           shots.front().rows, args.output, result.cols, result.rows, restorer.model().name,
                           restorer.model().precision));
  return 0;
}

Run add_video_command(CLI::App& app, GlobalOptions& global) {
  auto args = std::make_shared<VideoArgs>();
  auto* command = app.add_subcommand(
      "video", "Restore a video (file or folder of frames) with a recurrent video model: upscale or denoise");
  command->add_option("-i,--input", args->input, "Input video file or folder of frames")->required();
  command->add_option("-o,--output", args->output,
                      "Output video file (.mp4, .mkv, .mov, .webm) or folder of frames (PNG)")
      ->required();
  command->add_option("--task", args->task, "upscale or denoise")
      ->check(CLI::IsMember({"upscale", "denoise"}))
      ->capture_default_str();
  command->add_option("-s,--scale", args->restore.scale, "Upscaling factor (upscale; default the model's)");
  command->add_option("--sigma", args->restore.sigma, "Noise σ (0..255) for σ-conditioned models (denoise)")
      ->check(CLI::Range(0.0, 255.0));
  command->add_option("-m,--model", args->restore.model,
                      "Model name or file: a video model, or an image model of the task (frame by frame)");
  command->add_option("--fps", args->fps, "Frame rate of a folder input")->capture_default_str();
  command->add_option("--codec", args->writer.codec,
                      "Video encoder (libx264, libvpx-vp9, libaom-av1, ffv1, ...); default libx264, libvpx-vp9 for .webm");
  command->add_option("--crf", args->writer.crf, "Constant quality of x264/VP9/AV1 (lower = better)")
      ->check(CLI::Range(0, 63))
      ->capture_default_str();
  command->add_option("--preset", args->writer.preset, "x264 preset (ultrafast .. veryslow)")->capture_default_str();
  command->add_option("--pix-fmt", args->writer.pixel_format, "Encoder pixel format (default yuv420p)");
  command->add_flag("--no-audio", args->no_audio, "Do not carry the input's audio over");
  command->add_flag("--resume", args->resume,
                    "Output folder: continue after the frames a stopped run completed (and keep them on failure)");
  command->add_flag("--overwrite", args->overwrite, "Replace an existing output");
  command->add_option("--max-frames", args->max_frames,
                      "Stop after frame N (0 = all); an output folder keeps its state for --resume")
      ->check(CLI::NonNegativeNumber);
  command->add_option("--tile", args->restore.tile,
                      "Input pixels per tile side (0 = whole frames, or the largest tile that fits --max-memory)");
  command->add_option("--max-memory", args->max_memory,
                      "Tensor memory per tile, e.g. 2G (default a quarter of RAM)");
  command->add_option("--threads", args->restore.threads, "Compute threads (0 = all cores)");
  command->add_option("--device", args->restore.device, "cpu or cuda")->capture_default_str();
  command->add_option("--precision", args->restore.precision, "auto, fp32 or bf16")->capture_default_str();
  add_output_flags(*command, global);
  return [command, args, &global]() -> int {
    if (!command->parsed()) return -1;
    return run_video(*args, global);
  };
}

}  // namespace restora::cli

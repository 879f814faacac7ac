// Speed and peak memory of `restora video` on clips of different lengths made from the Vid4 test
// frames (looped, resized to the input size): the peak should not depend on the clip's length,
// since frames stream through the recurrent state.
//
//   build/bench/video_stream --restora build/tools/restora/restora [--task denoise|upscale]
//       [--seconds 6,60] [--height 480] [--fps 25] [--threads 2] [--data ../shared/data]
// --height is the output's: upscale reads clips of a quarter of it.
#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "restora/image_io.h"
#include "video/video_io.h"

namespace fs = std::filesystem;

namespace {

// Runs `arguments` as a child process; returns (exit status, wall seconds, peak RSS in MiB).
struct Run {
  int status = -1;
  double seconds = 0, peak_mib = 0;
};
Run run_child(const std::vector<std::string>& arguments) {
  std::vector<char*> argv;
  for (const auto& argument : arguments) argv.push_back(const_cast<char*>(argument.c_str()));
  argv.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t pid = fork();
  if (pid == 0) {
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  rusage usage{};
  wait4(pid, &status, 0, &usage);
  Run run;
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  run.peak_mib = usage.ru_maxrss / 1024.0;
  return run;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"restora video: speed and peak memory against the clip's length"};
  std::string restora, task = "denoise", data = "../shared/data", work = "/tmp/restora-video-bench";
  std::vector<int> seconds{6, 60};
  int height = 480, fps = 25, threads = 2;
  app.add_option("--restora", restora, "The restora binary")->required();
  app.add_option("--task", task)->check(CLI::IsMember({"denoise", "upscale"}));
  app.add_option("--seconds", seconds, "Clip lengths")->delimiter(',');
  app.add_option("--height", height, "Output frame height (16:9)");
  app.add_option("--fps", fps);
  app.add_option("--threads", threads);
  app.add_option("--data", data);
  app.add_option("--work", work, "Folder for the clips and outputs");
  CLI11_PARSE(app, argc, argv);

  const int scale = task == "upscale" ? 4 : 1;
  const cv::Size out_size((height * 16 / 9) / 2 * 2, height);
  const cv::Size in_size(out_size.width / scale / 2 * 2, out_size.height / scale / 2 * 2);
  std::vector<cv::Mat> sources;
  for (const auto* clip : {"calendar", "city"})
    for (const auto& file : restora::list_images(fs::path(data) / "test" / "Vid4" / clip)) {
      cv::Mat frame = restora::quantize_u8(restora::read_image(file).pixels), resized;
      cv::resize(frame, resized, in_size, 0, 0, cv::INTER_AREA);
      sources.push_back(resized);
    }
  fs::create_directories(work);
  fmt::print("restora video --task {}: {}x{} in, {}x{} out, {} fps, {} threads\n", task, in_size.width, in_size.height,
             in_size.width * scale, in_size.height * scale, fps, threads);
  fmt::print("| clip | frames | wall (s) | fps | peak RSS (MiB) |\n|---|---|---|---|---|\n");
  std::vector<double> peaks;
  for (const int length : seconds) {
    const auto clip = fs::path(work) / fmt::format("clip-{}s.mp4", length);
    restora::video::WriterOptions options;
    options.frame_rate = {fps, 1};
    options.crf = 16;
    auto writer = restora::video::open_writer(clip, in_size, {1, fps}, options);
    const int frames = length * fps;
    for (int t = 0; t < frames; ++t) writer->write(sources[static_cast<size_t>(t) % sources.size()], t);
    writer->finish();
    const auto out = fs::path(work) / fmt::format("out-{}s.mkv", length);
    const auto run = run_child({restora, "video", "--task", task, "-i", clip.string(), "-o", out.string(),
                                "--overwrite", "--threads", std::to_string(threads), "-q"});
    if (run.status != 0) {
      fmt::print(stderr, "restora video failed on {} (exit {})\n", clip.string(), run.status);
      return 1;
    }
    peaks.push_back(run.peak_mib);
    fmt::print("| {} s | {} | {:.1f} | {:.2f} | {:.0f} |\n", length, frames, run.seconds, frames / run.seconds,
               run.peak_mib);
  }
  if (peaks.size() >= 2)
    fmt::print("peak RSS, longest / shortest clip: {:.3f}\n", peaks.back() / peaks.front());
  return 0;
}

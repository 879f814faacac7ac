// Video restoration measured as PROTOCOLS.md "Video" says, on Vid4's calendar and city:
//   x4 BD (13×13 Gaussian σ 1.6, reflect, every 4th pixel) and x4 BI (MATLAB bicubic), each LR
//   frame stored 8-bit; Y PSNR/SSIM with an 8-pixel border crop, a clip's score the mean over
//   its frames. Rows: OpenCV bicubic (INTER_CUBIC), `sr` frame by frame, our video models, and
//   for BD the published RRN-5L numbers.
//   Denoising: + N(0, (σ/255)²) in float per frame (seeded), σ 10..50; RGB PSNR/SSIM. Rows: the
//   noisy input, `denoise-color` frame by frame, our video models.
//   Burst ("burst"): each Set14 image (modcropped to 4) and 7 more shots of it moved by a seeded
//   hand-held shake (translation up to ±4 pixels, rotation up to ±0.5°, reflected borders), each
//   degraded x4 (two tables: MATLAB bicubic, `sr`'s training degradation, and BD, the video
//   model's) and 8-bit; Y PSNR/SSIM with a 4-pixel crop against the image. Rows: bicubic
//   and `sr` on the reference shot, our video models on the reference alone and on the burst
//   (the other shots first, the reference last).
// Every clip row also gets the flicker (metrics::flicker, mean over consecutive frames) and its
// speed in frames per second at the clip's size.
//
//   eval::VideoEvalOptions options;
//   options.data_root = "../shared/data";
//   auto evaluation = eval::run_video_evaluation(options);
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/report.h"

namespace restora::eval {

struct VideoEvalOptions {
  std::filesystem::path data_root;  // holds test/Vid4/<clip>
  std::vector<std::string> clips{"calendar", "city"};
  std::vector<std::string> protocols{"bd", "bi", "denoise", "burst"};
  std::string burst_set = "Set14";
  int burst_shots = 8;
  std::vector<std::string> sr_models{"video-sr-x4"};       // ours, names or files
  std::vector<std::string> denoise_models{"video-denoise"};
  std::string sr_per_frame = "sr", denoise_per_frame = "denoise-color";  // image models beside them
  std::vector<double> sigmas{10, 20, 30, 40, 50};
  std::vector<std::string> precisions{"auto"};
  bool peers = true;   // the per-frame image models and bicubic
  int limit = 0;       // first N frames of each clip; 0 = all
  int threads = 0;     // 0 = all cores
  std::function<void(const std::string&)> progress;
};

struct VideoCell {
  std::string clip;  // or the burst's test set
  int frames = 0;
  double psnr = 0.0, ssim = 0.0, flicker = 0.0;  // flicker: NaN for bursts
  double fps = 0.0;  // 0: not timed (the input, published numbers)
};

struct VideoRow {
  std::string method, how;
  std::string model_file, precision;  // our rows
  bool published = false;
  std::vector<VideoCell> cells;  // one per clip, in order
  double mean_psnr() const;
};

struct VideoTable {
  std::string name;      // "x4 BD", "x4 BI", "denoise σ 30"
  std::string protocol;  // how it is measured
  std::vector<std::string> columns;  // the clips (or the burst's set), one cell each
  std::string set;                   // as recorded in model files: "Vid4 x4 BD", "Set14 burst x4 BI (8 shots)"
  std::vector<VideoRow> rows;
};

struct VideoEvaluation {
  int threads = 0, limit = 0;
  std::vector<std::string> clips;
  std::vector<VideoTable> tables;
};

// Throws FileError for a missing clip folder, InvalidArgument for an unknown protocol, and as
// VideoRestorer does for a missing or unsuitable model (before measuring).
VideoEvaluation run_video_evaluation(const VideoEvalOptions& options);

std::string render_video_markdown(const VideoEvaluation& evaluation, const ReportContext& context);
nlohmann::json video_evaluation_json(const VideoEvaluation& evaluation);
std::string video_summary(const VideoEvaluation& evaluation);
// Our rows' scores into their model files (one entry per table: "Vid4 x4 BD", "Vid4 σ 30").
std::vector<std::string> record_video_scores(const VideoEvaluation& evaluation, const ReportContext& context);

}  // namespace restora::eval

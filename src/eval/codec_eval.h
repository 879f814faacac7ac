// Learned compression measured as PROTOCOLS.md says: every image of a set (Kodak24) coded at
// every quality level of our codec models and of the classical codecs, each run in this one
// evaluation — JPEG (libjpeg 4:2:0 through OpenCV), WebP (cwebp), AVIF 4:2:0 and 4:4:4
// (avifenc), JPEG XL (cjxl) — and JPEG followed by our JPEG-artifact network. bpp comes from the
// size of the complete file on disk, PSNR (RGB, 8-bit) and MS-SSIM from decoding that file.
//
//   auto evaluation = eval::run_codec_evaluation(options);
//   double saving = eval::bd_rate(evaluation.curve("JPEG"), evaluation.curves[0]);  // e.g. −45
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/report.h"

namespace restora::eval {

struct CodecEvalOptions {
  std::filesystem::path data_root;        // holds test/<set>
  std::string set = "Kodak24";
  std::vector<std::string> models{"codec"};  // our codec models: shipped names or files
  std::string dejpeg_model = "dejpeg-color";  // JPEG + this restoration network; "" = none
  bool peers = true;                      // WebP, AVIF, JPEG XL (JPEG is always measured)
  int limit = 0;                          // first N images only; 0 = all
  int threads = 0;                        // 0 = all cores
  std::function<void(const std::string&)> progress;
};

struct RatePoint {
  std::string setting;  // "level 3", "q 30", "d 1.5", ...
  double bpp = 0.0, psnr = 0.0, ms_ssim = 0.0;  // means over the images (PSNR per image, then mean)
  double encode_seconds = 0.0, decode_seconds = 0.0;  // mean per image
};

struct RateCurve {
  std::string method;   // "codec (ours)", "JPEG", "WebP", "AVIF 4:2:0", "AVIF 4:4:4", ...
  std::string how;      // the encoder and its settings, for the report
  bool ours = false;
  std::string model_file;         // our codec curves: the model file measured
  std::vector<RatePoint> points;  // ascending bpp
};

struct CodecEvaluation {
  std::string set;
  int images = 0, threads = 0, limit = 0;
  std::vector<RateCurve> curves;
  std::vector<std::string> notes;  // peers skipped (tool missing), ...
  const RateCurve* curve(const std::string& method) const;  // nullptr when absent
};

// Throws FileError when the set folder is missing or empty.
CodecEvaluation run_codec_evaluation(const CodecEvalOptions& options);

// Bjøntegaard delta rate of `test` against `anchor` in percent (negative: `test` needs fewer
// bits for the same PSNR): cubic least-squares fits of log(bpp) as a function of PSNR,
// integrated over the PSNR range both curves cover. NaN when either has < 4 points or the
// ranges do not overlap.
double bd_rate(const RateCurve& anchor, const RateCurve& test);
// The same fits' rate difference at one PSNR, in percent: where along the curves a BD-rate is
// won or lost. NaN outside the range both curves cover, or with < 4 points.
double rate_difference_at(const RateCurve& anchor, const RateCurve& test, double psnr);

// The Markdown report: protocol, one table per curve, the BD-rate matrix of ours against each
// peer, and the plot (written by plot_rate_distortion beside the report, named `plot_name`).
std::string render_codec_markdown(const CodecEvaluation& evaluation, const ReportContext& context,
                                  const std::string& plot_name);
void plot_rate_distortion(const CodecEvaluation& evaluation, const std::filesystem::path& png);

// `restora eval --task codec --record`: writes each measured codec model's points and BD-rates
// into its file's scores.test.sets (the entry of the same set replaced), as record_scores does
// for restoration models. The coding tensors, hence the fingerprint .rci files carry, are
// untouched. A partial evaluation (limit > 0) -> InvalidArgument. Returns the files written.
std::vector<std::string> record_codec_scores(const CodecEvaluation& evaluation,
                                             const ReportContext& context);
nlohmann::json codec_evaluation_json(const CodecEvaluation& evaluation);

}  // namespace restora::eval

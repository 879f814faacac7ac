// Deblurring measured as PROTOCOLS.md "Deblurring" says (the DPIR protocol): each test image
// cropped to a multiple of 8, blurred circularly by each kernel of a set (Levin's 8 for the
// non-blind protocol, USRNet's 12 for the blind one), plus white noise σ in float, neither
// clipped nor quantized; PSNR/SSIM of the 8-bit result against the crop, no border crop, the
// mean over images × kernels (the blind protocol: Gaussian kernels 1-8 and motion kernels 9-12
// apart). Rows: the blurred input, Wiener deconvolution with the true kernel at the
// noise-to-signal ratio best on the set (an oracle), plug-and-play half-quadratic splitting
// with our blind denoiser (DPIR's schedule, 8 iterations; a peer row of the non-blind protocol,
// skipped with peers off) and our models: a model with kernel conditioning is given the true
// kernel, a blind one only the image. The blind protocol adds Levin09's 32 real camera-shake
// blurs, PSNR at the best shift within ±10 pixels (metrics::shifted_psnr); there a non-blind
// model is given Levin's kernel rotated by 180° (the blurs are correlations with the .txt
// kernels) and Wiener is not measured.
//
//   eval::DeblurEvalOptions options;
//   options.data_root = "../shared/data";
//   auto evaluation = eval::run_deblur_evaluation(options);
//   std::string markdown = eval::render_deblur_markdown(evaluation, context);
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/report.h"

namespace restora::eval {

struct DeblurEvalOptions {
  std::filesystem::path data_root;  // holds test/<set> and kernels/levin09
  // Set12, BSD68 (gray), CBSD68, Kodak24 (colour); empty = all four.
  std::vector<std::string> sets;
  // false: the non-blind protocol (Levin's kernels); true: the blind one (USRNet's kernels and
  // Levin09's real blurs; the caller sets sigmas {2.55} and models {"deblur"}).
  bool blind = false;
  std::vector<double> sigmas{2.55, 7.65};
  std::vector<std::string> models{"deblur-kernel"};  // names or files
  std::vector<std::string> precisions{"auto"};       // one row per model and precision
  bool peers = true;  // the plug-and-play row (slow: 8 denoiser passes per image)
  int limit = 0;      // first N images of each set; 0 = all
  int threads = 0;    // 0 = all cores
  std::function<void(const std::string&)> progress;
};

struct DeblurCell {
  std::string column;  // "Set12 σ 2.55", "Set12 motion σ 2.55", "Levin09 real"
  std::string set;
  std::string kernels;  // "levin09", "usrnet12 Gaussian", "usrnet12 motion", "real camera shake"
  double sigma = 0.0;
  int images = 0;    // images × kernels measured
  double psnr = 0.0, ssim = 0.0;
  double ms_per_megapixel = 0.0;  // median over the runs
  double nsr = 0.0;  // Wiener: the ratio chosen for the set and σ
};

struct DeblurRow {
  std::string method;
  std::string how;  // one sentence for the notes
  std::string model_file, precision;  // our rows
  std::vector<DeblurCell> cells;      // one per column measured, in order
};

struct DeblurEvaluation {
  bool blind = false;
  int threads = 0, limit = 0, kernels = 0;
  std::vector<DeblurRow> rows;
  std::vector<std::string> notes;
};

// Throws FileError for a missing data folder, test set, kernel or Levin09 image, InvalidArgument for an
// unknown set name, and as Restorer does for a missing or unsuitable model (before measuring).
DeblurEvaluation run_deblur_evaluation(const DeblurEvalOptions& options);

std::string render_deblur_markdown(const DeblurEvaluation& evaluation, const ReportContext& context);
nlohmann::json deblur_evaluation_json(const DeblurEvaluation& evaluation);

// Writes each of our rows' scores into its model file (eval/record.h record_own_rows), one entry
// per set ("Set12"; the blind protocol "Set12 (usrnet12 kernels)" and "Levin09 real"); when a
// model was measured in fp32 and bf16, its precision list follows the bf16 rule of record.h.
// InvalidArgument for a partial evaluation (limit > 0).
std::vector<std::string> record_deblur_scores(const DeblurEvaluation& evaluation,
                                              const ReportContext& context);

}  // namespace restora::eval

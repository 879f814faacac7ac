// Inpainting measured as PROTOCOLS.md "Inpainting" says: Kodak24 with three seeded mask sets of
// the project's generators (degrade/masks.h; image i's mask drawn from
// Rng(mix(noise_seed(i), family))): strokes at 15 % of the pixels, scratches at 4 %, large holes
// at 35 %. PSNR/SSIM of the 8-bit result on the whole image (all channels) and PSNR inside the
// mask (MSE over the masked pixels and channels). Rows: OpenCV's inpaint (Telea and
// Navier-Stokes at radius 3 and 5, the best of the four per mask set by PSNR inside the mask,
// each of the four measured) and our models.
//
//   eval::InpaintEvalOptions options;
//   options.data_root = "../shared/data";
//   auto evaluation = eval::run_inpaint_evaluation(options);
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/report.h"

namespace restora::eval {

struct MaskSet {
  std::string family;  // degrade/masks.h name
  double coverage = 0.0;
};

// strokes 15 %, scratches 4 %, large 35 %.
std::vector<MaskSet> standard_mask_sets();

struct InpaintEvalOptions {
  std::filesystem::path data_root;          // holds test/Kodak24
  std::string set = "Kodak24";
  std::vector<std::string> models{"inpaint"};  // names or files
  std::vector<std::string> precisions{"auto"};
  int limit = 0;    // first N images; 0 = all
  int threads = 0;  // 0 = all cores
  std::function<void(const std::string&)> progress;
};

struct InpaintCell {
  std::string masks;    // "strokes 15%"
  int images = 0;
  double coverage = 0;  // mean fraction of masked pixels
  double psnr = 0, ssim = 0, psnr_masked = 0;
  double seconds = 0;   // median per image
  std::string variant;  // OpenCV's best: "telea r3", ...
};

struct InpaintRow {
  std::string method, model_file, precision;
  std::vector<InpaintCell> cells;  // one per mask set
};

struct InpaintEvaluation {
  std::string set;
  int threads = 0, limit = 0;
  std::vector<InpaintRow> rows;  // OpenCV best, then the four variants, then ours
};

// Throws FileError for a missing data folder or set, as Restorer does for a bad model.
InpaintEvaluation run_inpaint_evaluation(const InpaintEvalOptions& options);
std::string render_inpaint_markdown(const InpaintEvaluation& evaluation, const ReportContext& context);
nlohmann::json inpaint_evaluation_json(const InpaintEvaluation& evaluation);

// Writes each of our rows' scores into its model file (eval/record.h record_own_rows): one entry
// for the set, a result per mask set (PSNR inside the mask, PSNR and SSIM of the whole image);
// fp32 against bf16 compared on the PSNR inside the mask. InvalidArgument for limit > 0.
std::vector<std::string> record_inpaint_scores(const InpaintEvaluation& evaluation,
                                               const ReportContext& context);

}  // namespace restora::eval

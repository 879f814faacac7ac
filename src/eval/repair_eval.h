// Automatic repair measured on a seeded synthetic damage test set (docs/REPAIR.md): each image of
// Kodak24 damaged by degrade/damage.h's generator (image i from Rng(mix(noise_seed(i), 34)),
// the amount drawn in [0.1, 1], element sizes of the image's own shorter side), quantized to 8
// bits as a scanned file would be. The detector's mask against the painted one: precision,
// recall and IoU, counts summed over the set; the repaired image against the clean one: PSNR
// and SSIM (all channels). Rows: the damaged input; a classical pipeline (pixels far from
// their 5×5 median, at the threshold best on the set by IoU, grown by one pixel, filled by
// OpenCV Telea r3); our detector + inpainting model; and the inpainting model given the true
// mask (an oracle: what a perfect detector would reach).
//
//   eval::RepairEvalOptions options;
//   options.data_root = "../shared/data";
//   auto evaluation = eval::run_repair_evaluation(options);
#pragma once

#include <filesystem>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/report.h"

namespace restora::eval {

struct RepairEvalOptions {
  std::filesystem::path data_root;  // holds test/<set>
  std::string set = "Kodak24";
  std::vector<std::string> models{"repair"};  // detectors: names or files
  std::string inpaint_model = "inpaint";
  std::vector<std::string> precisions{"auto"};
  double threshold = 0;  // the detector's (RestoreOptions::threshold; 0 = the model's own)
  int limit = 0;    // first N images; 0 = all
  int threads = 0;  // 0 = all cores
  std::function<void(const std::string&)> progress;
};

struct RepairRow {
  std::string method, how, model_file, precision;
  int images = 0;
  double coverage = 0;  // mean fraction of pixels truly damaged
  double precision_score = 0, recall = 0, iou = 0;  // NaN where nothing is detected (the input, the oracle)
  double psnr = 0, ssim = 0;
  double seconds = 0;  // median per image
  // Detectors: the recall of each damage kind (degrade/damage.h's order), over its own pixels.
  std::vector<double> recall_by_kind;
};

struct RepairEvaluation {
  std::string set;
  int threads = 0, limit = 0;
  std::vector<RepairRow> rows;
};

// Throws FileError for a missing data folder or set, as Restorer does for a bad model.
RepairEvaluation run_repair_evaluation(const RepairEvalOptions& options);
std::string render_repair_markdown(const RepairEvaluation& evaluation, const ReportContext& context);
nlohmann::json repair_evaluation_json(const RepairEvaluation& evaluation);
// Writes each detector row's scores into its model file (record.h record_own_rows); fp32 and
// bf16 compared on the repaired PSNR. InvalidArgument for limit > 0.
std::vector<std::string> record_repair_scores(const RepairEvaluation& evaluation, const ReportContext& context);

}  // namespace restora::eval

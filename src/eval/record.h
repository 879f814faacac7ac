// `restora eval --record`: the measured test-set scores go into each evaluated model's file, so
// `restora models` and `restora info` show what the model scores under the standard protocols.
//
//   const auto files = eval::record_scores(evaluation, context);  // rewritten model files
#pragma once

#include <string>
#include <vector>

#include "eval/evaluate.h"
#include "eval/report.h"
#include "model_file/model_meta.h"

namespace restora::eval {

// bf16 is validated for a model when, on every set and setting measured in both fp32 and bf16,
// it loses at most this much PSNR against fp32.
constexpr double bf16_psnr_tolerance_db = 0.02;

// For every model file that a row of `evaluation` measured on its own task's protocol (another
// task's model measured beside it, such as the Gaussian denoiser on real noise, is left as it
// is), rewrites the file (atomically, the
// tensors byte for byte) with metadata scores.test.sets updated: one entry per evaluated set,
//   {"set", "images", "date", "command", "precision", "results": [{"setting", <parameter>,
//    "psnr", "ssim", "psnr_b" (JPEG, gray protocol), "psnr_y" (JPEG, colour protocol)}],
//    "bf16_largest_psnr_drop" (when compared)},
// an earlier entry of the same set replaced in place, entries of other sets kept. The results
// are the fp32 row's when the model was measured in fp32, else its only row's. When a set was
// measured in both fp32 and bf16, the file's `precision` becomes [fp32, bf16] if no compared
// setting lost more than bf16_psnr_tolerance_db, else [fp32] ("auto" then runs it in fp32).
// Returns the files written. A partial evaluation (limit > 0) -> InvalidArgument: only whole
// test sets are the protocol.
std::vector<std::string> record_scores(const Evaluation& evaluation, const ReportContext& context);

// Puts one measured test set (an object with "set") into meta.scores.test.sets, replacing an
// entry of the same set in place and keeping the others; `protocol` labels the whole record.
void store_test_set(model_file::ModelMeta& meta, const nlohmann::json& entry,
                    const std::string& protocol);

// One of our rows of an evaluation with a report of its own (deblur, inpaint), as
// record_own_rows takes it: the model file, the precision it ran in, one entry per set
// ({"set", "images", "results": [...]}) and the PSNRs compared cell by cell between fp32 and bf16.
struct OwnRow {
  std::string model_file, precision;
  std::vector<nlohmann::json> sets;
  std::vector<double> psnrs;
};

// record_scores for such evaluations: per model file, the fp32 row's sets (else its only row's)
// are stored with date, command and precision; a file measured in fp32 and bf16 gets
// "bf16_largest_psnr_drop" and the precision rule above. `limit` > 0 -> InvalidArgument.
// Returns the files written.
std::vector<std::string> record_own_rows(const std::vector<OwnRow>& rows, const ReportContext& context,
                                         const std::string& protocol, int limit);

// One line from a model's scores: "Set5 x2 37.52, x3 33.71, x4 31.40 dB" from the first recorded
// test set, else "validation 30.23 dB", else "".
std::string score_summary(const nlohmann::json& scores);

}  // namespace restora::eval

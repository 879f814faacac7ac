// The automatic repair evaluation (eval/repair_eval.h).
#include "eval/repair_eval.h"

#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <opencv2/imgproc.hpp>
#include <opencv2/photo.hpp>

#include "degrade/damage.h"
#include "degrade/random.h"
#include "eval/protocols.h"
#include "eval/record.h"
#include "eval/stopwatch.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/repairer.h"
#include "restore/runtime.h"

namespace restora::eval {
namespace fs = std::filesystem;
namespace {

constexpr uint64_t damage_stream = 34;
const double classical_thresholds[] = {0.06, 0.1, 0.15, 0.2};
const double no_score = std::numeric_limits<double>::quiet_NaN();

struct Tally {
  metrics::MaskCounts counts;
  double kind_found[4] = {0, 0, 0, 0}, kind_total[4] = {0, 0, 0, 0};
  // What `found` recovered of each kind's own pixels.
  void add_kinds(const cv::Mat& found, const Damage& damage) {
    for (int k = 0; k < 4; ++k) {
      kind_total[k] += cv::countNonZero(damage.kinds[k]);
      kind_found[k] += cv::countNonZero(found & damage.kinds[k]);
    }
  }
  double psnr = 0, ssim = 0, coverage = 0;
  int count = 0;
  std::vector<double> ms;
  void add(const cv::Mat& repaired, const cv::Mat& gt, const cv::Mat& truth, double elapsed,
           const cv::Mat& found = cv::Mat()) {
    const cv::Mat repaired_u8 = repaired.depth() == CV_8U ? repaired : quantize_u8(repaired);
    const auto scores = metrics::measure(repaired_u8, gt, metrics::Space::all_channels, 0, false);
    psnr += scores.psnr;
    ssim += scores.ssim;
    coverage += static_cast<double>(cv::countNonZero(truth)) / truth.total();
    if (!found.empty()) counts += metrics::count_mask(found, truth);
    ms.push_back(elapsed);
    ++count;
  }
  void fill(RepairRow& row, bool detects) const {
    row.images = count;
    if (count) {
      row.psnr = psnr / count;
      row.ssim = ssim / count;
      row.coverage = coverage / count;
    }
    row.precision_score = detects ? counts.precision() : no_score;
    row.recall = detects ? counts.recall() : no_score;
    row.iou = detects ? counts.iou() : no_score;
    if (detects && kind_total[0] + kind_total[1] + kind_total[2] + kind_total[3] > 0)
      for (int k = 0; k < 4; ++k) row.recall_by_kind.push_back(kind_total[k] ? kind_found[k] / kind_total[k] : no_score);
    row.seconds = median(ms) / 1000;
  }
};

cv::Mat grown(const cv::Mat& mask) {
  cv::Mat out;
  cv::dilate(mask, out, cv::getStructuringElement(cv::MORPH_ELLIPSE, {3, 3}));
  return out;
}

// Pixels farther than `threshold` (of full scale, any channel) from their 5×5 median.
cv::Mat median_outliers(const cv::Mat& image_u8, double threshold) {
  cv::Mat median, difference;
  cv::medianBlur(image_u8, median, 5);
  cv::absdiff(image_u8, median, difference);
  std::vector<cv::Mat> planes;
  cv::split(difference, planes);
  cv::Mat largest = planes[0];
  for (size_t c = 1; c < planes.size(); ++c) largest = cv::max(largest, planes[c]);
  return largest > threshold * 255;
}

cv::Mat telea(const cv::Mat& image_rgb, const cv::Mat& mask) {
  cv::Mat bgr, filled;
  cv::cvtColor(image_rgb, bgr, cv::COLOR_RGB2BGR);
  cv::inpaint(bgr, mask, filled, 3, cv::INPAINT_TELEA);
  cv::cvtColor(filled, filled, cv::COLOR_BGR2RGB);
  return filled;
}

}  // namespace

RepairEvaluation run_repair_evaluation(const RepairEvalOptions& options) {
  RepairEvaluation evaluation;
  evaluation.set = options.set;
  evaluation.limit = options.limit;
  evaluation.threads = start_evaluation(options.data_root, options.threads);
  const auto paths = test_set_images(TestSet{options.set, Color::rgb},
                                     options.data_root / "test" / options.set, options.limit);
  struct Ours {
    std::unique_ptr<Repairer> repairer;
    RepairRow row;
    Tally tally;
  };
  std::vector<Ours> ours;
  for (const auto& model : options.models)
    for (const auto& precision : options.precisions) {
      RepairOptions repair;
      repair.detector.model = model;
      repair.detector.precision = precision;
      repair.detector.threshold = options.threshold;
      repair.detector.threads = evaluation.threads;
      repair.inpaint_model = options.inpaint_model;
      Ours entry{std::make_unique<Repairer>(repair), {}, {}};
      const auto detector = entry.repairer->detector_for(3);  // loads both: a bad model fails now
      const auto inpainter = entry.repairer->inpainter_for(3);
      entry.row.method = fmt::format("{} + {} (ours, {})", detector.name, inpainter.name, detector.precision);
      entry.row.how = fmt::format("our detector '{}' (threshold {}{}, grown by 1 pixel) and inpainting model '{}'",
                                  detector.name, detector.threshold,
                                  options.threshold == 0 ? ", its own" : "", inpainter.name);
      entry.row.model_file = detector.path;
      entry.row.precision = precision;
      ours.push_back(std::move(entry));
    }
  RestoreOptions oracle_options;
  oracle_options.model = options.inpaint_model;
  oracle_options.threads = evaluation.threads;
  Restorer oracle("inpaint", oracle_options);
  const auto oracle_model = oracle.model_for(3);

  Tally input_tally, oracle_tally;
  std::map<double, Tally> classical;
  for (size_t i = 0; i < paths.size(); ++i) {
    const cv::Mat gt = read_ground_truth(paths[i], Color::rgb);
    cv::Mat clean;
    gt.convertTo(clean, CV_32F, 1.0 / 255);
    Rng rng(Rng::mix(noise_seed(static_cast<int>(i)), damage_stream));
    const auto damage = random_damage(clean, rng);
    const cv::Mat damaged = quantize_u8(damage.image);
    input_tally.add(damaged, gt, damage.mask, 0.0);
    for (const double threshold : classical_thresholds) {
      const Stopwatch timer;
      const cv::Mat found = median_outliers(damaged, threshold);
      const cv::Mat filled = telea(damaged, grown(found));
      classical[threshold].add(filled, gt, damage.mask, timer.ms(), found);
      classical[threshold].add_kinds(found, damage);
    }
    Image image = image_from_u8(damaged);
    {
      const Stopwatch timer;
      const auto filled = oracle.restore(image, damage.mask);
      oracle_tally.add(filled.pixels, gt, damage.mask, timer.ms());
    }
    for (auto& entry : ours) {
      const Stopwatch timer;
      const auto repaired = entry.repairer->repair(image);
      entry.tally.add(repaired.image.pixels, gt, damage.mask, timer.ms(), repaired.found);
      entry.tally.add_kinds(repaired.found, damage);
    }
    if (options.progress)
      options.progress(fmt::format("repair {}: {}/{}", options.set, i + 1, paths.size()));
  }

  RepairRow input{"Damaged input", "the damaged image as it is", "", "", 0, 0, 0, 0, 0, 0, 0, 0, {}};
  input_tally.fill(input, false);
  evaluation.rows.push_back(input);
  const auto best = std::max_element(classical.begin(), classical.end(), [](const auto& a, const auto& b) {
    return a.second.counts.iou() < b.second.counts.iou();
  });
  RepairRow median_row;
  median_row.method = fmt::format("Median outliers + OpenCV Telea (threshold {})", best->first);
  median_row.how = "pixels farther than the threshold from their 5×5 median (the best of 0.06, 0.1, "
                   "0.15, 0.2 by IoU on the set), grown by 1 pixel, filled by OpenCV Telea r3";
  best->second.fill(median_row, true);
  evaluation.rows.push_back(median_row);
  for (auto& entry : ours) {
    entry.tally.fill(entry.row, true);
    evaluation.rows.push_back(entry.row);
  }
  RepairRow oracle_row;
  oracle_row.method = fmt::format("{} given the true mask (oracle)", oracle_model.name);
  oracle_row.how = "the inpainting model with the painted mask itself: what a perfect detector reaches";
  oracle_row.precision = oracle_model.precision;
  oracle_tally.fill(oracle_row, false);
  evaluation.rows.push_back(oracle_row);
  return evaluation;
}

std::string render_repair_markdown(const RepairEvaluation& evaluation, const ReportContext& context) {
  std::string text = report_heading("Automatic repair", context, evaluation.threads);
  text += fmt::format(
      "Test set (docs/DEGRADATIONS.md, damage): {}{}, each image damaged by the project's generator "
      "(degrade/damage.h: scratches, dust, cracks, stains; image i from Rng(mix(noise_seed(i), "
      "34)), the amount drawn in [0.1, 1]) and rounded to 8 bits. Detection: precision, recall "
      "and IoU of the found mask against the painted one, pixel counts summed over the set. "
      "Repair: PSNR / SSIM of the result against the clean image (all channels, 8-bit). s/image: "
      "median wall time per image.\n\n",
      evaluation.set, evaluation.limit ? fmt::format(" (first {} images)", evaluation.limit) : "");
  if (evaluation.rows.empty()) return text;
  text += fmt::format("Damaged pixels: {:.2f} % on average.\n\n", 100 * evaluation.rows.front().coverage);
  text += "| Method | Precision | Recall | IoU | PSNR (dB) | SSIM | s/image |\n|---|---|---|---|---|---|---|\n";
  const auto ratio = [](double value) { return std::isnan(value) ? std::string("—") : fmt::format("{:.3f}", value); };
  for (const auto& row : evaluation.rows)
    text += fmt::format("| {} | {} | {} | {} | {:.2f} | {:.4f} | {} |\n", row.method, ratio(row.precision_score),
                        ratio(row.recall), ratio(row.iou), row.psnr, row.ssim,
                        row.seconds > 0 ? fmt::format("{:.2f}", row.seconds) : "—");
  text += "\n";
  for (const auto& row : evaluation.rows) {
    if (row.recall_by_kind.size() != 4) continue;  // rows that detect nothing
    text += fmt::format("Recall by kind, {}:", row.method);
    for (int k = 0; k < 4; ++k)
      text += fmt::format(" {} {}{}", damage_kind_names[k], ratio(row.recall_by_kind[k]), k < 3 ? "," : ".");
    text += "\n";
  }
  text += "\n";
  for (const auto& row : evaluation.rows)
    text += fmt::format("- {}: {}{}.\n", row.method, row.how,
                        row.model_file.empty() ? "" : fmt::format(" (`{}`)", fs::path(row.model_file).filename().string()));
  return text;
}

nlohmann::json repair_evaluation_json(const RepairEvaluation& evaluation) {
  nlohmann::json rows = nlohmann::json::array();
  const auto number = [](double value) { return std::isnan(value) ? nlohmann::json() : nlohmann::json(value); };
  for (const auto& row : evaluation.rows)
    rows.push_back({{"method", row.method}, {"model_file", row.model_file}, {"precision", row.precision},
                    {"images", row.images}, {"coverage", row.coverage},
                    {"detection_precision", number(row.precision_score)}, {"recall", number(row.recall)},
                    {"iou", number(row.iou)}, {"psnr", row.psnr}, {"ssim", row.ssim}, {"seconds", row.seconds},
                    {"recall_by_kind", row.recall_by_kind}});
  return {{"set", evaluation.set}, {"threads", evaluation.threads}, {"limit", evaluation.limit}, {"rows", rows}};
}

std::vector<std::string> record_repair_scores(const RepairEvaluation& evaluation, const ReportContext& context) {
  std::vector<OwnRow> rows;
  for (const auto& row : evaluation.rows) {
    if (row.model_file.empty()) continue;
    nlohmann::json result = {{"setting", "synthetic damage"}, {"iou", row.iou},
                             {"detection_precision", row.precision_score}, {"recall", row.recall},
                             {"psnr", row.psnr}, {"ssim", row.ssim}};
    rows.push_back({row.model_file, row.precision,
                    {{{"set", evaluation.set + " (synthetic damage)"}, {"images", row.images},
                      {"results", nlohmann::json::array({result})}}},
                    {row.psnr}});
  }
  return record_own_rows(rows, context,
                         "docs/REPAIR.md (synthetic damage), measured by restora eval --task repair",
                         evaluation.limit);
}

}  // namespace restora::eval

// The inpainting evaluation (eval/inpaint_eval.h).
#include "eval/inpaint_eval.h"

#include <fmt/format.h>

#include <cmath>
#include <memory>
#include <opencv2/photo.hpp>

#include "degrade/masks.h"
#include "degrade/random.h"
#include "eval/protocols.h"
#include "eval/record.h"
#include "eval/stopwatch.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/restorer.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora::eval {
namespace fs = std::filesystem;
namespace {

struct Variant {
  const char* name;
  int flags;
  double radius;
};
const Variant opencv_variants[] = {{"telea r3", cv::INPAINT_TELEA, 3},
                                   {"telea r5", cv::INPAINT_TELEA, 5},
                                   {"ns r3", cv::INPAINT_NS, 3},
                                   {"ns r5", cv::INPAINT_NS, 5}};

// PSNR over the masked pixels (all channels) of two 8-bit images.
double masked_psnr(const cv::Mat& restored, const cv::Mat& gt, const cv::Mat& mask) {
  cv::Mat a, b;
  restored.convertTo(a, CV_64F);
  gt.convertTo(b, CV_64F);
  cv::Mat squared = (a - b).mul(a - b);
  const double sum = cv::sum(cv::sum(squared.setTo(cv::Scalar::all(0), mask == 0)))[0];
  const double count = static_cast<double>(cv::countNonZero(mask)) * gt.channels();
  const double mse = count > 0 ? sum / count : 0.0;
  return mse > 0 ? 10 * std::log10(255.0 * 255.0 / mse) : 100.0;
}

struct Tally {
  double psnr = 0, ssim = 0, masked = 0, coverage = 0;
  int count = 0;
  std::vector<double> ms;
  void add(const cv::Mat& restored_u8, const cv::Mat& gt, const cv::Mat& mask, double elapsed) {
    const auto scores = metrics::measure(restored_u8, gt, metrics::Space::all_channels, 0, false);
    psnr += scores.psnr;
    ssim += scores.ssim;
    masked += masked_psnr(restored_u8, gt, mask);
    coverage += mask_coverage(mask);
    ms.push_back(elapsed);
    ++count;
  }
  InpaintCell cell(const std::string& masks) const {
    InpaintCell cell;
    cell.masks = masks;
    cell.images = count;
    if (count) {
      cell.psnr = psnr / count;
      cell.ssim = ssim / count;
      cell.psnr_masked = masked / count;
      cell.coverage = coverage / count;
    }
    cell.seconds = median(ms) / 1000;
    return cell;
  }
};

}  // namespace

std::vector<MaskSet> standard_mask_sets() {
  return {{"strokes", 0.15}, {"scratches", 0.04}, {"large", 0.35}};
}

InpaintEvaluation run_inpaint_evaluation(const InpaintEvalOptions& options) {
  InpaintEvaluation evaluation;
  evaluation.set = options.set;
  evaluation.limit = options.limit;
  evaluation.threads = start_evaluation(options.data_root, options.threads);
  const auto paths = test_set_images(TestSet{options.set, Color::rgb},
                                     options.data_root / "test" / options.set, options.limit);
  struct Ours {
    std::unique_ptr<Restorer> restorer;
    InpaintRow row;
  };
  std::vector<Ours> ours;
  for (const auto& model : options.models)
    for (const auto& precision : options.precisions) {
      RestoreOptions restore;
      restore.model = model;
      restore.precision = precision;
      restore.threads = evaluation.threads;
      Ours entry{std::make_unique<Restorer>("inpaint", restore), {}};
      const auto summary = entry.restorer->model_for(3);  // loads it: a bad model fails now
      entry.row.method = fmt::format("{} (ours, {})", summary.name, summary.precision);
      entry.row.model_file = summary.path;
      entry.row.precision = precision;
      ours.push_back(std::move(entry));
    }

  InpaintRow best{"OpenCV inpaint (best of Telea/NS, r 3/5)", "", "", {}};
  std::vector<InpaintRow> variants;
  for (const auto& variant : opencv_variants) variants.push_back({fmt::format("OpenCV {}", variant.name), "", "", {}});
  const auto mask_sets = standard_mask_sets();
  for (size_t family = 0; family < mask_sets.size(); ++family) {
    const auto& masks = mask_sets[family];
    const auto label = fmt::format("{} {:.0f}%", masks.family, 100 * masks.coverage);
    std::vector<Tally> variant_tallies(variants.size()), our_tallies(ours.size());
    for (size_t i = 0; i < paths.size(); ++i) {
      const cv::Mat gt = read_ground_truth(paths[i], Color::rgb);
      Rng rng(Rng::mix(noise_seed(static_cast<int>(i)), family));
      const cv::Mat mask = random_mask(mask_family(masks.family), gt.size(), masks.coverage, rng);
      cv::Mat damaged = gt.clone();
      damaged.setTo(cv::Scalar::all(0), mask);
      for (size_t v = 0; v < variants.size(); ++v) {
        const Stopwatch timer;
        cv::Mat bgr, filled;
        cv::cvtColor(damaged, bgr, cv::COLOR_RGB2BGR);
        cv::inpaint(bgr, mask, filled, opencv_variants[v].radius, opencv_variants[v].flags);
        cv::cvtColor(filled, filled, cv::COLOR_BGR2RGB);
        variant_tallies[v].add(filled, gt, mask, timer.ms());
      }
      for (size_t r = 0; r < ours.size(); ++r) {
        Image image;
        image.pixels = damaged;
        const Stopwatch timer;
        const auto restored = ours[r].restorer->restore(image, mask);
        our_tallies[r].add(restored.pixels, gt, mask, timer.ms());
      }
      if (options.progress)
        options.progress(fmt::format("inpaint {} {}: {}/{}", options.set, label, i + 1, paths.size()));
    }
    size_t chosen = 0;
    for (size_t v = 0; v < variants.size(); ++v) {
      variants[v].cells.push_back(variant_tallies[v].cell(label));
      if (variant_tallies[v].masked > variant_tallies[chosen].masked) chosen = v;
    }
    best.cells.push_back(variants[chosen].cells.back());
    best.cells.back().variant = opencv_variants[chosen].name;
    for (size_t r = 0; r < ours.size(); ++r) ours[r].row.cells.push_back(our_tallies[r].cell(label));
  }
  evaluation.rows.push_back(std::move(best));
  for (auto& variant : variants) evaluation.rows.push_back(std::move(variant));
  for (auto& entry : ours) evaluation.rows.push_back(std::move(entry.row));
  return evaluation;
}

std::string render_inpaint_markdown(const InpaintEvaluation& evaluation, const ReportContext& context) {
  std::string text = report_heading("Inpainting", context, evaluation.threads);
  text += fmt::format(
      "Protocol (../shared/PROTOCOLS.md, Inpainting): {}{}, three seeded mask sets of the "
      "project's generators (image i's mask from Rng(mix(noise_seed(i), set index))), the masked "
      "pixels zeroed. Cells: PSNR inside the mask / PSNR of the whole image / SSIM (all channels, "
      "8-bit); s/image: the median wall time per image.\n\n",
      evaluation.set, evaluation.limit ? fmt::format(" (first {} images)", evaluation.limit) : "");
  if (evaluation.rows.empty()) return text;
  text += "| Method |";
  std::string rule = "|---|";
  for (const auto& cell : evaluation.rows.front().cells) {
    text += fmt::format(" {} (mean {:.1f}% masked) | s/image |", cell.masks, 100 * cell.coverage);
    rule += "---|---|";
  }
  text += "\n" + rule + "\n";
  for (const auto& row : evaluation.rows) {
    text += "| " + row.method + " |";
    for (const auto& cell : row.cells)
      text += fmt::format(" {:.2f} / {:.2f} / {:.4f}{} | {:.2f} |", cell.psnr_masked, cell.psnr,
                          cell.ssim, cell.variant.empty() ? "" : " (" + cell.variant + ")", cell.seconds);
    text += "\n";
  }
  for (const auto& row : evaluation.rows)
    if (!row.model_file.empty())
      text += fmt::format("\n- {}: `{}`", row.method, fs::path(row.model_file).filename().string());
  return text + "\n";
}

nlohmann::json inpaint_evaluation_json(const InpaintEvaluation& evaluation) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : evaluation.rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : row.cells)
      cells.push_back({{"masks", cell.masks}, {"images", cell.images}, {"coverage", cell.coverage},
                       {"psnr_masked", cell.psnr_masked}, {"psnr", cell.psnr}, {"ssim", cell.ssim},
                       {"seconds", cell.seconds}, {"variant", cell.variant}});
    rows.push_back({{"method", row.method}, {"model_file", row.model_file},
                    {"precision", row.precision}, {"cells", cells}});
  }
  return {{"set", evaluation.set}, {"threads", evaluation.threads}, {"limit", evaluation.limit}, {"rows", rows}};
}

std::vector<std::string> record_inpaint_scores(const InpaintEvaluation& evaluation,
                                               const ReportContext& context) {
  std::vector<OwnRow> rows;
  for (const auto& row : evaluation.rows) {
    if (row.model_file.empty()) continue;
    nlohmann::json results = nlohmann::json::array();
    std::vector<double> psnrs;
    for (const auto& cell : row.cells) {
      results.push_back({{"setting", cell.masks}, {"psnr_masked", cell.psnr_masked},
                         {"psnr", cell.psnr}, {"ssim", cell.ssim}});
      psnrs.push_back(cell.psnr_masked);
    }
    const int images = row.cells.empty() ? 0 : row.cells.front().images;
    rows.push_back({row.model_file, row.precision,
                    {{{"set", evaluation.set}, {"images", images}, {"results", results}}}, psnrs});
  }
  return record_own_rows(rows, context,
                         "../shared/PROTOCOLS.md (inpainting), measured by restora eval --task inpaint",
                         evaluation.limit);
}

}  // namespace restora::eval

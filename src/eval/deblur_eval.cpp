// The deblurring evaluation (eval/deblur_eval.h).
#include "eval/deblur_eval.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <map>

#include "degrade/kernels.h"
#include "degrade/noise.h"
#include "degrade/random.h"
#include "eval/protocols.h"
#include "eval/record.h"
#include "eval/stopwatch.h"
#include "image/tensor_bridge.h"
#include "metrics/metrics.h"
#include "model_file/model_meta.h"
#include "nn/fourier_blur.h"
#include "restora/errors.h"
#include "restora/restorer.h"
#include "restore/model_loader.h"
#include "restore/runtime.h"

namespace restora::eval {
namespace fs = std::filesystem;
namespace {

struct SetInfo {
  std::string name;
  Color color;
};
const std::vector<SetInfo> known_sets = {
    {"Set12", Color::gray}, {"BSD68", Color::gray}, {"CBSD68", Color::rgb}, {"Kodak24", Color::rgb}};

// Wiener's candidate noise-to-signal ratios; the best on each set and σ is reported.
const std::vector<double> wiener_ratios = {1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 3e-3, 5e-3, 7e-3,
                                           1e-2, 1.5e-2, 2e-2, 3e-2, 5e-2, 0.1};

cv::Mat crop_to_8(const cv::Mat& image) {
  return image(cv::Rect(0, 0, image.cols / 8 * 8, image.rows / 8 * 8)).clone();
}

// The blurred, noisy input of image `index` under kernel `k` at σ: the noise is drawn from
// Rng(mix(noise_seed(index), k)), the same draws for every σ (scaled).
cv::Mat blurred_input(const cv::Mat& gt_u8, const cv::Mat& kernel, int index, int k, double sigma) {
  cv::Mat clean;
  gt_u8.convertTo(clean, CV_32F, 1.0 / 255);
  Rng rng(Rng::mix(noise_seed(index), static_cast<uint64_t>(k)));
  return add_gaussian_noise(convolve_circular(clean, kernel), sigma, rng);
}

// Wiener deconvolution: the data step towards zero with the noise-to-signal ratio as weight.
cv::Mat fourier_deconvolve(const cv::Mat& lq, const cv::Mat& kernel, double nsr) {
  const auto y = mat_to_tensor(lq);
  const nn::FourierBlur blur(mat_to_tensor(kernel), y);
  return tensor_to_mat(blur.data_step(torch::zeros_like(y), torch::tensor(nsr)));
}

// DPIR's schedule (Zhang et al. 2021): 8 iterations, the prior's level σ_s falling
// geometrically from 49 to σ, the data weight ρ_s = 0.23 σ² / σ_s². Our denoiser is blind: it
// is not told σ_s and estimates the level of what it is given.
cv::Mat plug_and_play(Restorer& denoiser, const cv::Mat& lq, const cv::Mat& kernel, double sigma) {
  constexpr int iterations = 8;
  const double noise = std::max(sigma, 0.255) / 255.0;
  const auto y = mat_to_tensor(lq);
  const nn::FourierBlur blur(mat_to_tensor(kernel), y);
  torch::Tensor z = y;
  for (int s = 0; s < iterations; ++s) {
    const double t = static_cast<double>(s) / (iterations - 1);
    const double level = std::pow(49.0 / 255.0, 1 - t) * std::pow(noise, t);
    const double rho = 0.23 * noise * noise / (level * level);
    Image x;
    x.pixels = tensor_to_mat(blur.data_step(z, torch::tensor(rho)));
    x.bit_depth = 32;
    z = mat_to_tensor(denoiser.restore(x).pixels);
  }
  return tensor_to_mat(z);
}

// Running sums of one row on one set at one σ.
struct Tally {
  double psnr = 0, ssim = 0;
  int count = 0;
  std::vector<double> ms_per_mp;
  void add(const cv::Mat& restored, const cv::Mat& gt_u8, double ms) {
    const auto scores = metrics::measure(quantize_u8(restored), gt_u8, metrics::Space::all_channels, 0, false);
    psnr += scores.psnr;
    ssim += scores.ssim;
    ++count;
    ms_per_mp.push_back(ms / (gt_u8.total() / 1e6));
  }
  DeblurCell cell(const std::string& set, double sigma) const {
    DeblurCell cell;
    cell.set = set;
    cell.sigma = sigma;
    cell.images = count;
    cell.psnr = count ? psnr / count : 0;
    cell.ssim = count ? ssim / count : 0;
    cell.ms_per_megapixel = median(ms_per_mp);
    return cell;
  }
};

}  // namespace

DeblurEvaluation run_deblur_evaluation(const DeblurEvalOptions& options) {
  if (!fs::is_directory(options.data_root))
    throw FileError(fmt::format("data folder '{}' does not exist", options.data_root.string()));
  if (options.limit < 0) throw InvalidArgument("limit must be >= 0");
  std::vector<SetInfo> sets;
  for (const auto& name : options.sets) {
    const auto found = std::find_if(known_sets.begin(), known_sets.end(),
                                    [&](const SetInfo& set) { return set.name == name; });
    if (found == known_sets.end())
      throw InvalidArgument(fmt::format("deblurring is measured on Set12, BSD68, CBSD68 and "
                                        "Kodak24, not '{}'", name));
    sets.push_back(*found);
  }
  if (sets.empty()) sets = known_sets;
  const auto kernel_folder = options.data_root / "kernels" / "levin09";
  std::vector<cv::Mat> kernels;
  for (int k = 1; k <= 8; ++k) {
    const auto path = kernel_folder / fmt::format("kernel{}.txt", k);
    if (!fs::exists(path)) throw FileError(fmt::format("kernel '{}' is missing", path.string()));
    kernels.push_back(read_kernel(path));
  }
  DeblurEvaluation evaluation;
  evaluation.threads = options.threads > 0 ? options.threads : available_cores();
  cv::setNumThreads(evaluation.threads);
  set_compute_threads(evaluation.threads);
  evaluation.limit = options.limit;
  evaluation.kernels = static_cast<int>(kernels.size());
  // Our rows, each model loaded once here: a missing or broken one fails before measuring.
  std::vector<DeblurRow> ours;
  for (const auto& model : options.models) {
    const auto file = resolve_model(model).string();
    const auto meta = load_model(file).meta;
    for (const auto& precision : options.precisions)
      ours.push_back({fmt::format("{} (ours, {})", meta.name, precision),
                      fmt::format("{}: {}", meta.name, meta.description), file, precision, {}});
  }
  RestoreOptions denoise_options;
  denoise_options.threads = evaluation.threads;
  Restorer denoiser("denoise", denoise_options);

  DeblurRow input{"Blurred input", "the blurred, noisy input clipped and rounded", "", "", {}};
  DeblurRow wiener{"Wiener (true kernel, best NSR)",
                   "Wiener deconvolution with the true kernel and the constant noise-to-signal "
                   "ratio best on the set and σ among 1e-4 .. 0.1 (an oracle)",
                   "", "", {}};
  DeblurRow pnp{"Plug-and-play + our denoiser",
                "DPIR's half-quadratic splitting (8 iterations, prior level 49 → σ, ρ = 0.23 σ²/σ_s²) "
                "with the shipped blind denoiser (denoise-gray / denoise-color) as the prior",
                "", "", {}};

  for (const auto& set : sets) {
    const auto folder = options.data_root / "test" / set.name;
    const auto paths = test_set_images(TestSet{set.name, set.color}, folder, options.limit);
    std::vector<cv::Mat> ground_truths;
    for (const auto& path : paths) ground_truths.push_back(crop_to_8(read_ground_truth(path, set.color)));
    for (const double sigma : options.sigmas) {
      Tally input_tally, pnp_tally;
      std::map<double, Tally> wiener_tallies;
      std::vector<Tally> our_tallies(ours.size());
      for (size_t k = 0; k < kernels.size(); ++k) {
        std::vector<std::unique_ptr<Restorer>> restorers;
        for (const auto& row : ours) {
          RestoreOptions restore;
          restore.model = row.model_file;
          restore.precision = row.precision;
          restore.kernel = kernels[k];
          restore.sigma = sigma;
          restore.circular_blur = true;
          restore.threads = evaluation.threads;
          restorers.push_back(std::make_unique<Restorer>("deblur", restore));
        }
        for (size_t i = 0; i < ground_truths.size(); ++i) {
          const auto& gt = ground_truths[i];
          const cv::Mat lq = blurred_input(gt, kernels[k], static_cast<int>(i), static_cast<int>(k), sigma);
          input_tally.add(lq, gt, 0.0);
          for (const double ratio : wiener_ratios) {
            const Stopwatch timer;
            const auto restored = fourier_deconvolve(lq, kernels[k], ratio);
            wiener_tallies[ratio].add(restored, gt, timer.ms());
          }
          if (options.peers) {
            const Stopwatch timer;
            const auto restored = plug_and_play(denoiser, lq, kernels[k], sigma);
            pnp_tally.add(restored, gt, timer.ms());
          }
          for (size_t r = 0; r < ours.size(); ++r) {
            Image image;
            image.pixels = lq;
            image.bit_depth = 32;
            const Stopwatch timer;
            const auto restored = restorers[r]->restore(image);
            our_tallies[r].add(restored.pixels, gt, timer.ms());
          }
          if (options.progress)
            options.progress(fmt::format("deblur {} σ={} kernel {}: {}/{}", set.name, sigma, k + 1,
                                         i + 1, ground_truths.size()));
        }
      }
      input.cells.push_back(input_tally.cell(set.name, sigma));
      const auto best = std::max_element(wiener_tallies.begin(), wiener_tallies.end(),
                                         [](const auto& a, const auto& b) { return a.second.psnr < b.second.psnr; });
      wiener.cells.push_back(best->second.cell(set.name, sigma));
      wiener.cells.back().nsr = best->first;
      if (options.peers) pnp.cells.push_back(pnp_tally.cell(set.name, sigma));
      for (size_t r = 0; r < ours.size(); ++r)
        ours[r].cells.push_back(our_tallies[r].cell(set.name, sigma));
    }
  }
  evaluation.rows.push_back(std::move(input));
  evaluation.rows.push_back(std::move(wiener));
  if (options.peers) evaluation.rows.push_back(std::move(pnp));
  else evaluation.notes.push_back("The plug-and-play row was skipped (--no-peers).");
  for (auto& row : ours) evaluation.rows.push_back(std::move(row));
  return evaluation;
}

std::string render_deblur_markdown(const DeblurEvaluation& evaluation, const ReportContext& context) {
  std::string text = report_heading("Non-blind deblurring", context, evaluation.threads);
  text += fmt::format(
      "Protocol (../shared/PROTOCOLS.md, Deblurring): the {} Levin kernels, circular blur of the "
      "image cropped to a multiple of 8, white noise σ added in float (not clipped, not "
      "quantized; Rng(mix(noise_seed(image), kernel))), PSNR/SSIM on all channels of the 8-bit "
      "result, no border crop, the mean over images × kernels{}. ms/MP: median wall time per "
      "megapixel.\n\n",
      evaluation.kernels,
      evaluation.limit ? fmt::format(" (first {} images of each set only)", evaluation.limit) : "");
  if (evaluation.rows.empty()) return text;
  const auto& cells = evaluation.rows.front().cells;
  text += "| Method |";
  std::string rule = "|---|";
  for (const auto& cell : cells) {
    text += fmt::format(" {} σ {} |", cell.set, cell.sigma);
    rule += "---|";
  }
  text += " ms/MP |\n" + rule + "---|\n";
  for (const auto& row : evaluation.rows) {
    text += "| " + row.method + " |";
    std::vector<double> times;
    for (const auto& cell : row.cells) {
      text += fmt::format(" {:.2f} / {:.4f} |", cell.psnr, cell.ssim);
      if (cell.ms_per_megapixel > 0) times.push_back(cell.ms_per_megapixel);
    }
    text += times.empty() ? " — |\n" : fmt::format(" {:.0f} |\n", median(times));
  }
  text += "\nCells: PSNR (dB) / SSIM. ms/MP: the median over the row's cells.\n\n";
  for (const auto& row : evaluation.rows) {
    if (row.method.rfind("Wiener", 0) == 0) {
      std::string ratios;
      for (const auto& cell : row.cells)
        ratios += fmt::format("{}{} σ {}: {}", ratios.empty() ? "" : ", ", cell.set, cell.sigma, cell.nsr);
      text += fmt::format("- {}: {} (chosen: {}).\n", row.method, row.how, ratios);
    } else {
      text += fmt::format("- {}: {}{}.\n", row.method, row.how,
                          row.model_file.empty() ? "" : fmt::format(" (`{}`)", fs::path(row.model_file).filename().string()));
    }
  }
  for (const auto& note : evaluation.notes) text += "- " + note + "\n";
  return text;
}

nlohmann::json deblur_evaluation_json(const DeblurEvaluation& evaluation) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : evaluation.rows) {
    nlohmann::json cells = nlohmann::json::array();
    for (const auto& cell : row.cells)
      cells.push_back({{"set", cell.set}, {"sigma", cell.sigma}, {"images", cell.images},
                       {"psnr", cell.psnr}, {"ssim", cell.ssim},
                       {"ms_per_megapixel", cell.ms_per_megapixel}, {"nsr", cell.nsr}});
    rows.push_back({{"method", row.method}, {"model_file", row.model_file},
                    {"precision", row.precision}, {"cells", cells}});
  }
  return {{"threads", evaluation.threads}, {"limit", evaluation.limit}, {"rows", rows}};
}

std::vector<std::string> record_deblur_scores(const DeblurEvaluation& evaluation,
                                              const ReportContext& context) {
  if (evaluation.limit > 0) throw InvalidArgument("--record needs whole test sets: drop --limit");
  std::map<std::string, std::map<std::string, const DeblurRow*>> by_file;  // file -> precision -> row
  for (const auto& row : evaluation.rows)
    if (!row.model_file.empty()) by_file[row.model_file][row.precision] = &row;
  std::vector<std::string> files;
  for (const auto& [file, rows] : by_file) {
    const DeblurRow* main = rows.count("fp32") ? rows.at("fp32") : rows.begin()->second;
    auto model = model_file::read_model_file(file);
    std::map<std::string, nlohmann::json> per_set;
    for (const auto& cell : main->cells)
      per_set[cell.set].push_back({{"setting", fmt::format("levin09 σ={}", cell.sigma)},
                                   {"sigma", cell.sigma}, {"psnr", cell.psnr}, {"ssim", cell.ssim}});
    double largest_drop = -1e9;
    const bool compared = rows.count("fp32") && rows.count("bf16");
    if (compared)
      for (size_t c = 0; c < main->cells.size(); ++c)
        largest_drop = std::max(largest_drop, main->cells[c].psnr - rows.at("bf16")->cells[c].psnr);
    for (const auto& [set, results] : per_set) {
      nlohmann::json entry = {{"set", set}, {"images", main->cells.front().images},
                              {"date", context.date}, {"command", context.command},
                              {"precision", main->precision}, {"results", results}};
      if (compared) entry["bf16_largest_psnr_drop"] = largest_drop;
      store_test_set(model.meta, entry,
                     "../shared/PROTOCOLS.md (deblurring, DPIR protocol), measured by restora eval --task deblur");
    }
    if (compared) {
      model.meta.precision = {model_file::Precision::fp32};
      if (largest_drop <= bf16_psnr_tolerance_db) model.meta.precision.push_back(model_file::Precision::bf16);
    }
    model_file::write_model_file(file, model);
    files.push_back(file);
  }
  return files;
}

}  // namespace restora::eval

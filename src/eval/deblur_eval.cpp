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
  DeblurCell cell(const std::string& column, const std::string& set, const std::string& kernels,
                  double sigma) const {
    DeblurCell cell;
    cell.column = column;
    cell.set = set;
    cell.kernels = kernels;
    cell.sigma = sigma;
    cell.images = count;
    cell.psnr = count ? psnr / count : 0;
    cell.ssim = count ? ssim / count : 0;
    cell.ms_per_megapixel = median(ms_per_mp);
    return cell;
  }
};

// A protocol's kernels and the groups its means are taken over.
struct KernelGroup {
  std::string name;  // "" for one group of all
  size_t first = 0, count = 0;
};
struct KernelSet {
  std::string folder;  // under kernels/
  std::vector<std::string> files;
  std::vector<KernelGroup> groups;
};

KernelSet protocol_kernels(bool blind) {
  KernelSet set;
  if (blind) {
    set.folder = "usrnet12";
    for (int k = 1; k <= 12; ++k) set.files.push_back(fmt::format("kernel{:02d}.txt", k));
    set.groups = {{"Gaussian", 0, 8}, {"motion", 8, 4}};
  } else {
    set.folder = "levin09";
    for (int k = 1; k <= 8; ++k) set.files.push_back(fmt::format("kernel{}.txt", k));
    set.groups = {{"", 0, 8}};
  }
  return set;
}

// One of our models: its row, and whether it takes the kernel (else it is blind).
struct Ours {
  DeblurRow row;
  bool non_blind = false;
};

std::unique_ptr<Restorer> our_restorer(const Ours& model, const cv::Mat& kernel, double sigma,
                                       bool circular, int threads) {
  RestoreOptions restore;
  restore.model = model.row.model_file;
  restore.precision = model.row.precision;
  if (model.non_blind) {
    restore.kernel = kernel;
    restore.sigma = sigma;
    restore.circular_blur = circular;
  }
  restore.threads = threads;
  return std::make_unique<Restorer>("deblur", restore);
}

// Levin09's real camera-shake blurs (imI_kernelK_img.png against gt/imI.png), each result
// scored at its best shift within ±10 pixels. Adds one cell to the input row and to each of ours.
void measure_real_blur(const fs::path& root, int limit, int threads, DeblurRow& input,
                       std::vector<Ours>& ours, const std::function<void(const std::string&)>& progress) {
  constexpr int max_shift = 10;
  const auto folder = root / "test" / "Levin09";
  const std::string column = "Levin09 real", set = "Levin09 real", kernels = "real camera shake";
  Tally input_tally;
  std::vector<Tally> our_tallies(ours.size());
  std::vector<std::unique_ptr<Restorer>> restorers(ours.size());
  const auto score = [&](Tally& tally, const cv::Mat& restored_u8, const cv::Mat& gt, double ms) {
    const auto prepared = metrics::prepare(restored_u8, metrics::Space::all_channels, 0);
    tally.psnr += metrics::shifted_psnr(prepared, metrics::prepare(gt, metrics::Space::all_channels, 0), max_shift);
    tally.ssim += metrics::measure(restored_u8, gt, metrics::Space::all_channels, 0, false).ssim;
    ++tally.count;
    tally.ms_per_mp.push_back(ms / (gt.total() / 1e6));
  };
  const int images = limit > 0 ? std::min(limit, 4) : 4;
  const auto read = [&](const fs::path& path) {
    if (!fs::exists(path)) throw FileError(fmt::format("Levin09 image '{}' is missing", path.string()));
    return read_ground_truth(path, Color::gray);
  };
  std::vector<cv::Mat> ground_truths;
  for (int i = 1; i <= images; ++i) ground_truths.push_back(read(folder / "gt" / fmt::format("im{}.png", i)));
  int done = 0;
  for (int k = 1; k <= 8; ++k) {
    // The real blurs are the .txt kernels applied as a correlation: their 180° rotation,
    // convolved with the sharp image, matches each blurred one at 37-45 dB after the shift
    // (the data set's PNG kernels only for kernels 4 and 8).
    cv::Mat kernel;
    cv::flip(read_kernel(root / "kernels" / "levin09" / fmt::format("kernel{}.txt", k)), kernel, -1);
    // A blind model's restorer serves every kernel; a non-blind one is told each.
    for (size_t r = 0; r < ours.size(); ++r)
      if (!restorers[r] || ours[r].non_blind) restorers[r] = our_restorer(ours[r], kernel, 2.55, false, threads);
    for (int i = 1; i <= images; ++i) {
      const cv::Mat& gt = ground_truths[static_cast<size_t>(i - 1)];
      Image blurred;
      blurred.pixels = read(folder / "blurred" / fmt::format("im{}_kernel{}_img.png", i, k));
      score(input_tally, blurred.pixels, gt, 0.0);
      for (size_t r = 0; r < ours.size(); ++r) {
        const Stopwatch timer;
        const auto restored = restorers[r]->restore(blurred);
        score(our_tallies[r], quantize_u8(restored.pixels), gt, timer.ms());
      }
      if (progress) progress(fmt::format("deblur Levin09 real: {}/{}", ++done, images * 8));
    }
  }
  input.cells.push_back(input_tally.cell(column, set, kernels, 0));
  for (size_t r = 0; r < ours.size(); ++r)
    ours[r].row.cells.push_back(our_tallies[r].cell(column, set, kernels, 0));
}

const DeblurCell* find_cell(const DeblurRow& row, const std::string& column) {
  for (const auto& cell : row.cells)
    if (cell.column == column) return &cell;
  return nullptr;
}

}  // namespace

DeblurEvaluation run_deblur_evaluation(const DeblurEvalOptions& options) {
  const int threads = start_evaluation(options.data_root, options.threads);
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
  const auto protocol = protocol_kernels(options.blind);
  const auto kernel_folder = options.data_root / "kernels" / protocol.folder;
  std::vector<cv::Mat> kernels;
  for (const auto& name : protocol.files) {
    const auto path = kernel_folder / name;
    if (!fs::exists(path)) throw FileError(fmt::format("kernel '{}' is missing", path.string()));
    kernels.push_back(read_kernel(path));
  }
  DeblurEvaluation evaluation;
  evaluation.blind = options.blind;
  evaluation.threads = threads;
  evaluation.limit = options.limit;
  evaluation.kernels = static_cast<int>(kernels.size());
  // Our rows, each model loaded once here: a missing or broken one fails before measuring.
  std::vector<Ours> ours;
  for (const auto& model : options.models) {
    const auto file = resolve_model(model).string();
    const auto meta = load_model(file).meta;
    for (const auto& precision : options.precisions)
      ours.push_back({{fmt::format("{} (ours, {})", meta.name, precision),
                       fmt::format("{}: {}", meta.name, meta.description), file, precision, {}},
                      meta.conditioning == model_file::Conditioning::kernel});
  }
  const bool peers = options.peers && !options.blind;
  std::unique_ptr<Restorer> denoiser;
  if (peers) {
    RestoreOptions denoise_options;
    denoise_options.threads = evaluation.threads;
    denoiser = std::make_unique<Restorer>("denoise", denoise_options);
  }

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
      for (const auto& group : protocol.groups) {
        Tally input_tally, pnp_tally;
        std::map<double, Tally> wiener_tallies;
        std::vector<Tally> our_tallies(ours.size());
        for (size_t k = group.first; k < group.first + group.count; ++k) {
          std::vector<std::unique_ptr<Restorer>> restorers;
          for (const auto& model : ours)
            restorers.push_back(our_restorer(model, kernels[k], sigma, true, evaluation.threads));
          for (size_t i = 0; i < ground_truths.size(); ++i) {
            const auto& gt = ground_truths[i];
            const cv::Mat lq = blurred_input(gt, kernels[k], static_cast<int>(i), static_cast<int>(k), sigma);
            input_tally.add(lq, gt, 0.0);
            for (const double ratio : wiener_ratios) {
              const Stopwatch timer;
              const auto restored = fourier_deconvolve(lq, kernels[k], ratio);
              wiener_tallies[ratio].add(restored, gt, timer.ms());
            }
            if (peers) {
              const Stopwatch timer;
              const auto restored = plug_and_play(*denoiser, lq, kernels[k], sigma);
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
        const auto column = group.name.empty() ? fmt::format("{} σ {}", set.name, sigma)
                                               : fmt::format("{} {} σ {}", set.name, group.name, sigma);
        const auto kernel_label = group.name.empty() ? protocol.folder : protocol.folder + " " + group.name;
        const auto cell = [&](const Tally& tally) { return tally.cell(column, set.name, kernel_label, sigma); };
        input.cells.push_back(cell(input_tally));
        const auto best = std::max_element(wiener_tallies.begin(), wiener_tallies.end(),
                                           [](const auto& a, const auto& b) { return a.second.psnr < b.second.psnr; });
        wiener.cells.push_back(cell(best->second));
        wiener.cells.back().nsr = best->first;
        if (peers) pnp.cells.push_back(cell(pnp_tally));
        for (size_t r = 0; r < ours.size(); ++r) ours[r].row.cells.push_back(cell(our_tallies[r]));
      }
    }
  }
  if (options.blind) measure_real_blur(options.data_root, options.limit, evaluation.threads, input, ours, options.progress);
  evaluation.rows.push_back(std::move(input));
  evaluation.rows.push_back(std::move(wiener));
  if (peers) evaluation.rows.push_back(std::move(pnp));
  else if (!options.blind) evaluation.notes.push_back("The plug-and-play row was skipped (--no-peers).");
  for (auto& model : ours) evaluation.rows.push_back(std::move(model.row));
  return evaluation;
}

std::string render_deblur_markdown(const DeblurEvaluation& evaluation, const ReportContext& context) {
  std::string text = report_heading(evaluation.blind ? "Blind deblurring" : "Non-blind deblurring",
                                    context, evaluation.threads);
  const auto subset = evaluation.limit ? fmt::format(" (first {} images of each set only)", evaluation.limit) : "";
  if (evaluation.blind)
    text += fmt::format(
        "Protocol (../shared/PROTOCOLS.md, Deblurring, blind): USRNet's {} kernels (1-4 isotropic, "
        "5-8 anisotropic Gaussian: the Gaussian columns; 9-12 motion), circular blur of the image "
        "cropped to a multiple of 8, white noise σ added in float (not clipped, not quantized; "
        "Rng(mix(noise_seed(image), kernel))), PSNR/SSIM on all channels of the 8-bit result, no "
        "border crop, the mean over images × kernels{}; the blind models are not given the "
        "kernel. Levin09 real: the 32 real camera-shake blurs, PSNR at the best integer shift "
        "within ±10 pixels over the image less a 10-pixel margin (Levin's comp_upto_shift), SSIM "
        "unshifted. ms/MP: median wall time per megapixel.\n\n",
        evaluation.kernels, subset);
  else
    text += fmt::format(
        "Protocol (../shared/PROTOCOLS.md, Deblurring): the {} Levin kernels, circular blur of the "
        "image cropped to a multiple of 8, white noise σ added in float (not clipped, not "
        "quantized; Rng(mix(noise_seed(image), kernel))), PSNR/SSIM on all channels of the 8-bit "
        "result, no border crop, the mean over images × kernels{}. ms/MP: median wall time per "
        "megapixel.\n\n",
        evaluation.kernels, subset);
  if (evaluation.rows.empty()) return text;
  const auto& columns = evaluation.rows.front().cells;
  text += "| Method |";
  std::string rule = "|---|";
  for (const auto& cell : columns) {
    text += fmt::format(" {} |", cell.column);
    rule += "---|";
  }
  text += " ms/MP |\n" + rule + "---|\n";
  for (const auto& row : evaluation.rows) {
    text += "| " + row.method + " |";
    std::vector<double> times;
    for (const auto& column : columns) {
      const auto* cell = find_cell(row, column.column);
      if (!cell) {
        text += " — |";
        continue;
      }
      text += fmt::format(" {:.2f} / {:.4f} |", cell->psnr, cell->ssim);
      if (cell->ms_per_megapixel > 0) times.push_back(cell->ms_per_megapixel);
    }
    text += times.empty() ? " — |\n" : fmt::format(" {:.0f} |\n", median(times));
  }
  text += "\nCells: PSNR (dB) / SSIM. ms/MP: the median over the row's cells.\n\n";
  for (const auto& row : evaluation.rows) {
    if (row.method.rfind("Wiener", 0) == 0) {
      std::string ratios;
      for (const auto& cell : row.cells)
        ratios += fmt::format("{}{}: {}", ratios.empty() ? "" : ", ", cell.column, cell.nsr);
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
      cells.push_back({{"column", cell.column}, {"set", cell.set}, {"kernels", cell.kernels},
                       {"sigma", cell.sigma}, {"images", cell.images},
                       {"psnr", cell.psnr}, {"ssim", cell.ssim},
                       {"ms_per_megapixel", cell.ms_per_megapixel}, {"nsr", cell.nsr}});
    rows.push_back({{"method", row.method}, {"model_file", row.model_file},
                    {"precision", row.precision}, {"cells", cells}});
  }
  return {{"blind", evaluation.blind}, {"threads", evaluation.threads}, {"limit", evaluation.limit}, {"rows", rows}};
}

std::vector<std::string> record_deblur_scores(const DeblurEvaluation& evaluation,
                                              const ReportContext& context) {
  std::vector<OwnRow> rows;
  for (const auto& row : evaluation.rows) {
    if (row.model_file.empty()) continue;
    OwnRow own{row.model_file, row.precision, {}, {}};
    std::map<std::string, size_t> entry_of;  // set name as recorded -> index in own.sets
    for (const auto& cell : row.cells) {
      const bool synthetic = cell.kernels.rfind("real", 0) != 0;
      const auto set = evaluation.blind && synthetic ? cell.set + " (usrnet12 kernels)" : cell.set;
      if (!entry_of.count(set)) {
        entry_of[set] = own.sets.size();
        own.sets.push_back({{"set", set}, {"images", cell.images}, {"results", nlohmann::json::array()}});
      }
      nlohmann::json result = {{"setting", synthetic ? fmt::format("{} σ={}", cell.kernels, cell.sigma) : cell.kernels},
                               {"psnr", cell.psnr}, {"ssim", cell.ssim}};
      if (synthetic) result["sigma"] = cell.sigma;
      auto& entry = own.sets[entry_of[set]];
      entry["results"].push_back(result);
      entry["images"] = std::max(entry["images"].get<int>(), cell.images);
      own.psnrs.push_back(cell.psnr);
    }
    rows.push_back(std::move(own));
  }
  return record_own_rows(rows, context,
                         evaluation.blind ? "../shared/PROTOCOLS.md (deblurring, blind), measured by restora eval --task deblur --blind"
                                          : "../shared/PROTOCOLS.md (deblurring, DPIR protocol), measured by restora eval --task deblur",
                         evaluation.limit);
}

}  // namespace restora::eval

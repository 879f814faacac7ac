#include "eval/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <fstream>
#include <thread>

#include "eval/published.h"
#include "fileio/file_io.h"
#include "restora/errors.h"

namespace restora::eval {
namespace {

using tasks::Degradation;
using tasks::Task;

bool same_setting(Task task, const Degradation& a, const Degradation& b) {
  switch (task) {
    case Task::denoise:
      return a.sigma == b.sigma;
    case Task::super_resolution:
      return a.scale == b.scale;
    case Task::dejpeg:
      return a.quality == b.quality;
  }
  return false;
}

// The field of a degradation that the task's settings vary.
double setting_value(Task task, const Degradation& degradation) {
  switch (task) {
    case Task::denoise:
      return degradation.sigma;
    case Task::super_resolution:
      return degradation.scale;
    case Task::dejpeg:
      return degradation.quality;
  }
  return 0.0;
}

const char* task_title(Task task) {
  switch (task) {
    case Task::denoise:
      return "Gaussian denoising";
    case Task::super_resolution:
      return "Super-resolution (bicubic degradation)";
    case Task::dejpeg:
      return "JPEG artifact removal (gray protocol)";
  }
  return "";
}

const char* task_protocol(Task task) {
  switch (task) {
    case Task::denoise:
      return "Input: clean + N(0, (σ/255)²) in float, not clipped and not quantized. Metrics on "
             "all channels (gray sets: gray, colour sets: RGB), no border crop. Cells: PSNR (dB) "
             "/ SSIM.";
    case Task::super_resolution:
      return "LR = MATLAB imresize(modcrop(HR, s), 1/s, 'bicubic'), rounded to 8 bits after each "
             "pass (bit-identical to MATLAB's). Metrics on Y (MATLAB rgb2ycbcr, BT.601 studio "
             "range, not rounded) with s pixels cropped at every border; a gray image (Set14's "
             "bridge) stays gray and is its own Y, which reproduces the published bicubic "
             "numbers. Cells: PSNR (dB) / SSIM.";
    case Task::dejpeg:
      return "Ground truth: LIVE1 as its Y channel (MATLAB rgb2ycbcr) rounded to uint8, classic5 "
             "as is. Input: grayscale JPEG by libjpeg (OpenCV imencode) at quality q, decoded. "
             "Metrics on Y (the gray image), no border crop; PSNR-B on the 8×8 block boundaries. "
             "Cells: PSNR (dB) / SSIM / PSNR-B (dB).";
  }
  return "";
}

// "68 gray images", "29 colour images as Y uint8".
std::string images_words(const SetScores& set) {
  switch (set.set.color) {
    case Color::gray:
      return fmt::format("{} gray images", set.images);
    case Color::rgb:
      return fmt::format("{} colour images", set.images);
    case Color::stored:
      return fmt::format("{} images", set.images);
    case Color::y_u8:
      return fmt::format("{} colour images as Y uint8", set.images);
  }
  return "";
}

std::string format_ms(double ms) {
  if (std::isnan(ms)) return "—";
  return ms < 10 ? fmt::format("{:.1f}", ms) : fmt::format("{:.0f}", ms);
}

std::string format_cell(const Cell& cell) {
  auto text = fmt::format("{:.2f} / {:.4f}", cell.psnr, cell.ssim);
  if (!std::isnan(cell.psnr_b)) text += fmt::format(" / {:.2f}", cell.psnr_b);
  return text;
}

const Cell* find_cell(const MethodScores& method, Task task, const Degradation& degradation) {
  for (const auto& cell : method.cells)
    if (same_setting(task, cell.degradation, degradation)) return &cell;
  return nullptr;
}

// The settings a set was measured at, in column order (the union over its methods).
std::vector<Degradation> set_settings(const SetScores& set) {
  std::vector<Degradation> settings;
  for (const auto& method : set.methods)
    for (const auto& cell : method.cells) {
      bool known = false;
      for (const auto& setting : settings)
        known = known || same_setting(set.task, setting, cell.degradation);
      if (!known) settings.push_back(cell.degradation);
    }
  std::sort(settings.begin(), settings.end(), [&](const Degradation& a, const Degradation& b) {
    return setting_value(set.task, a) < setting_value(set.task, b);
  });
  return settings;
}

std::string set_table(const SetScores& set) {
  const auto settings = set_settings(set);
  std::vector<std::string> labels;
  for (const auto& setting : settings) labels.push_back(setting_label(set.task, setting));
  std::string text = fmt::format("| Method | {} | ms/MP ({}) |\n", fmt::join(labels, " | "),
                                 fmt::join(labels, " / "));
  for (size_t column = 0; column < settings.size() + 2; ++column) text += "|---";
  text += "|\n";
  for (const auto& method : set.methods) {
    std::vector<std::string> cells, times;
    for (const auto& setting : settings) {
      const auto* cell = find_cell(method, set.task, setting);
      cells.push_back(cell ? format_cell(*cell) : "—");
      times.push_back(cell ? format_ms(cell->ms_per_megapixel) : "—");
    }
    text += fmt::format("| {} | {} | {} |\n", method.method, fmt::join(cells, " | "),
                        fmt::join(times, " / "));
  }
  std::string sources;
  for (const auto& row : published_rows(set.task, set.set.name)) {
    std::vector<std::string> cells;
    for (const auto& setting : settings) {
      std::string value = "—";
      for (size_t i = 0; i < row.settings.size(); ++i)
        if (same_setting(set.task, row.settings[i], setting))
          value = fmt::format("{:.2f}", row.psnr[i]);
      cells.push_back(value);
    }
    text += fmt::format("| {} (published) | {} | — |\n", row.method, fmt::join(cells, " | "));
    sources = row.source;
  }
  if (!sources.empty())
    text += fmt::format(
        "\nPublished rows: PSNR only, from the {} as transcribed in PROTOCOLS.md; "
        "measured with the papers' own code, so noise samples, encoders and rounding may "
        "differ from ours.\n",
        sources);
  return text;
}

std::string setting_key(Task task) {
  switch (task) {
    case Task::denoise:
      return "sigma";
    case Task::super_resolution:
      return "scale";
    case Task::dejpeg:
      return "quality";
  }
  return "";
}

}  // namespace

std::string render_markdown(const Evaluation& evaluation, const ReportContext& context) {
  std::string text = "# Restora evaluation results\n\n";
  text += fmt::format("Generated by `{}` on {}.  \n", context.command, context.date);
  text += fmt::format("Machine: {}; threads: {} (OpenCV and LibTorch).  \n", context.machine,
                      evaluation.threads);
  text += "Protocols: PROTOCOLS.md; data: the standard test sets of the shared data folder.\n\n";
  if (evaluation.limit > 0)
    text += fmt::format(
        "**Partial run: only the first {} images of each set. These means are not "
        "comparable with full-set or published numbers.**\n\n",
        evaluation.limit);
  text +=
      "How the numbers are made:\n\n"
      "- Test images are read as 8-bit. Every output is clipped to [0,1] and rounded to 8 bits "
      "before it is measured, exactly as a saved PNG would be.\n"
      "- PSNR = 10·log10(255²/MSE) and SSIM (Gaussian window 11×11, σ 1.5, valid region) are the "
      "means of the per-image values over the set.\n"
      "- Noise: restora::Rng, xoshiro256** seeded through SplitMix64 with Rng::mix(0, image "
      "index in file name order), normals by the Marsaglia polar method; the same seed for every "
      "σ. This is not numpy's seed 0 used by the papers, so the noise samples differ from "
      "theirs.\n"
      "- Our model and the Input row take the float input (unclipped noisy images); methods that "
      "need 8-bit images (MATLAB bicubic, OpenCV resize, fastNlMeans, dnn_superres) get it "
      "clipped and rounded to 8 bits.\n"
      "- ms/MP: wall-clock milliseconds per megapixel of output for one call, median over the "
      "images, after one untimed warm-up call per setting (model loading excluded); CPU, the "
      "thread count above. Absolute times on shared machines are noisy; compare rows of one "
      "run.\n";
  Task current = Task::denoise;
  bool first = true;
  for (const auto& set : evaluation.sets) {
    if (first || set.task != current) {
      text += fmt::format("\n## {}\n\n{}\n", task_title(set.task), task_protocol(set.task));
      current = set.task;
      first = false;
    }
    text += fmt::format("\n### {} ({})\n\n", set.set.name, images_words(set));
    text += set_table(set);
  }
  if (!evaluation.notes.empty()) {
    text += "\n## Methods\n\n";
    for (const auto& note : evaluation.notes) text += "- " + note + "\n";
  }
  return text;
}

std::string render_summary(const Evaluation& evaluation) {
  std::string text;
  for (const auto& set : evaluation.sets) {
    const auto settings = set_settings(set);
    text +=
        fmt::format("{} {} ({} images)\n", tasks::task_name(set.task), set.set.name, set.images);
    std::string heading = fmt::format("  {:<40}", "PSNR (dB)");
    for (const auto& setting : settings)
      heading += fmt::format(" {:>7}", setting_label(set.task, setting));
    text += heading + "   ms/MP\n";
    for (const auto& method : set.methods) {
      std::string line = fmt::format("  {:<40}", method.method);
      std::vector<std::string> times;
      for (const auto& setting : settings) {
        const auto* cell = find_cell(method, set.task, setting);
        line += cell ? fmt::format(" {:>7.2f}", cell->psnr) : fmt::format(" {:>7}", "-");
        if (cell) times.push_back(format_ms(cell->ms_per_megapixel));
      }
      text += fmt::format("{}   {}\n", line, fmt::join(times, " / "));
    }
  }
  return text;
}

nlohmann::json evaluation_json(const Evaluation& evaluation) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& set : evaluation.sets) {
    nlohmann::json methods = nlohmann::json::array();
    for (const auto& method : set.methods) {
      nlohmann::json cells = nlohmann::json::array();
      for (const auto& cell : method.cells) {
        nlohmann::json entry = {{"setting", setting_label(set.task, cell.degradation)},
                                {"images", cell.images},
                                {"psnr", cell.psnr},
                                {"ssim", cell.ssim},
                                {"psnr_b", nullptr},
                                {"ms_per_megapixel", cell.ms_per_megapixel}};
        if (!std::isnan(cell.psnr_b)) entry["psnr_b"] = cell.psnr_b;
        switch (set.task) {
          case Task::denoise:
            entry["sigma"] = cell.degradation.sigma;
            break;
          case Task::super_resolution:
            entry["scale"] = cell.degradation.scale;
            break;
          case Task::dejpeg:
            entry["quality"] = cell.degradation.quality;
            break;
        }
        cells.push_back(entry);
      }
      methods.push_back({{"method", method.method}, {"cells", cells}});
    }
    results.push_back({{"task", tasks::task_name(set.task)},
                       {"set", set.set.name},
                       {"images", set.images},
                       {"channels", set.channels},
                       {"setting_key", setting_key(set.task)},
                       {"methods", methods}});
  }
  return {{"threads", evaluation.threads},
          {"limit", evaluation.limit},
          {"notes", evaluation.notes},
          {"results", results}};
}

void write_text_atomically(const std::filesystem::path& path, const std::string& text) {
  std::error_code error;
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), error);
  if (error)
    throw FileError(fmt::format("cannot write '{}': cannot create its folder: {}", path.string(),
                                error.message()));
  fileio::write_file_atomically(path, std::vector<uint8_t>(text.begin(), text.end()));
}

std::string today() {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[16];
  std::strftime(text, sizeof(text), "%Y-%m-%d", &utc);
  return text;
}

std::string describe_machine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line))
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) model = line.substr(line.find_first_not_of(' ', colon + 1));
      break;
    }
  return fmt::format("{}, {} logical cores", model, std::thread::hardware_concurrency());
}

}  // namespace restora::eval

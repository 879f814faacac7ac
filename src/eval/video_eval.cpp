#include "eval/video_eval.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <opencv2/imgproc.hpp>

#include "eval/protocols.h"
#include "eval/record.h"
#include "metrics/metrics.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restora/video_restorer.h"
#include "tasks/task.h"

namespace restora::eval {
namespace fs = std::filesystem;

double VideoRow::mean_psnr() const {
  double sum = 0;
  for (const auto& cell : cells) sum += cell.psnr;
  return cells.empty() ? 0.0 : sum / static_cast<double>(cells.size());
}

namespace {

struct Clip {
  std::string name;
  std::vector<cv::Mat> gt;  // CV_8UC3 RGB
};

Clip read_clip(const fs::path& root, const std::string& name, int limit) {
  const auto folder = root / "test" / "Vid4" / name;
  std::error_code error;
  if (!fs::is_directory(folder, error)) throw FileError(fmt::format("clip folder '{}' does not exist", folder.string()));
  Clip clip{name, {}};
  for (const auto& file : list_images(folder)) {
    if (limit > 0 && static_cast<int>(clip.gt.size()) >= limit) break;
    clip.gt.push_back(quantize_u8(read_image(file).pixels));
  }
  if (clip.gt.empty()) throw FileError(fmt::format("clip folder '{}' holds no frames", folder.string()));
  return clip;
}

// Scores `frames` (8-bit) against the clip by the protocol.
VideoCell score(const std::string& clip, const std::vector<cv::Mat>& frames, const std::vector<cv::Mat>& gt,
                metrics::Space space, int crop, double seconds) {
  VideoCell cell;
  cell.clip = clip;
  cell.frames = static_cast<int>(frames.size());
  for (size_t t = 0; t < frames.size(); ++t) {
    const auto scores = metrics::measure(frames[t], gt[t], space, crop, false);
    cell.psnr += scores.psnr / static_cast<double>(frames.size());
    cell.ssim += scores.ssim / static_cast<double>(frames.size());
    if (t > 0)
      cell.flicker += metrics::flicker(frames[t - 1], frames[t], gt[t - 1], gt[t], crop) /
                      static_cast<double>(frames.size() - 1);
  }
  cell.fps = seconds > 0 ? static_cast<double>(frames.size()) / seconds : 0.0;
  return cell;
}

// One table: the degraded inputs of each clip and how to score them.
struct Protocol {
  VideoTable table;
  std::string task;  // the video task whose models restore it
  int scale = 1;
  metrics::Space space = metrics::Space::all_channels;
  int crop = 0;
  std::vector<std::vector<cv::Mat>> inputs, truths;  // per clip
};

Protocol make_protocol(const std::string& kind, double sigma, const std::vector<Clip>& clips) {
  Protocol protocol;
  if (kind == "bd" || kind == "bi") {
    protocol.task = "video_sr";
    protocol.scale = 4;
    protocol.space = metrics::Space::y;
    protocol.crop = 8;
    protocol.table.name = kind == "bd" ? "x4 BD" : "x4 BI";
    protocol.table.protocol = kind == "bd"
                                  ? "13×13 Gaussian σ 1.6 (reflect), every 4th pixel; 8-bit frames; Y, 8 px crop"
                                  : "MATLAB bicubic x4 per frame; 8-bit frames; Y, 8 px crop";
    const auto task = tasks::find_task(kind == "bd" ? "video_sr" : "super_resolution");
    const auto setting = task->degradation().with_value(4);
    for (const auto& clip : clips) {
      std::vector<cv::Mat> inputs, truths;
      for (const auto& gt : clip.gt) {
        Rng rng(0);  // neither degradation draws
        inputs.push_back(quantize_u8(task->degrade(gt, setting, rng)));
        truths.push_back(task->ground_truth(gt, setting));
      }
      protocol.inputs.push_back(std::move(inputs));
      protocol.truths.push_back(std::move(truths));
    }
    return protocol;
  }
  if (kind != "denoise")
    throw InvalidArgument(fmt::format("unknown video protocol '{}'; known: bd, bi, denoise", kind));
  protocol.task = "video_denoise";
  protocol.table.name = fmt::format("denoise σ {}", sigma);
  protocol.table.protocol = fmt::format("+ N(0, ({}/255)²) per frame, float, seeded; RGB, no crop", sigma);
  const auto task = tasks::find_task("video_denoise");
  const auto setting = task->degradation().with_value(sigma);
  for (const auto& clip : clips) {
    std::vector<cv::Mat> inputs;
    for (size_t t = 0; t < clip.gt.size(); ++t) {
      Rng rng(noise_seed(static_cast<int>(t)));
      inputs.push_back(task->degrade(clip.gt[t], setting, rng));  // float, unclipped
    }
    protocol.inputs.push_back(std::move(inputs));
    protocol.truths.push_back(clip.gt);
  }
  return protocol;
}

VideoRow run_restorer(const Protocol& protocol, const std::vector<Clip>& clips, const std::string& model,
                      const std::string& precision, const VideoEvalOptions& options) {
  RestoreOptions restore;
  restore.model = model;
  restore.scale = protocol.scale > 1 ? protocol.scale : 0;
  restore.precision = precision;
  restore.threads = options.threads;
  VideoRow row;
  for (size_t c = 0; c < clips.size(); ++c) {
    VideoRestorer restorer(protocol.task, restore);
    const auto summary = restorer.model();
    row.method = restorer.recurrent() ? fmt::format("{} ({})", summary.name, summary.precision)
                                      : fmt::format("{} frame by frame ({})", summary.name, summary.precision);
    row.how = restorer.recurrent() ? "recurrent: each frame draws on the frames before it"
                                   : "the image model on each frame alone";
    if (restorer.recurrent()) {
      row.model_file = summary.path;
      row.precision = summary.precision;
    }
    std::vector<cv::Mat> frames;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& input : protocol.inputs[c]) {
      cv::Mat frame = input;
      if (frame.depth() != CV_8U && frame.depth() != CV_32F) frame.convertTo(frame, CV_32F);
      frames.push_back(restorer.push(frame));
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row.cells.push_back(score(clips[c].name, frames, protocol.truths[c], protocol.space, protocol.crop, seconds));
    if (options.progress)
      options.progress(fmt::format("{} {}: {} {:.2f} dB, flicker {:.3f}, {:.2f} fps", protocol.table.name,
                                   clips[c].name, row.method, row.cells.back().psnr, row.cells.back().flicker,
                                   row.cells.back().fps));
  }
  return row;
}

VideoRow input_row(const Protocol& protocol, const std::vector<Clip>& clips, bool bicubic) {
  VideoRow row;
  row.method = bicubic ? "bicubic (OpenCV INTER_CUBIC)" : "noisy input";
  row.how = bicubic ? "each frame upscaled alone" : "the input itself";
  for (size_t c = 0; c < clips.size(); ++c) {
    std::vector<cv::Mat> frames;
    const auto start = std::chrono::steady_clock::now();
    for (const auto& input : protocol.inputs[c]) {
      if (bicubic) {
        cv::Mat up;
        cv::resize(input, up, cv::Size(), protocol.scale, protocol.scale, cv::INTER_CUBIC);
        frames.push_back(up);
      } else {
        frames.push_back(quantize_u8(input));
      }
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    row.cells.push_back(score(clips[c].name, frames, protocol.truths[c], protocol.space, protocol.crop,
                              bicubic ? seconds : 0.0));
  }
  return row;
}

// Shot k of a burst of `gt`: k = 0 is the image itself, the others moved by a seeded shake.
cv::Mat burst_shot(const cv::Mat& gt, int k, Rng& rng) {
  if (k == 0) return gt;
  const double dx = rng.uniform(-4.0, 4.0), dy = rng.uniform(-4.0, 4.0), angle = rng.uniform(-0.5, 0.5);
  cv::Mat motion = cv::getRotationMatrix2D(cv::Point2f(gt.cols / 2.0f, gt.rows / 2.0f), angle, 1.0);
  motion.at<double>(0, 2) += dx;
  motion.at<double>(1, 2) += dy;
  cv::Mat moved;
  cv::warpAffine(gt, moved, motion, gt.size(), cv::INTER_CUBIC, cv::BORDER_REFLECT_101);
  return moved;
}

VideoTable run_burst(const VideoEvalOptions& options, const std::string& kind) {
  const auto folder = options.data_root / "test" / options.burst_set;
  std::error_code error;
  if (!fs::is_directory(folder, error)) throw FileError(fmt::format("test set folder '{}' does not exist", folder.string()));
  const auto task = tasks::find_task(kind == "bd" ? "video_sr" : "super_resolution");
  const auto setting = task->degradation().with_value(4);
  VideoTable table;
  table.name = fmt::format("burst x4 {} ({} shots)", kind == "bd" ? "BD" : "BI", options.burst_shots);
  table.protocol = fmt::format("{} images and {} more shots each (seeded shake up to ±4 px, ±0.5°), {} x4, "
                               "8-bit; Y, 4 px crop, against the image",
                               options.burst_set, options.burst_shots - 1,
                               kind == "bd" ? "BD (Gaussian σ 1.6, every 4th pixel)" : "MATLAB bicubic");
  table.columns = {options.burst_set};
  table.set = fmt::format("{} {}", options.burst_set, table.name);
  struct Method {
    std::string name, model;
    bool burst;
  };
  std::vector<Method> methods{{"bicubic (OpenCV INTER_CUBIC), reference shot", "", false}};
  if (options.peers) methods.push_back({options.sr_per_frame + ", reference shot", options.sr_per_frame, false});
  for (const auto& model : options.sr_models) {
    methods.push_back({model + ", reference shot alone", model, false});
    methods.push_back({fmt::format("{}, burst of {}", model, options.burst_shots), model, true});
  }
  std::vector<VideoRow> rows(methods.size());
  std::vector<double> seconds(methods.size(), 0.0);
  int images = 0;
  for (const auto& file : list_images(folder)) {
    if (options.limit > 0 && images >= options.limit) break;
    cv::Mat gt = quantize_u8(read_image(file).pixels);
    if (gt.channels() == 1) cv::cvtColor(gt, gt, cv::COLOR_GRAY2RGB);
    gt = task->ground_truth(gt, setting);
    Rng rng(Rng::mix(noise_seed(images), 77));
    std::vector<cv::Mat> shots;
    for (int k = 0; k < options.burst_shots; ++k) {
      Rng none(0);
      shots.push_back(quantize_u8(task->degrade(burst_shot(gt, k, rng), setting, none)));
    }
    for (size_t m = 0; m < methods.size(); ++m) {
      const auto start = std::chrono::steady_clock::now();
      cv::Mat out;
      if (methods[m].model.empty()) {
        cv::resize(shots[0], out, cv::Size(), 4, 4, cv::INTER_CUBIC);
      } else {
        RestoreOptions restore;
        restore.model = methods[m].model;
        restore.scale = 4;
        restore.threads = options.threads;
        VideoRestorer restorer("video_sr", restore);
        if (methods[m].burst)
          for (int k = 1; k < options.burst_shots; ++k) restorer.push(shots[static_cast<size_t>(k)]);
        out = restorer.push(shots[0]);
        if (restorer.recurrent()) {
          rows[m].model_file = restorer.model().path;
          rows[m].precision = restorer.model().precision;
        }
      }
      seconds[m] += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto scores = metrics::measure(out, gt, metrics::Space::y, 4, false);
      if (rows[m].cells.empty()) rows[m].cells.push_back({options.burst_set, 0, 0, 0, std::nan(""), 0});
      rows[m].cells[0].psnr += scores.psnr;
      rows[m].cells[0].ssim += scores.ssim;
    }
    ++images;
  }
  if (images == 0) throw FileError(fmt::format("test set folder '{}' holds no images", folder.string()));
  for (size_t m = 0; m < methods.size(); ++m) {
    rows[m].method = methods[m].name;
    rows[m].how = methods[m].burst ? "the other shots first, the reference last" : "one shot";
    auto& cell = rows[m].cells[0];
    cell.frames = images;
    cell.psnr /= images;
    cell.ssim /= images;
    cell.fps = images / std::max(seconds[m], 1e-9);  // results per second
    if (!methods[m].burst && !rows[m].model_file.empty()) rows[m].model_file.clear();  // recorded: the burst row
    if (options.progress) options.progress(fmt::format("{}: {} {:.2f} dB", table.name, rows[m].method, cell.psnr));
  }
  table.rows = std::move(rows);
  return table;
}

}  // namespace

VideoEvaluation run_video_evaluation(const VideoEvalOptions& options) {
  VideoEvaluation evaluation;
  evaluation.threads = options.threads;
  evaluation.limit = options.limit;
  evaluation.clips = options.clips;
  // Models are checked before anything is measured.
  for (const auto& protocol : options.protocols) {
    if (protocol != "bd" && protocol != "bi" && protocol != "denoise" && protocol != "burst")
      throw InvalidArgument(fmt::format("unknown video protocol '{}'; known: bd, bi, denoise, burst", protocol));
    const bool sr = protocol != "denoise";
    for (const auto& model : sr ? options.sr_models : options.denoise_models) {
      RestoreOptions check;
      check.model = model;
      VideoRestorer(sr ? "video_sr" : "video_denoise", check);
    }
  }
  std::vector<Clip> clips;
  for (const auto& name : options.clips) clips.push_back(read_clip(options.data_root, name, options.limit));
  for (const auto& kind : options.protocols) {
    if (kind == "burst") {  // on both degradations: the video model knows BD, `sr` BI
      evaluation.tables.push_back(run_burst(options, "bi"));
      evaluation.tables.push_back(run_burst(options, "bd"));
      continue;
    }
    const std::vector<double> sigmas = kind == "denoise" ? options.sigmas : std::vector<double>{0};
    for (const double sigma : sigmas) {
      const auto protocol = make_protocol(kind, sigma, clips);
      VideoTable table = protocol.table;
      table.columns = options.clips;
      table.set = "Vid4 " + table.name;
      table.rows.push_back(input_row(protocol, clips, kind != "denoise"));
      if (options.peers)
        table.rows.push_back(run_restorer(protocol, clips, kind == "denoise" ? options.denoise_per_frame : options.sr_per_frame,
                                          "auto", options));
      for (const auto& model : kind == "denoise" ? options.denoise_models : options.sr_models)
        for (const auto& precision : options.precisions)
          table.rows.push_back(run_restorer(protocol, clips, model, precision, options));
      if (kind == "bd") {
        VideoRow published;
        published.method = "RRN-5L (published, 1.9 M parameters)";
        published.how = "Isobe et al. 2020, Vimeo-90K training";
        published.published = true;
        const std::map<std::string, double> numbers{{"calendar", 24.30}, {"city", 28.10}};
        for (const auto& clip : options.clips)
          if (numbers.count(clip)) published.cells.push_back({clip, 0, numbers.at(clip), 0, 0, 0});
        if (published.cells.size() == options.clips.size()) table.rows.push_back(published);
      }
      evaluation.tables.push_back(std::move(table));
    }
  }
  return evaluation;
}

std::string render_video_markdown(const VideoEvaluation& evaluation, const ReportContext& context) {
  std::string text = "# Video restoration (Vid4)\n\n";
  text += fmt::format("Measured by `{}` on {} ({}), {} thread(s){}. PROTOCOLS.md \"Video\": a clip's score is the "
                      "mean over its frames; flicker is the mean over consecutive frames of |(out_t − out_t−1) − "
                      "(gt_t − gt_t−1)| on Y (0..255), lower is steadier; fps at the clip's size.\n\n",
                      context.command, context.date, context.machine,
                      evaluation.threads ? std::to_string(evaluation.threads) : "all",
                      evaluation.limit ? fmt::format(", first {} frames of each clip", evaluation.limit) : "");
  for (const auto& table : evaluation.tables) {
    text += fmt::format("## {}\n\n{}.\n\n| Method |", table.name, table.protocol);
    std::string rule = "|---|";
    for (const auto& clip : table.columns) {
      text += fmt::format(" {} PSNR / SSIM | {} flicker |", clip, clip);
      rule += "---|---|";
    }
    text += " Mean PSNR | fps |\n" + rule + "---|---|\n";
    for (const auto& row : table.rows) {
      text += fmt::format("| {} |", row.method);
      double fps = 0;
      for (const auto& cell : row.cells) {
        const auto flicker = std::isnan(cell.flicker) ? std::string("—") : fmt::format("{:.3f}", cell.flicker);
        text += row.published ? fmt::format(" {:.2f} | — |", cell.psnr)
                              : fmt::format(" {:.2f} / {:.4f} | {} |", cell.psnr, cell.ssim, flicker);
        fps += cell.fps / static_cast<double>(row.cells.size());
      }
      text += fmt::format(" {:.2f} | {} |\n", row.mean_psnr(), fps > 0 ? fmt::format("{:.2f}", fps) : "—");
    }
    text += "\n";
  }
  return text;
}

nlohmann::json video_evaluation_json(const VideoEvaluation& evaluation) {
  nlohmann::json tables = nlohmann::json::array();
  for (const auto& table : evaluation.tables) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : table.rows) {
      nlohmann::json cells = nlohmann::json::array();
      for (const auto& cell : row.cells)
        cells.push_back({{"clip", cell.clip}, {"frames", cell.frames}, {"psnr", cell.psnr}, {"ssim", cell.ssim},
                         {"flicker", std::isnan(cell.flicker) ? nlohmann::json() : nlohmann::json(cell.flicker)},
                         {"fps", cell.fps}});
      rows.push_back({{"method", row.method}, {"published", row.published}, {"mean_psnr", row.mean_psnr()},
                      {"cells", cells}});
    }
    tables.push_back({{"table", table.name}, {"protocol", table.protocol}, {"rows", rows}});
  }
  return {{"threads", evaluation.threads}, {"limit", evaluation.limit}, {"tables", tables}};
}

std::string video_summary(const VideoEvaluation& evaluation) {
  std::string text;
  for (const auto& table : evaluation.tables)
    for (const auto& row : table.rows)
      text += fmt::format("{:<14} {:<44} mean {:.2f} dB\n", table.name, row.method, row.mean_psnr());
  return text;
}

std::vector<std::string> record_video_scores(const VideoEvaluation& evaluation, const ReportContext& context) {
  std::map<std::string, OwnRow> by_file;  // one OwnRow per (file, precision)
  std::vector<std::string> order;
  for (const auto& table : evaluation.tables)
    for (const auto& row : table.rows) {
      if (row.model_file.empty()) continue;
      const auto key = row.model_file + "|" + row.precision;
      if (!by_file.count(key)) {
        by_file[key] = {row.model_file, row.precision, {}, {}};
        order.push_back(key);
      }
      nlohmann::json results = nlohmann::json::array();
      for (const auto& cell : row.cells) {
        results.push_back({{"setting", cell.clip}, {"psnr", cell.psnr}, {"ssim", cell.ssim},
                           {"flicker", std::isnan(cell.flicker) ? nlohmann::json() : nlohmann::json(cell.flicker)},
                           {"fps", cell.fps}});
        by_file[key].psnrs.push_back(cell.psnr);
      }
      const int frames = row.cells.empty() ? 0 : row.cells.front().frames;
      by_file[key].sets.push_back({{"set", table.set}, {"images", frames}, {"results", results}});
    }
  std::vector<OwnRow> rows;
  for (const auto& key : order) rows.push_back(by_file[key]);
  return record_own_rows(rows, context, "../shared/PROTOCOLS.md (video), measured by restora eval --task video",
                         evaluation.limit);
}

}  // namespace restora::eval

// The codec evaluation's report: Markdown tables, the BD-rate matrix, JSON and the RD plot.
#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "eval/codec_eval.h"
#include "eval/record.h"
#include "model_file/model_meta.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::eval {
namespace {

std::string percent(double value) {
  return std::isnan(value) ? "n/a (ranges do not overlap)" : fmt::format("{:+.1f} %", value);
}

// The BD-rates' fits read at every even PSNR our curves reach: where each one is won or lost.
std::string rate_differences_by_psnr(const CodecEvaluation& evaluation) {
  double lo = 1e300, hi = -1e300;
  for (const auto& ours : evaluation.curves)
    if (ours.ours)
      for (const auto& point : ours.points) lo = std::min(lo, point.psnr), hi = std::max(hi, point.psnr);
  std::vector<double> columns;
  for (double psnr = 2 * std::ceil(lo / 2); psnr <= hi; psnr += 2) columns.push_back(psnr);
  if (columns.empty()) return "";
  std::string out =
      "\nThe same fits at single PSNRs: ours' rate against the codec's at that PSNR, where both "
      "curves reach it.\n\n| ours | against |";
  for (const double psnr : columns) out += fmt::format(" {:.0f} dB |", psnr);
  out += "\n|---|---|";
  for (size_t i = 0; i < columns.size(); ++i) out += "---|";
  out += "\n";
  for (const auto& ours : evaluation.curves)
    if (ours.ours)
      for (const auto& peer : evaluation.curves) {
        if (peer.ours) continue;
        out += fmt::format("| {} | {} |", ours.method, peer.method);
        for (const double psnr : columns) {
          const double value = rate_difference_at(peer, ours, psnr);
          out += std::isnan(value) ? std::string(" |") : fmt::format(" {:+.1f} % |", value);
        }
        out += "\n";
      }
  return out;
}

}  // namespace

std::string render_codec_markdown(const CodecEvaluation& evaluation, const ReportContext& context,
                                  const std::string& plot_name) {
  std::string out = fmt::format(
      "# Learned compression on {}\n\n"
      "Measured by `{}` on {} ({} threads), {}{}.\n\n"
      "Protocol (PROTOCOLS.md): bpp = bytes of the complete file × 8 / pixels, PSNR on RGB 8-bit "
      "of the decoded file (per image, then the mean), MS-SSIM (Wang 2003, 5 scales) on RGB. "
      "Times are means per image on this machine; peers' times include starting their "
      "command-line tools. BD-rate: Bjøntegaard, cubic fit of log-rate against PSNR over the "
      "common PSNR range.\n\n",
      evaluation.set, context.command, context.machine, evaluation.threads, context.date,
      evaluation.limit > 0 ? fmt::format(", first {} images only", evaluation.limit)
                           : fmt::format(", all {} images", evaluation.images));
  for (const auto& note : evaluation.notes) out += fmt::format("- {}\n", note);
  if (!evaluation.notes.empty()) out += "\n";

  out += "## BD-rate of ours against each codec (PSNR)\n\n| ours | against | BD-rate |\n|---|---|---|\n";
  for (const auto& ours : evaluation.curves)
    if (ours.ours)
      for (const auto& peer : evaluation.curves)
        if (!peer.ours) out += fmt::format("| {} | {} | {} |\n", ours.method, peer.method, percent(bd_rate(peer, ours)));
  if (const auto* jpeg = evaluation.curve("JPEG")) {
    out += "\nEvery codec against JPEG:\n\n| codec | BD-rate vs JPEG |\n|---|---|\n";
    for (const auto& curve : evaluation.curves)
      if (&curve != jpeg) out += fmt::format("| {} | {} |\n", curve.method, percent(bd_rate(*jpeg, curve)));
  }
  out += rate_differences_by_psnr(evaluation);
  out += fmt::format("\n![rate-distortion curves]({})\n\n## Rate-distortion points\n", plot_name);
  for (const auto& curve : evaluation.curves) {
    out += fmt::format("\n### {}\n\n{}\n\n| setting | bpp | PSNR (dB) | MS-SSIM | encode (s) | decode (s) |\n"
                       "|---|---|---|---|---|---|\n", curve.method, curve.how);
    for (const auto& p : curve.points)
      out += fmt::format("| {} | {:.4f} | {:.3f} | {:.5f} | {:.3f} | {:.3f} |\n", p.setting, p.bpp,
                         p.psnr, p.ms_ssim, p.encode_seconds, p.decode_seconds);
  }
  return out;
}

nlohmann::json codec_evaluation_json(const CodecEvaluation& evaluation) {
  nlohmann::json curves = nlohmann::json::array();
  for (const auto& curve : evaluation.curves) {
    nlohmann::json points = nlohmann::json::array();
    for (const auto& p : curve.points)
      points.push_back({{"setting", p.setting}, {"bpp", p.bpp}, {"psnr", p.psnr}, {"ms_ssim", p.ms_ssim},
                        {"encode_seconds", p.encode_seconds}, {"decode_seconds", p.decode_seconds}});
    nlohmann::json entry = {{"method", curve.method}, {"how", curve.how}, {"ours", curve.ours},
                            {"points", points}};
    if (const auto* jpeg = evaluation.curve("JPEG"); jpeg && jpeg != &curve) {
      const double value = bd_rate(*jpeg, curve);
      entry["bd_rate_vs_jpeg"] = std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
    }
    curves.push_back(entry);
  }
  return {{"set", evaluation.set}, {"images", evaluation.images}, {"threads", evaluation.threads},
          {"notes", evaluation.notes}, {"curves", curves}};
}

std::vector<std::string> record_codec_scores(const CodecEvaluation& evaluation,
                                             const ReportContext& context) {
  if (evaluation.limit > 0) throw InvalidArgument("--record needs whole test sets: drop --limit");
  std::vector<std::string> files;
  for (const auto& ours : evaluation.curves) {
    if (!ours.ours || ours.model_file.empty()) continue;
    nlohmann::json results = nlohmann::json::array(), bd_rates = nlohmann::json::object();
    for (const auto& p : ours.points)
      results.push_back({{"setting", p.setting}, {"bpp", p.bpp}, {"psnr", p.psnr}, {"ms_ssim", p.ms_ssim},
                         {"encode_seconds", p.encode_seconds}, {"decode_seconds", p.decode_seconds}});
    for (const auto& peer : evaluation.curves)
      if (!peer.ours) {
        const double value = bd_rate(peer, ours);
        bd_rates[peer.method] = std::isnan(value) ? nlohmann::json(nullptr) : nlohmann::json(value);
      }
    const nlohmann::json entry = {{"set", evaluation.set}, {"images", evaluation.images},
                                  {"date", context.date}, {"command", context.command},
                                  {"precision", "fp32"}, {"threads", evaluation.threads},
                                  {"results", results}, {"bd_rate_percent", bd_rates}};
    auto model = model_file::read_model_file(ours.model_file);
    store_test_set(model.meta, entry,
                   "../shared/PROTOCOLS.md (learned compression), measured by restora eval --task codec");
    model_file::write_model_file(ours.model_file, model);
    files.push_back(ours.model_file);
  }
  return files;
}

void plot_rate_distortion(const CodecEvaluation& evaluation, const std::filesystem::path& png) {
  constexpr double max_bpp = 2.0;  // the range the codecs are compared on
  const cv::Rect area(70, 40, 640, 460);
  cv::Mat canvas(560, 980, CV_8UC3, cv::Scalar(255, 255, 255));
  double lo = 1e300, hi = -1e300;
  for (const auto& curve : evaluation.curves)
    for (const auto& p : curve.points)
      if (p.bpp <= max_bpp) lo = std::min(lo, p.psnr), hi = std::max(hi, p.psnr);
  if (!(hi > lo)) lo = 20, hi = 40;
  lo = std::floor(lo), hi = std::ceil(hi);
  const auto at = [&](double bpp, double psnr) {
    return cv::Point(area.x + static_cast<int>(bpp / max_bpp * area.width),
                     area.y + area.height - static_cast<int>((psnr - lo) / (hi - lo) * area.height));
  };
  const cv::Scalar black(0, 0, 0), grey(220, 220, 220);
  const auto text = [&](const std::string& s, cv::Point where, double size = 0.45) {
    cv::putText(canvas, s, where, cv::FONT_HERSHEY_SIMPLEX, size, black, 1, cv::LINE_AA);
  };
  for (double bpp = 0; bpp <= max_bpp + 1e-9; bpp += 0.25) {
    cv::line(canvas, at(bpp, lo), at(bpp, hi), grey);
    text(fmt::format("{:.2f}", bpp), at(bpp, lo) + cv::Point(-14, 18));
  }
  for (double psnr = lo; psnr <= hi + 1e-9; psnr += 1) {
    cv::line(canvas, at(0, psnr), at(max_bpp, psnr), grey);
    text(fmt::format("{:.0f}", psnr), at(0, psnr) + cv::Point(-30, 5));
  }
  cv::rectangle(canvas, area, black);
  text(fmt::format("{}: PSNR (dB, RGB) against bits per pixel", evaluation.set), {area.x, 25}, 0.6);
  text("bpp", {area.x + area.width / 2, area.y + area.height + 40});
  const cv::Scalar palette[] = {{200, 40, 40}, {40, 40, 200}, {40, 160, 40},   {0, 140, 230},
                                {160, 40, 160}, {120, 120, 0}, {90, 90, 90},   {0, 0, 0}};
  int index = 0;
  for (const auto& curve : evaluation.curves) {
    const auto color = palette[index % 8];
    std::vector<cv::Point> points;
    for (const auto& p : curve.points)
      if (p.bpp <= max_bpp) points.push_back(at(p.bpp, std::clamp(p.psnr, lo, hi)));
    cv::polylines(canvas, points, false, color, curve.ours ? 3 : 2, cv::LINE_AA);
    for (const auto& point : points) cv::circle(canvas, point, 3, color, cv::FILLED);
    const cv::Point legend(area.x + area.width + 20, area.y + 20 + 24 * index);
    cv::line(canvas, legend, legend + cv::Point(30, 0), color, curve.ours ? 3 : 2);
    text(curve.method, legend + cv::Point(38, 5));
    ++index;
  }
  Image image;
  cv::cvtColor(canvas, canvas, cv::COLOR_BGR2RGB);
  image.pixels = to_float01(canvas);
  write_image(image, png);
}

}  // namespace restora::eval

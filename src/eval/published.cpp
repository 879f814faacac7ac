#include "eval/published.h"

#include <algorithm>

namespace restora::eval {
namespace {

using tasks::Task;

const char* const sr_source = "RCAN, CARN, IMDN and SwinIR papers' tables";
const char* const denoise_source = "DnCNN, FFDNet and DRUNet papers' tables";
const char* const jpeg_source = "FBCNN and SwinIR papers' tables";

// One cell group of PROTOCOLS.md's table, as written there: a method's PSNR on `sets` (in
// order) for one setting, or on one set for several settings.
struct SourceEntry {
  Task task;
  std::vector<std::string> sets;
  std::vector<Degradation> settings;
  std::string method;
  std::vector<double> psnr;  // sets × settings, row-major
  const char* source;
};

Degradation x(int scale) { return find_degradation("bicubic_down").with_value(scale); }
Degradation sigma(double value) { return find_degradation("gaussian_noise").with_value(value); }
Degradation q(int quality) { return find_degradation("jpeg").with_value(quality); }

const std::vector<SourceEntry>& source_table() {
  const std::vector<std::string> sr_sets{"Set5", "Set14", "BSD100"};  // "B100" in the papers
  const std::vector<Degradation> sigmas{sigma(15), sigma(25), sigma(50)};
  const std::vector<Degradation> qualities{q(10), q(20), q(30), q(40)};
  const auto sr = tasks::find_task("super_resolution");
  const auto dn = tasks::find_task("denoise");
  const auto jp = tasks::find_task("dejpeg");
  static const std::vector<SourceEntry> table = {
      {sr, sr_sets, {x(2)}, "Bicubic", {33.66, 30.24, 29.56}, sr_source},
      {sr, sr_sets, {x(2)}, "FSRCNN", {37.05, 32.66, 31.53}, sr_source},
      {sr, sr_sets, {x(2)}, "CARN-M", {37.53, 33.26, 31.92}, sr_source},
      {sr, sr_sets, {x(2)}, "EDSR-baseline", {37.99, 33.57, 32.16}, sr_source},
      {sr, sr_sets, {x(2)}, "SwinIR", {38.35, 34.14, 32.44}, sr_source},
      {sr, sr_sets, {x(3)}, "Bicubic", {30.39, 27.55, 27.21}, sr_source},
      {sr, sr_sets, {x(3)}, "FSRCNN", {33.18, 29.37, 28.53}, sr_source},
      {sr, sr_sets, {x(3)}, "CARN-M", {33.99, 30.08, 28.91}, sr_source},
      {sr, sr_sets, {x(3)}, "EDSR-baseline", {34.37, 30.28, 29.09}, sr_source},
      {sr, sr_sets, {x(3)}, "SwinIR", {34.89, 30.77, 29.37}, sr_source},
      {sr, sr_sets, {x(4)}, "Bicubic", {28.42, 26.00, 25.96}, sr_source},
      {sr, sr_sets, {x(4)}, "FSRCNN", {30.72, 27.61, 26.98}, sr_source},
      {sr, sr_sets, {x(4)}, "CARN-M", {31.92, 28.42, 27.44}, sr_source},
      {sr, sr_sets, {x(4)}, "EDSR-baseline", {32.09, 28.58, 27.57}, sr_source},
      {sr, sr_sets, {x(4)}, "SwinIR", {32.72, 28.94, 27.83}, sr_source},
      {dn, {"BSD68"}, sigmas, "BM3D", {31.08, 28.57, 25.60}, denoise_source},
      {dn, {"BSD68"}, sigmas, "DnCNN", {31.73, 29.23, 26.23}, denoise_source},
      {dn, {"BSD68"}, sigmas, "FFDNet", {31.63, 29.19, 26.29}, denoise_source},
      {dn, {"BSD68"}, sigmas, "DRUNet", {31.91, 29.48, 26.59}, denoise_source},
      {dn, {"CBSD68"}, sigmas, "CBM3D", {33.52, 30.71, 27.38}, denoise_source},
      {dn, {"CBSD68"}, sigmas, "CDnCNN", {33.90, 31.24, 27.95}, denoise_source},
      {dn, {"CBSD68"}, sigmas, "FFDNet", {33.87, 31.21, 27.96}, denoise_source},
      {dn, {"CBSD68"}, sigmas, "DRUNet", {34.30, 31.69, 28.51}, denoise_source},
      {jp, {"LIVE1"}, qualities, "JPEG input", {27.77, 30.07, 31.41, 32.35}, jpeg_source},
      {jp, {"LIVE1"}, qualities, "ARCNN", {28.96, 31.29, 32.67, 33.61}, jpeg_source},
      {jp, {"LIVE1"}, qualities, "DnCNN-3", {29.19, 31.59, 32.98, 33.96}, jpeg_source},
      {jp, {"LIVE1"}, qualities, "FBCNN", {29.75, 32.13, 33.54, 34.53}, jpeg_source},
      {jp, {"LIVE1"}, qualities, "SwinIR", {29.86, 32.25, 33.69, 34.67}, jpeg_source},
      {jp, {"classic5"}, qualities, "JPEG input", {27.82, 30.12, 31.48, 32.43}, jpeg_source},
      {jp, {"classic5"}, qualities, "ARCNN", {29.03, 31.15, 32.51, 33.32}, jpeg_source},
      {jp, {"classic5"}, qualities, "DnCNN-3", {29.40, 31.63, 32.91, 33.77}, jpeg_source},
      {jp, {"classic5"}, qualities, "FBCNN", {30.12, 32.31, 33.54, 34.35}, jpeg_source},
      {jp, {"classic5"}, qualities, "SwinIR", {30.27, 32.52, 33.73, 34.52}, jpeg_source},
  };
  return table;
}

// Regroups the source table into one row per (task, set, method), settings in table order.
std::vector<PublishedRow> build_rows() {
  std::vector<PublishedRow> rows;
  for (const auto& entry : source_table())
    for (size_t s = 0; s < entry.sets.size(); ++s) {
      auto row = std::find_if(rows.begin(), rows.end(), [&](const PublishedRow& candidate) {
        return candidate.task == entry.task && candidate.set == entry.sets[s] &&
               candidate.method == entry.method;
      });
      if (row == rows.end())
        row = rows.insert(rows.end(),
                          {entry.task, entry.sets[s], entry.method, {}, {}, entry.source});
      for (size_t d = 0; d < entry.settings.size(); ++d) {
        row->settings.push_back(entry.settings[d]);
        row->psnr.push_back(entry.psnr[s * entry.settings.size() + d]);
      }
    }
  return rows;
}

}  // namespace

const std::vector<PublishedRow>& published_rows() {
  static const std::vector<PublishedRow> rows = build_rows();
  return rows;
}

std::vector<PublishedRow> published_rows(Task task, const std::string& set) {
  std::vector<PublishedRow> selected;
  for (const auto& row : published_rows())
    if (row.task == task && row.set == set) selected.push_back(row);
  return selected;
}

}  // namespace restora::eval

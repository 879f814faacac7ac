#include "train/plot.h"

#include <fmt/format.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include "restora/image_io.h"

namespace restora::train {
namespace {

struct Series {
  std::vector<double> x, y;
};

const cv::Scalar black(0, 0, 0), grey(200, 200, 200), blue(180, 90, 20), red(40, 40, 200);

// Draws one panel: axes with min/max labels and a polyline of the series.
// Both panels share the step axis [x_min, x_max] so their curves line up.
void draw_panel(cv::Mat& canvas, cv::Rect area, const Series& series, double x_min, double x_max,
                const std::string& label, bool log_scale, const cv::Scalar& color) {
  cv::rectangle(canvas, area, grey);
  cv::putText(canvas, label, {area.x + 8, area.y + 20}, cv::FONT_HERSHEY_SIMPLEX, 0.55, black, 1,
              cv::LINE_AA);
  if (series.x.empty()) return;
  auto transform = [&](double v) { return log_scale ? std::log10(std::max(v, 1e-12)) : v; };
  double y_min = 1e300, y_max = -1e300;
  for (double v : series.y) {
    y_min = std::min(y_min, transform(v));
    y_max = std::max(y_max, transform(v));
  }
  if (x_max <= x_min) x_max = x_min + 1;
  if (y_max <= y_min) y_max = y_min + 1e-6;
  const int pad = 40;
  const cv::Rect plot(area.x + pad + 30, area.y + pad, area.width - 2 * pad - 30,
                      area.height - 2 * pad);
  std::vector<cv::Point> points;
  for (size_t i = 0; i < series.x.size(); ++i) {
    const double u = (series.x[i] - x_min) / (x_max - x_min);
    const double v = (transform(series.y[i]) - y_min) / (y_max - y_min);
    points.emplace_back(plot.x + static_cast<int>(u * plot.width),
                        plot.y + plot.height - static_cast<int>(v * plot.height));
  }
  cv::polylines(canvas, points, false, color, 2, cv::LINE_AA);
  if (points.size() == 1) cv::circle(canvas, points[0], 3, color, cv::FILLED);
  auto value_text = [&](double v) {
    return log_scale ? fmt::format("{:.4g}", std::pow(10.0, v)) : fmt::format("{:.3f}", v);
  };
  cv::putText(canvas, value_text(y_max), {area.x + 4, plot.y + 4}, cv::FONT_HERSHEY_SIMPLEX, 0.4,
              black, 1, cv::LINE_AA);
  cv::putText(canvas, value_text(y_min), {area.x + 4, plot.y + plot.height}, cv::FONT_HERSHEY_SIMPLEX,
              0.4, black, 1, cv::LINE_AA);
  cv::putText(canvas, fmt::format("step {}", static_cast<long long>(x_min)),
              {plot.x, plot.y + plot.height + 18}, cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
  const auto last = fmt::format("step {}", static_cast<long long>(x_max));
  cv::putText(canvas, last, {plot.x + plot.width - 8 * static_cast<int>(last.size()), plot.y + plot.height + 18},
              cv::FONT_HERSHEY_SIMPLEX, 0.4, black, 1, cv::LINE_AA);
}

}  // namespace

void plot_curves(const std::filesystem::path& csv, const std::filesystem::path& png,
                 const std::string& title) {
  std::ifstream in(csv);
  std::string line;
  if (!std::getline(in, line)) return;
  Series loss, psnr;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::stringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    if (fields.size() < 2) continue;
    const double step = std::stod(fields[0]);
    loss.x.push_back(step);
    loss.y.push_back(std::stod(fields[1]));
    if (fields.size() >= 5 && !fields[4].empty()) {
      psnr.x.push_back(step);
      psnr.y.push_back(std::stod(fields[4]));
    }
  }
  if (loss.x.empty()) return;
  cv::Mat canvas(620, 900, CV_8UC3, cv::Scalar(255, 255, 255));
  cv::putText(canvas, title, {10, 24}, cv::FONT_HERSHEY_SIMPLEX, 0.7, black, 1, cv::LINE_AA);
  const double first = loss.x.front(), last = loss.x.back();
  draw_panel(canvas, {0, 36, 900, 290}, loss, first, last, "training loss (log scale)", true, blue);
  draw_panel(canvas, {0, 328, 900, 290}, psnr, first, last, "validation PSNR (dB)", false, red);
  Image image;
  cv::cvtColor(canvas, canvas, cv::COLOR_BGR2RGB);
  image.pixels = to_float01(canvas);
  write_image(image, png);
}

}  // namespace restora::train

#include "degrade/masks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "restora/errors.h"

namespace restora {
namespace {

constexpr double pi = 3.14159265358979323846;
constexpr int max_elements = 400;
const char* const family_names[] = {"strokes", "scratches", "blobs", "boxes", "large"};

cv::Point random_point(cv::Size size, Rng& rng) {
  return {rng.uniform_int(0, size.width - 1), rng.uniform_int(0, size.height - 1)};
}

// A brush stroke: a polyline with round joints, `width` pixels wide.
void draw_stroke(cv::Mat& mask, double width, double step, Rng& rng) {
  cv::Point2d at = random_point(mask.size(), rng);
  double angle = rng.uniform(0, 2 * pi);
  const int segments = rng.uniform_int(4, 10);
  for (int s = 0; s < segments; ++s) {
    angle += rng.uniform(-0.6 * pi, 0.6 * pi);
    const double length = step * rng.uniform(0.5, 1.5);
    const cv::Point2d next(std::clamp(at.x + length * std::cos(angle), 0.0, mask.cols - 1.0),
                           std::clamp(at.y + length * std::sin(angle), 0.0, mask.rows - 1.0));
    const int thickness = std::max(1, static_cast<int>(std::lround(width * rng.uniform(0.8, 1.2))));
    cv::line(mask, at, next, cv::Scalar(255), thickness, cv::LINE_8);
    cv::circle(mask, next, thickness / 2, cv::Scalar(255), cv::FILLED, cv::LINE_8);
    at = next;
  }
}

// A scratch: a long gently curving line (a sine-perturbed segment) 1-3 px wide.
void draw_scratch(cv::Mat& mask, double main_angle, Rng& rng) {
  const double side = std::max(mask.cols, mask.rows);
  const double angle = main_angle + rng.uniform(-0.25, 0.25);
  const double length = side * rng.uniform(0.3, 1.2);
  const cv::Point2d centre = random_point(mask.size(), rng);
  const double bend = side * rng.uniform(0.0, 0.04), waves = rng.uniform(0.3, 1.5);
  const double phase = rng.uniform(0, 2 * pi);
  const int thickness = rng.uniform_int(1, 3);
  const cv::Point2d along(std::cos(angle), std::sin(angle)), across(-along.y, along.x);
  const int pieces = std::max(8, static_cast<int>(length / 6));
  cv::Point2d previous;
  for (int i = 0; i <= pieces; ++i) {
    const double t = static_cast<double>(i) / pieces - 0.5;
    const cv::Point2d point =
        centre + along * (t * length) + across * (bend * std::sin(2 * pi * waves * t + phase));
    if (i > 0) cv::line(mask, previous, point, cv::Scalar(255), thickness, cv::LINE_8);
    previous = point;
  }
}

// A blob: a few overlapping rotated ellipses around one centre.
void draw_blob(cv::Mat& mask, double radius, Rng& rng) {
  const cv::Point centre = random_point(mask.size(), rng);
  const int parts = rng.uniform_int(1, 4);
  for (int p = 0; p < parts; ++p) {
    const cv::Point offset(static_cast<int>(rng.uniform(-0.6, 0.6) * radius),
                           static_cast<int>(rng.uniform(-0.6, 0.6) * radius));
    const cv::Size axes(std::max(1, static_cast<int>(radius * rng.uniform(0.4, 1.0))),
                        std::max(1, static_cast<int>(radius * rng.uniform(0.4, 1.0))));
    cv::ellipse(mask, centre + offset, axes, rng.uniform(0, 180), 0, 360, cv::Scalar(255),
                cv::FILLED, cv::LINE_8);
  }
}

}  // namespace

std::string mask_family_name(MaskFamily family) { return family_names[static_cast<int>(family)]; }

MaskFamily mask_family(const std::string& name) {
  for (int i = 0; i < 5; ++i)
    if (name == family_names[i]) return static_cast<MaskFamily>(i);
  throw InvalidArgument(fmt::format("unknown mask family '{}'; known: strokes, scratches, blobs, "
                                    "boxes, large", name));
}

double random_coverage(MaskFamily family, Rng& rng) {
  switch (family) {
    case MaskFamily::strokes: return rng.uniform(0.05, 0.30);
    case MaskFamily::scratches: return rng.uniform(0.01, 0.08);
    case MaskFamily::blobs: return rng.uniform(0.03, 0.20);
    case MaskFamily::boxes: return rng.uniform(0.05, 0.30);
    case MaskFamily::large: break;
  }
  return rng.uniform(0.20, 0.45);
}

double mask_coverage(const cv::Mat& mask) {
  return mask.empty() ? 0.0 : static_cast<double>(cv::countNonZero(mask)) / mask.total();
}

cv::Mat random_mask(MaskFamily family, cv::Size size, double coverage, Rng& rng, double reference) {
  if (size.width < 1 || size.height < 1) throw InvalidArgument("random_mask: empty size");
  if (!(coverage > 0 && coverage < 1))
    throw InvalidArgument(fmt::format("random_mask: coverage {} is not in (0, 1)", coverage));
  cv::Mat mask = cv::Mat::zeros(size, CV_8UC1);
  const double side = reference > 0 ? reference : std::min(size.width, size.height);
  const double scratch_direction = rng.uniform(0, pi);  // one dominant direction per print
  for (int element = 0; element < max_elements && mask_coverage(mask) < coverage; ++element) {
    switch (family) {
      case MaskFamily::strokes:
        draw_stroke(mask, side * rng.uniform(0.02, 0.06), side * rng.uniform(0.05, 0.15), rng);
        break;
      case MaskFamily::scratches:
        draw_scratch(mask, rng.uniform() < 0.8 ? scratch_direction : rng.uniform(0, pi), rng);
        break;
      case MaskFamily::blobs:
        draw_blob(mask, side * rng.uniform(0.02, 0.10), rng);
        break;
      case MaskFamily::boxes: {
        const int w = std::max(1, static_cast<int>(side * rng.uniform(0.05, 0.3)));
        const int h = std::max(1, static_cast<int>(side * rng.uniform(0.05, 0.3)));
        const cv::Point corner = random_point(size, rng);
        cv::rectangle(mask, cv::Rect(corner.x - w / 2, corner.y - h / 2, w, h), cv::Scalar(255), cv::FILLED);
        break;
      }
      case MaskFamily::large:
        if (rng.uniform() < 0.6)
          draw_stroke(mask, side * rng.uniform(0.06, 0.15), side * rng.uniform(0.1, 0.25), rng);
        else
          draw_blob(mask, side * rng.uniform(0.08, 0.2), rng);
        break;
    }
  }
  return mask;
}

}  // namespace restora

#include "degrade/damage.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <vector>

#include "degrade/masks.h"
#include "restora/errors.h"

namespace restora {
namespace {

constexpr double pi = 3.14159265358979323846;
constexpr float mask_opacity = 0.25f;

cv::Point2d random_point(cv::Size size, Rng& rng) {
  return {rng.uniform(0, size.width), rng.uniform(0, size.height)};
}

// Bright (0.82-1) or dark (0-0.18) paint, a little tinted.
cv::Scalar paint(Rng& rng, bool bright) {
  const double base = bright ? rng.uniform(0.82, 1.0) : rng.uniform(0.0, 0.18);
  cv::Scalar colour;
  for (int c = 0; c < 3; ++c) colour[c] = std::clamp(base + rng.uniform(-0.04, 0.04), 0.0, 1.0);
  return colour;
}

// One layer: elements drawn at 255 into a CV_8U canvas, then softened and scaled by opacity.
struct Layer {
  cv::Mat canvas;
  cv::Scalar colour;
  double opacity = 1.0, softness = 0.0;  // softness: the blur's σ in pixels
  int kind = 0;                          // Damage::kinds index
};

void draw_dust(cv::Mat& canvas, double side, int count, Rng& rng) {
  for (int i = 0; i < count; ++i) {
    const cv::Point2d at = random_point(canvas.size(), rng);
    const double radius = std::max(0.5, side * rng.uniform(0.001, 0.004));
    if (rng.uniform() < 0.7) {
      cv::circle(canvas, at, static_cast<int>(std::lround(radius)), cv::Scalar(255), cv::FILLED, cv::LINE_8);
    } else {  // a short hair or fibre
      const double angle = rng.uniform(0, pi), length = side * rng.uniform(0.005, 0.03);
      const cv::Point2d along(std::cos(angle) * length, std::sin(angle) * length);
      cv::line(canvas, at - along * 0.5, at + along * 0.5, cv::Scalar(255), 1, cv::LINE_8);
    }
  }
}

// A crack: a jagged walk that turns a little at every step and forks now and then.
void draw_crack(cv::Mat& canvas, double side, Rng& rng) {
  struct Tip {
    cv::Point2d at;
    double angle;
    int steps;
  };
  std::vector<Tip> tips{{random_point(canvas.size(), rng), rng.uniform(0, 2 * pi), rng.uniform_int(10, 40)}};
  const int thickness = rng.uniform() < 0.7 ? 1 : 2;
  const double step = std::max(2.0, side * 0.01);
  for (size_t t = 0; t < tips.size() && t < 12; ++t) {
    Tip tip = tips[t];
    for (int s = 0; s < tip.steps; ++s) {
      tip.angle += rng.uniform(-0.5, 0.5);
      const cv::Point2d next = tip.at + cv::Point2d(std::cos(tip.angle), std::sin(tip.angle)) * step * rng.uniform(0.5, 1.5);
      cv::line(canvas, tip.at, next, cv::Scalar(255), thickness, cv::LINE_8);
      tip.at = next;
      if (rng.uniform() < 0.06)
        tips.push_back({tip.at, tip.angle + rng.uniform(0.4, 1.2) * (rng.uniform() < 0.5 ? -1 : 1),
                        std::max(3, (tip.steps - s) / 2)});
    }
  }
}

// A stain: overlapping ellipses, blurred into a soft blotch.
void draw_stain(cv::Mat& canvas, double side, Rng& rng) {
  const cv::Point2d centre = random_point(canvas.size(), rng);
  const double radius = side * rng.uniform(0.03, 0.12);
  const int parts = rng.uniform_int(2, 5);
  for (int p = 0; p < parts; ++p) {
    const cv::Point2d offset(rng.uniform(-0.6, 0.6) * radius, rng.uniform(-0.6, 0.6) * radius);
    const cv::Size axes(std::max(1, static_cast<int>(radius * rng.uniform(0.3, 1.0))),
                        std::max(1, static_cast<int>(radius * rng.uniform(0.3, 1.0))));
    cv::ellipse(canvas, centre + offset, axes, rng.uniform(0, 180), 0, 360, cv::Scalar(255), cv::FILLED, cv::LINE_8);
  }
}

// A count of elements whose mean is `expected`: its whole part, plus one with the probability of
// its fraction (a patch of a large image gets a share of its elements, not at least one).
int random_count(double expected, Rng& rng) {
  const double whole = std::floor(expected);
  return static_cast<int>(whole) + (rng.uniform() < expected - whole ? 1 : 0);
}

cv::Scalar stain_tint(Rng& rng) {
  const double kind = rng.uniform();
  if (kind < 0.45) return {0.72, 0.58, 0.32};  // sepia / tea
  if (kind < 0.75) return {0.42, 0.28, 0.16};  // brown
  const double grey = rng.uniform(0.2, 0.5);
  return {grey, grey, grey};
}

}  // namespace

Damage random_damage(const cv::Mat& image, Rng& rng, double reference, double amount) {
  if (image.empty() || image.depth() != CV_32F || (image.channels() != 1 && image.channels() != 3))
    throw InvalidArgument("random_damage: expected a CV_32F image with 1 or 3 channels");
  if (!(amount >= 0 && amount <= 1))
    throw InvalidArgument(fmt::format("random_damage: amount {} is not in [0, 1]", amount));
  if (amount == 0) amount = rng.uniform(0.1, 1.0);
  const cv::Size size = image.size();
  const double side = reference > 0 ? reference : std::min(size.width, size.height);
  const double area = static_cast<double>(size.area()) / (side * side);  // in reference squares
  bool present[4];
  for (auto& kind : present) kind = rng.uniform() < 0.7;
  if (!(present[0] || present[1] || present[2] || present[3])) present[rng.uniform_int(0, 3)] = true;

  std::vector<Layer> layers;
  int kind = 0;  // of the layers made next: 0 scratches, 1 dust, 2 cracks, 3 stains
  const auto new_layer = [&](cv::Scalar colour, double opacity, double softness) -> Layer& {
    layers.push_back({cv::Mat::zeros(size, CV_8UC1), colour, opacity, softness, kind});
    return layers.back();
  };
  if (present[0]) {  // scratches: mostly bright (the emulsion scraped off), some dark
    const bool bright = rng.uniform() < 0.75;
    auto& layer = new_layer(paint(rng, bright), rng.uniform(0.6, 1.0), 0.5);
    // A scratch spans the image, so a fraction of the pixels is the same density at any size.
    layer.canvas = random_mask(MaskFamily::scratches, size, amount * rng.uniform(0.004, 0.025), rng);
  }
  kind = 1;
  if (present[1]) {  // dust: bright and dark specks
    for (const bool bright : {true, false}) {
      auto& layer = new_layer(paint(rng, bright), rng.uniform(0.7, 1.0), 0.4);
      draw_dust(layer.canvas, side, random_count(amount * area * rng.uniform(10, 150), rng), rng);
    }
  }
  kind = 2;
  if (present[2]) {  // cracks: dark
    auto& layer = new_layer(paint(rng, false), rng.uniform(0.6, 0.95), 0.5);
    const int count = random_count(amount * area * rng.uniform(0.5, 4), rng);
    for (int i = 0; i < count; ++i) draw_crack(layer.canvas, side, rng);
  }
  kind = 3;
  if (present[3]) {  // stains: each with its own tint and opacity
    const int count = random_count(amount * area * rng.uniform(0.3, 2), rng);
    for (int i = 0; i < count; ++i) {
      auto& layer = new_layer(stain_tint(rng), rng.uniform(0.35, 0.75), side * rng.uniform(0.004, 0.015));
      draw_stain(layer.canvas, side, rng);
    }
  }

  Damage damage;
  damage.image = image.clone();
  damage.mask = cv::Mat::zeros(size, CV_8UC1);
  for (auto& of_kind : damage.kinds) of_kind = cv::Mat::zeros(size, CV_8UC1);
  const int channels = image.channels();
  for (const auto& layer : layers) {
    cv::Mat alpha;
    layer.canvas.convertTo(alpha, CV_32F, layer.opacity / 255.0);
    if (layer.softness > 0) cv::GaussianBlur(alpha, alpha, cv::Size(), layer.softness);
    const cv::Mat marked = alpha > mask_opacity;
    damage.mask.setTo(cv::Scalar(255), marked);
    damage.kinds[layer.kind].setTo(cv::Scalar(255), marked);
    for (int y = 0; y < size.height; ++y) {
      const float* a = alpha.ptr<float>(y);
      float* pixel = damage.image.ptr<float>(y);
      for (int x = 0; x < size.width; ++x) {
        if (a[x] <= 0) continue;
        for (int c = 0; c < channels; ++c) {
          const float colour = static_cast<float>(channels == 1 ? (layer.colour[0] + layer.colour[1] + layer.colour[2]) / 3 : layer.colour[c]);
          float& value = pixel[x * channels + c];
          value = value * (1 - a[x]) + colour * a[x];
        }
      }
    }
  }
  return damage;
}

}  // namespace restora

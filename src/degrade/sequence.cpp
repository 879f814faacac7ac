#include "degrade/sequence.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "restora/errors.h"

namespace restora {
namespace {

constexpr double pi = 3.14159265358979323846;

// A velocity that drifts: the previous one plus a normal step of a quarter of the cap, clipped.
double drift(double velocity, double cap, Rng& rng) {
  return std::clamp(velocity + 0.25 * cap * rng.normal(), -cap, cap);
}

// The camera's path: per frame, the still point under the frame's centre, its angle and scale.
struct Pose {
  cv::Point2d centre;
  double angle = 0, scale = 1;
};

std::vector<Pose> camera_path(const SequenceOptions& options, Rng& rng) {
  const double speed = options.max_speed / std::sqrt(2.0);  // per axis: the cap on the diagonal
  double vx = rng.uniform(-speed, speed), vy = rng.uniform(-speed, speed);
  double turn = rng.uniform(-options.max_turn, options.max_turn);
  double zoom = rng.uniform(-options.max_zoom, options.max_zoom);
  std::vector<Pose> path(options.frames);
  for (int t = 1; t < options.frames; ++t) {
    vx = drift(vx, speed, rng);
    vy = drift(vy, speed, rng);
    turn = drift(turn, options.max_turn, rng);
    zoom = drift(zoom, options.max_zoom, rng);
    path[t].centre = path[t - 1].centre + cv::Point2d(vx, vy);
    path[t].angle = path[t - 1].angle + turn;
    path[t].scale = path[t - 1].scale * (1 + zoom);
  }
  return path;
}

// Frame pixel -> still point for a pose whose centre is at `origin` in the still.
cv::Matx23d camera_matrix(const Pose& pose, cv::Point2d origin, cv::Size size) {
  const double radians = pose.angle * pi / 180, c = std::cos(radians) * pose.scale,
               s = std::sin(radians) * pose.scale;
  const double cx = (size.width - 1) / 2.0, cy = (size.height - 1) / 2.0;
  const cv::Point2d centre = origin + pose.centre;
  return {c, -s, centre.x - c * cx + s * cy, s, c, centre.y - s * cx - c * cy};
}

// An object: a soft ellipse of texture cut from the still, moving on its own across the view.
struct Object {
  cv::Mat texture, alpha;  // the object's pixels and its soft mask (CV_32FC1)
  cv::Point2d position, velocity;
};

Object make_object(const cv::Mat& still, const SequenceOptions& options, Rng& rng) {
  const int side = std::min(options.size.width, options.size.height);
  const int w = std::max(4, static_cast<int>(side * rng.uniform(0.15, 0.4)));
  const int h = std::max(4, static_cast<int>(side * rng.uniform(0.15, 0.4)));
  Object object;
  const int x = rng.uniform_int(0, std::max(0, still.cols - w)), y = rng.uniform_int(0, std::max(0, still.rows - h));
  object.texture = still(cv::Rect(x, y, std::min(w, still.cols), std::min(h, still.rows))).clone();
  object.alpha = cv::Mat::zeros(object.texture.size(), CV_32FC1);
  cv::ellipse(object.alpha, cv::Point(object.alpha.cols / 2, object.alpha.rows / 2),
              cv::Size(object.alpha.cols / 2 - 1, object.alpha.rows / 2 - 1), 0, 0, 360,
              cv::Scalar(1), cv::FILLED, cv::LINE_AA);
  cv::GaussianBlur(object.alpha, object.alpha, cv::Size(5, 5), 1.0);
  object.position = {rng.uniform(0, options.size.width - w / 2.0), rng.uniform(0, options.size.height - h / 2.0)};
  const double speed = rng.uniform(0.5, 2.0) * options.max_speed, direction = rng.uniform(0, 2 * pi);
  object.velocity = {speed * std::cos(direction), speed * std::sin(direction)};
  return object;
}

// Pastes the object at its (sub-pixel) position over the frame.
void paste(cv::Mat& frame, const Object& object) {
  const cv::Matx23d shift(1, 0, object.position.x, 0, 1, object.position.y);
  cv::Mat texture, alpha;
  cv::warpAffine(object.texture, texture, shift, frame.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  cv::warpAffine(object.alpha, alpha, shift, frame.size(), cv::INTER_LINEAR, cv::BORDER_CONSTANT);
  std::vector<cv::Mat> weights(frame.channels(), alpha);
  cv::Mat weight;
  cv::merge(weights, weight);
  const cv::Mat behind = 1.0 - weight;
  frame = frame.mul(behind) + texture.mul(weight);
}

}  // namespace

Sequence make_sequence(const cv::Mat& still, Rng& rng, const SequenceOptions& options) {
  if (still.empty() || still.depth() != CV_32F || (still.channels() != 1 && still.channels() != 3))
    throw InvalidArgument("make_sequence needs a CV_32FC1 or CV_32FC3 still");
  if (options.frames < 1 || options.size.width < 4 || options.size.height < 4)
    throw InvalidArgument(fmt::format("a sequence needs frames >= 1 and frames of 4x4 or more "
                                      "(got {} of {}x{})", options.frames, options.size.width,
                                      options.size.height));
  if (options.max_speed < 0 || options.max_turn < 0 || options.max_zoom < 0 ||
      options.max_zoom >= 0.5 || options.max_objects < 0 || options.max_exposure < 0 ||
      options.max_exposure >= 0.5)
    throw InvalidArgument("sequence motion and exposure caps must be >= 0 (zoom, exposure < 0.5)");
  const auto path = camera_path(options, rng);
  // Where the path starts: so that its bounding box (and the frame around it) stays inside the
  // still where the still is large enough, else centred.
  double left = 0, right = 0, top = 0, bottom = 0;
  for (const auto& pose : path) {
    left = std::min(left, pose.centre.x);
    right = std::max(right, pose.centre.x);
    top = std::min(top, pose.centre.y);
    bottom = std::max(bottom, pose.centre.y);
  }
  const double reach = std::hypot(options.size.width, options.size.height) / 2 * 1.1;
  const auto start = [&](double low, double high, int extent) {
    const double from = reach - low, to = extent - 1 - reach - high;
    return from <= to ? rng.uniform(from, to) : (extent - 1) / 2.0 - (low + high) / 2;
  };
  const cv::Point2d origin(start(left, right, still.cols), start(top, bottom, still.rows));

  std::vector<Object> objects;
  const int count = rng.uniform_int(0, options.max_objects);
  for (int index = 0; index < count; ++index) objects.push_back(make_object(still, options, rng));
  double gain = 1;

  Sequence sequence;
  for (int t = 0; t < options.frames; ++t) {
    const auto camera = camera_matrix(path[t], origin, options.size);
    cv::Mat frame;
    cv::warpAffine(still, frame, cv::Mat(camera), options.size, cv::INTER_CUBIC | cv::WARP_INVERSE_MAP,
                   cv::BORDER_REFLECT_101);
    for (auto& object : objects) {
      paste(frame, object);
      object.position += object.velocity;
    }
    if (t > 0) gain *= 1 + rng.uniform(-options.max_exposure, options.max_exposure);
    frame *= gain;
    cv::min(cv::max(frame, 0.0), 1.0, frame);  // bicubic overshoot and exposure
    sequence.frames.push_back(frame);
    sequence.camera.push_back(camera);
  }
  return sequence;
}

}  // namespace restora

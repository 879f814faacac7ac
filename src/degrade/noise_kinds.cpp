// Noise kinds beyond the benchmark's white Gaussian noise: shot (Poisson) noise and
// signal-dependent camera noise through a simple camera pipeline.
#include <fmt/format.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "degrade/camera.h"
#include "degrade/kinds.h"
#include "restora/errors.h"

namespace restora::kinds {
namespace {

// The luma of an RGB float image (BT.601 weights), or the image itself when gray.
cv::Mat luma(const cv::Mat& image) {
  if (image.channels() == 1) return image;
  cv::Mat gray;
  cv::transform(image, gray, cv::Matx13f(0.299f, 0.587f, 0.114f));
  return gray;
}

cv::Mat replicate(const cv::Mat& plane, int channels) {
  if (channels == 1) return plane;
  std::vector<cv::Mat> planes(static_cast<size_t>(channels), plane);
  cv::Mat merged;
  cv::merge(planes, merged);
  return merged;
}

class PoissonNoise : public DegradationKind {
 public:
  std::string id() const override { return "poisson_noise"; }
  std::string summary() const override {
    return "shot noise: Poisson(255·x)/255 − x, times a strength";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 0, 10, 1, false, {}, "strength (1: 255 photons at white)"},
            {"gray", 0, 1, 0, true, {}, "1: the luma's noise in every channel"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const override {
    const cv::Mat image = float_image(state);
    const bool gray = int_at(setting, "gray") == 1;
    cv::Mat noise = shot_noise(gray ? luma(image) : image, 255.0, rng) * setting.at("scale");
    state.image = image + (gray ? replicate(noise, image.channels()) : noise);
  }
  bool quantized() const override { return false; }
};

class CameraNoise : public DegradationKind {
 public:
  std::string id() const override { return "camera_noise"; }
  std::string summary() const override {
    return "signal-dependent camera noise: inverse tone curve, shot + read noise in linear "
           "light on a Bayer mosaic, demosaicing, tone curve back";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"shot", 0, 0.1, 0.01, false, {}, "shot-noise variance per unit of linear signal"},
            {"read", 0, 0.2, 0.01, false, {}, "read-noise standard deviation (linear)"},
            {"gamma", 1, 3, 2.2, false, {}, "tone curve exponent"},
            {"mosaic", 0, 1, 1, true, {}, "1: noise on a Bayer mosaic, then demosaiced"},
            {"gray", 0, 1, 0, true, {}, "1: the same noise in every channel"},
            {"correlation", 0, 3, 0, false, {}, "blur of the noise field (pixels): ISP-like blotches"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng& rng) const override {
    CameraNoiseModel model;
    model.correlation = setting.at("correlation");
    model.shot = setting.at("shot");
    model.read = setting.at("read");
    model.gamma = setting.at("gamma");
    model.mosaic = int_at(setting, "mosaic") == 1;
    model.gray = int_at(setting, "gray") == 1;
    state.image = add_camera_noise(float_image(state), model, rng);
  }
  bool quantized() const override { return false; }
};

}  // namespace

std::unique_ptr<DegradationKind> make_poisson_noise() { return std::make_unique<PoissonNoise>(); }
std::unique_ptr<DegradationKind> make_camera_noise() { return std::make_unique<CameraNoise>(); }

}  // namespace restora::kinds

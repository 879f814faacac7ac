// Noise as a camera makes it: shot noise (Poisson), and a simple camera pipeline in which the
// noise is added in linear light on the sensor's Bayer mosaic, so that demosaicing spreads it
// across neighbouring pixels and the tone curve makes it depend on brightness.
#pragma once

#include <opencv2/core.hpp>

#include "degrade/random.h"

namespace restora {

// A Poisson-distributed count with mean lambda >= 0 (Knuth's product method below 10, Hörmann's
// PTRS transformed rejection above), drawn from rng: the same stream on every platform.
int poisson(double lambda, Rng& rng);

// image: CV_32F, 1 or 3 channels, nominal [0,1] (clipped to it first). Returns the noise
// Poisson(photons·x)/photons − x for every value, CV_32F of the same shape.
cv::Mat shot_noise(const cv::Mat& image, double photons, Rng& rng);

struct CameraNoiseModel {
  double shot = 0.01;   // variance per unit of linear signal
  double read = 0.01;   // standard deviation of the signal-independent read noise (linear)
  double gamma = 2.2;   // tone curve: output = linear^(1/gamma)
  bool mosaic = true;   // noise drawn once per pixel on an RGGB mosaic, then bilinearly demosaiced
  bool gray = false;    // one noise plane for every channel
  // Standard deviation (pixels) of a Gaussian that blurs the noise field, rescaled to keep the
  // deviation of white noise: the spatially correlated noise a camera's own denoising,
  // sharpening and compression leave in its JPEGs. 0: none.
  double correlation = 0.0;
};

// image: CV_32F, 1 or 3 channels (RGB), nominal [0,1] (clipped to it first). Returns
// tone(inverse_tone(x) + n), n ~ N(0, shot·linear + read²), unclipped CV_32F of the same shape.
cv::Mat add_camera_noise(const cv::Mat& image, const CameraNoiseModel& model, Rng& rng);

}  // namespace restora

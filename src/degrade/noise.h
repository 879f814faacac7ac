// Additive white Gaussian noise: the degradation of the denoising protocol.
#pragma once

#include <opencv2/core.hpp>

#include "degrade/random.h"

namespace restora {

// clean: H×W CV_32FC1 or CV_32FC3, nominal [0,1].
// sigma: standard deviation on the 0..255 scale (sigma >= 0, finite).
// Returns clean + N(0, (sigma/255)^2), independently per pixel and channel,
// CV_32F of the same shape, NOT clipped and NOT quantized (PROTOCOLS.md).
// Draws exactly one rng.normal() per value, in row-major order with the
// channels of a pixel consecutive, also when sigma is 0 (the result is then
// clean itself), so the stream stays aligned whatever sigma was sampled.
cv::Mat add_gaussian_noise(const cv::Mat& clean, double sigma, Rng& rng);

// Noise level for blind training: uniform in [lo, hi), 0 <= lo <= hi.
double sample_sigma(double lo, double hi, Rng& rng);

}  // namespace restora

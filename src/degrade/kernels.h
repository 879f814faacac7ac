// Blur kernels and the convolution the blur kinds apply. Pure functions: the same arguments give
// the same kernel on every platform (motion trajectories draw from their own seeded Rng).
//
//   cv::Mat k = restora::gaussian_kernel(21, 3.0, 1.0, 30.0, KernelShape::gaussian, 1.0);
//   cv::Mat blurred = restora::convolve(image_f32, k);
#pragma once

#include <cstdint>
#include <opencv2/core.hpp>

namespace restora {

enum class KernelShape { gaussian, generalized, plateau };

// size×size CV_32FC1 kernel summing to 1, centred, of Mahalanobis distance d² = xᵀΣ⁻¹x for the
// covariance with standard deviations sigma_major along `angle_degrees` (counter-clockwise from
// the x axis, y pointing down) and sigma_minor across it (0 = isotropic):
//   gaussian: exp(-d²/2); generalized: exp(-(d²)^beta / 2); plateau: 1 / (1 + (d²)^beta).
// size odd >= 1, sigmas > 0 (minor >= 0), beta > 0; else InvalidArgument.
cv::Mat gaussian_kernel(int size, double sigma_major, double sigma_minor, double angle_degrees,
                        KernelShape shape, double beta);

// size×size ideal circular low-pass (2-D sinc, "jinc"): cutoff·J1(cutoff·r) / (2π r), cutoff in
// radians per pixel in (0, π]; normalised to sum 1. Convolving with it rings like an
// over-sharpened or band-limited image.
cv::Mat sinc_kernel(int size, double cutoff);

// size×size camera-shake kernel: a random smooth trajectory (a 2-D walk with inertia and a pull
// back to its start, after Boracchi & Foi 2012) of about `length` pixels, drawn with sub-pixel
// (bilinear) weights and normalised to sum 1. The trajectory is drawn from Rng(seed); length in
// [1, size - 1].
cv::Mat motion_kernel(int size, double length, std::uint64_t seed);

// The odd kernel side that holds ±3 standard deviations (at least 3, at most `largest`).
int automatic_kernel_size(double sigma, int largest);

// The deblurring models' training kernels, one family at a time, all drawn from Rng(seed) alone
// (docs/DEBLUR.md):
//   gaussian: σ_major ~ U(0.5, 4); isotropic with p 0.4, else σ_minor ~ U(0.3, σ_major) at an
//             angle ~ U(-90°, 90°);
//   motion:   a camera-shake trajectory (motion_kernel) of length ~ U(5, size - 4).
// size odd >= 9; else InvalidArgument.
enum class KernelFamily { gaussian, motion };
cv::Mat random_blur_kernel(KernelFamily family, int size, std::uint64_t seed);

// image (CV_32F, 1 or 3 channels) convolved with kernel (CV_32FC1, odd sides), borders
// reflected (BORDER_REFLECT_101): a true convolution (the kernel is flipped), same size.
cv::Mat convolve(const cv::Mat& image, const cv::Mat& kernel);

// The same convolution with wrap-around borders (scipy.ndimage.convolve(x, k, mode='wrap')): the
// circular blur of the DPIR deblurring protocol. Kernel sides odd and at most the image's.
cv::Mat convolve_circular(const cv::Mat& image, const cv::Mat& kernel);

// The full (size a + b - 1) convolution of two kernels: the blur of one after the other.
cv::Mat compose_kernels(const cv::Mat& first, const cv::Mat& second);

}  // namespace restora

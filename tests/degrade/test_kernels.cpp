// Blur kernels: normalisation, shape statistics against their definitions, determinism, and the
// convolution against its definition (a delta comes out as the kernel itself).
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/imgproc.hpp>

#include "degrade/kernels.h"
#include "restora/errors.h"

namespace restora {
namespace {

// Second moments of a kernel about its centre: {E[x²], E[y²], E[xy]}.
cv::Vec3d Moments(const cv::Mat& kernel) {
  const int r = kernel.rows / 2;
  cv::Vec3d m(0, 0, 0);
  for (int y = -r; y <= r; ++y)
    for (int x = -r; x <= r; ++x) {
      const double w = kernel.at<float>(y + r, x + r);
      m += cv::Vec3d(w * x * x, w * y * y, w * x * y);
    }
  return m;
}

TEST(Kernels, GaussianHasTheRequestedCovariance) {
  const cv::Mat iso = gaussian_kernel(41, 2.0, 0.0, 0.0, KernelShape::gaussian, 1.0);
  EXPECT_EQ(iso.size(), cv::Size(41, 41));
  EXPECT_NEAR(cv::sum(iso)[0], 1.0, 1e-5);
  const auto m = Moments(iso);
  EXPECT_NEAR(m[0], 4.0, 0.01);
  EXPECT_NEAR(m[1], 4.0, 0.01);
  EXPECT_NEAR(m[2], 0.0, 1e-6);
  // σ 3 along 30°, 1 across it: Σ = R diag(9, 1) Rᵀ.
  const cv::Mat aniso = gaussian_kernel(41, 3.0, 1.0, 30.0, KernelShape::gaussian, 1.0);
  const double c = std::cos(M_PI / 6), s = std::sin(M_PI / 6);
  const auto a = Moments(aniso);
  EXPECT_NEAR(a[0], 9 * c * c + s * s, 0.02);
  EXPECT_NEAR(a[1], 9 * s * s + c * c, 0.02);
  EXPECT_NEAR(a[2], (9 - 1) * c * s, 0.02);
  // A quarter turn transposes it (y points down, angles turn x towards y).
  const cv::Mat turned = gaussian_kernel(41, 3.0, 1.0, 120.0, KernelShape::gaussian, 1.0);
  const cv::Mat flipped_turn = gaussian_kernel(41, 3.0, 1.0, -60.0, KernelShape::gaussian, 1.0);
  EXPECT_LT(cv::norm(turned, flipped_turn, cv::NORM_INF), 1e-6);  // 180° apart: the same
}

TEST(Kernels, GeneralizedAndPlateauShapes) {
  const cv::Mat gaussian = gaussian_kernel(21, 2.0, 0.0, 0.0, KernelShape::gaussian, 1.0);
  EXPECT_LT(cv::norm(gaussian, gaussian_kernel(21, 2.0, 0.0, 0.0, KernelShape::generalized, 1.0),
                     cv::NORM_INF),
            1e-7);  // beta 1 is the Gaussian
  // A larger beta flattens the top and cuts the tails.
  const cv::Mat flat = gaussian_kernel(21, 2.0, 0.0, 0.0, KernelShape::generalized, 4.0);
  EXPECT_GT(flat.at<float>(10, 11) / flat.at<float>(10, 10),
            gaussian.at<float>(10, 11) / gaussian.at<float>(10, 10));
  EXPECT_LT(flat.at<float>(10, 16), gaussian.at<float>(10, 16));
  const cv::Mat plateau = gaussian_kernel(21, 2.0, 0.0, 0.0, KernelShape::plateau, 2.0);
  EXPECT_NEAR(cv::sum(plateau)[0], 1.0, 1e-5);
  // 1 / (1 + d⁴): at d² = 1 (2 px away) the value is half the centre's.
  EXPECT_NEAR(plateau.at<float>(10, 12) / plateau.at<float>(10, 10), 0.5, 1e-5);
  EXPECT_THROW(gaussian_kernel(20, 2, 0, 0, KernelShape::gaussian, 1), InvalidArgument);
  EXPECT_THROW(gaussian_kernel(21, 0, 0, 0, KernelShape::gaussian, 1), InvalidArgument);
}

TEST(Kernels, SincRingsAndIsRadial) {
  const cv::Mat sinc = sinc_kernel(21, 1.0);
  EXPECT_NEAR(cv::sum(sinc)[0], 1.0, 1e-5);
  double lowest = 0;
  cv::minMaxLoc(sinc, &lowest);
  EXPECT_LT(lowest, 0.0);  // negative lobes: overshoot and ringing
  cv::Mat transposed;
  cv::transpose(sinc, transposed);
  EXPECT_LT(cv::norm(sinc, transposed, cv::NORM_INF), 1e-8);
  EXPECT_THROW(sinc_kernel(21, 4.0), InvalidArgument);
}

TEST(Kernels, MotionTrajectoriesAreSeededAndStayInside) {
  const cv::Mat a = motion_kernel(31, 15, 7);
  EXPECT_EQ(cv::norm(a, motion_kernel(31, 15, 7), cv::NORM_INF), 0.0);
  EXPECT_GT(cv::norm(a, motion_kernel(31, 15, 8), cv::NORM_INF), 0.0);
  EXPECT_NEAR(cv::sum(a)[0], 1.0, 1e-5);
  double lowest = 0;
  cv::minMaxLoc(a, &lowest);
  EXPECT_GE(lowest, 0.0);
  // A path of about 15 pixels: its support spans more than a few pixels and fits the kernel.
  cv::Mat support = a > 0;
  const cv::Rect box = cv::boundingRect(support);
  EXPECT_GE(std::max(box.width, box.height), 5);
  EXPECT_LE(std::max(box.width, box.height), 17);
  // The borders stay empty (the path is fitted inside with a pixel to spare).
  EXPECT_EQ(cv::countNonZero(support.row(0)) + cv::countNonZero(support.col(0)), 0);
  EXPECT_THROW(motion_kernel(31, 40, 1), InvalidArgument);
}

TEST(Kernels, ConvolvingADeltaGivesTheKernel) {
  const cv::Mat kernel = motion_kernel(9, 6, 3);  // asymmetric: catches a flipped convolution
  cv::Mat delta = cv::Mat::zeros(25, 27, CV_32FC1);
  delta.at<float>(12, 13) = 1.0f;
  const cv::Mat out = convolve(delta, kernel);
  EXPECT_LT(cv::norm(out(cv::Rect(9, 8, 9, 9)), kernel, cv::NORM_INF), 1e-6);
  // A constant image stays constant (the kernel sums to one), in colour too.
  const cv::Mat grey(10, 10, CV_32FC3, cv::Scalar(0.25, 0.5, 0.75));
  EXPECT_LT(cv::norm(convolve(grey, kernel), grey, cv::NORM_INF), 1e-6);
  // Smaller than the kernel: still defined.
  EXPECT_EQ(convolve(cv::Mat(3, 2, CV_32FC1, cv::Scalar(0.5)), kernel).size(), cv::Size(2, 3));
}

// The circular convolution by its definition: out(y, x) = Σ k(i, j) · in((y − i + r) mod H, ...).
cv::Mat CircularByDefinition(const cv::Mat& image, const cv::Mat& kernel) {
  cv::Mat out = cv::Mat::zeros(image.size(), CV_32FC1);
  const int ry = kernel.rows / 2, rx = kernel.cols / 2;
  for (int y = 0; y < image.rows; ++y)
    for (int x = 0; x < image.cols; ++x) {
      double sum = 0;
      for (int i = 0; i < kernel.rows; ++i)
        for (int j = 0; j < kernel.cols; ++j) {
          const int sy = ((y - (i - ry)) % image.rows + image.rows) % image.rows;
          const int sx = ((x - (j - rx)) % image.cols + image.cols) % image.cols;
          sum += kernel.at<float>(i, j) * image.at<float>(sy, sx);
        }
      out.at<float>(y, x) = static_cast<float>(sum);
    }
  return out;
}

TEST(Kernels, CircularConvolutionWrapsAroundTheBorders) {
  cv::Mat image(13, 11, CV_32FC1);
  cv::randu(image, 0.0, 1.0);
  const cv::Mat kernel = motion_kernel(7, 5, 2);  // asymmetric
  EXPECT_LT(cv::norm(convolve_circular(image, kernel), CircularByDefinition(image, kernel), cv::NORM_INF), 1e-5);
  // A delta in the corner spreads to the opposite corners.
  cv::Mat delta = cv::Mat::zeros(9, 9, CV_32FC1);
  delta.at<float>(0, 0) = 1.0f;
  const cv::Mat spread = convolve_circular(delta, gaussian_kernel(5, 1.0, 0.0, 0.0, KernelShape::gaussian, 1.0));
  EXPECT_GT(spread.at<float>(8, 8), 0.01f);
  EXPECT_NEAR(cv::sum(spread)[0], 1.0, 1e-5);
  EXPECT_THROW(convolve_circular(cv::Mat::zeros(5, 5, CV_32FC1), kernel), InvalidArgument);
}

TEST(Kernels, ComposedKernelsBlurLikeTheTwoInTurn) {
  const cv::Mat a = motion_kernel(7, 5, 2), b = gaussian_kernel(5, 1.0, 0.6, 20, KernelShape::gaussian, 1.0);
  const cv::Mat both = compose_kernels(a, b);
  EXPECT_EQ(both.size(), cv::Size(11, 11));
  EXPECT_NEAR(cv::sum(both)[0], 1.0, 1e-5);
  cv::Mat image(24, 24, CV_32FC1);
  cv::randu(image, 0.0, 1.0);
  EXPECT_LT(cv::norm(convolve_circular(convolve_circular(image, a), b), convolve_circular(image, both),
                     cv::NORM_INF), 1e-5);
}

TEST(Kernels, RandomBlurKernelsAreSeededAndStayInTheirFamilies) {
  for (const auto family : {KernelFamily::gaussian, KernelFamily::motion}) {
    const cv::Mat first = random_blur_kernel(family, 25, 7);
    EXPECT_EQ(first.size(), cv::Size(25, 25));
    EXPECT_NEAR(cv::sum(first)[0], 1.0, 1e-5);
    EXPECT_EQ(cv::norm(first, random_blur_kernel(family, 25, 7), cv::NORM_INF), 0.0);
    EXPECT_GT(cv::norm(first, random_blur_kernel(family, 25, 8), cv::NORM_INF), 0.0);
    double lowest = 0;
    cv::minMaxLoc(first, &lowest);
    EXPECT_GE(lowest, 0.0);
  }
  // Gaussian kernels: σ_major in [0.5, 4], so each axis' second moment is at most 16 and the
  // trace at least 0.25; a third or more of 40 draws isotropic (p 0.4).
  int isotropic = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    const auto m = Moments(random_blur_kernel(KernelFamily::gaussian, 33, seed));
    EXPECT_LE(std::max(m[0], m[1]), 16.0 + 0.1);
    EXPECT_GE(m[0] + m[1], 0.25 - 0.01);
    if (std::abs(m[0] - m[1]) < 1e-3 && std::abs(m[2]) < 1e-3) ++isotropic;
  }
  EXPECT_GE(isotropic, 8);
  EXPECT_LE(isotropic, 28);
  EXPECT_THROW(random_blur_kernel(KernelFamily::motion, 8, 1), InvalidArgument);
  EXPECT_THROW(random_blur_kernel(KernelFamily::motion, 7, 1), InvalidArgument);
}

}  // namespace
}  // namespace restora

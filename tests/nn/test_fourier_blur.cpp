// The Fourier-domain blur against the spatial circular convolution, and the data step against
// the normal equations it solves in closed form.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "degrade/kernels.h"
#include "image/tensor_bridge.h"
#include "nn/fourier_blur.h"
#include "restora/errors.h"

namespace restora::nn {
namespace {

cv::Mat RandomImage(int rows, int cols, int channels, int seed) {
  cv::Mat image(rows, cols, CV_32FC(channels));
  cv::theRNG().state = static_cast<uint64_t>(seed);
  cv::randu(image, cv::Scalar::all(0.0), cv::Scalar::all(1.0));
  return image;
}

TEST(FourierBlur, BlurEqualsTheCircularConvolution) {
  const cv::Mat image = RandomImage(24, 20, 3, 1);
  const cv::Mat kernel = motion_kernel(9, 7, 5);  // asymmetric: a flip would show
  const FourierBlur blur(mat_to_tensor(kernel), mat_to_tensor(image));
  const cv::Mat fourier = tensor_to_mat(blur.blur(mat_to_tensor(image)));
  EXPECT_LT(cv::norm(fourier, convolve_circular(image, kernel), cv::NORM_INF), 1e-5);
  EXPECT_THROW(kernel_otf(torch::ones({1, 1, 4, 4}), 8, 8), InvalidArgument);
  EXPECT_THROW(kernel_otf(torch::ones({1, 1, 9, 9}), 8, 8), InvalidArgument);
}

TEST(FourierBlur, DataStepSolvesItsNormalEquations) {
  // x = argmin ‖k ⊛ x − y‖² + α‖x − z‖²  ⇔  kᵀ ⊛ (k ⊛ x) + α x = kᵀ ⊛ y + α z, with kᵀ the
  // kernel flipped (correlation).
  const cv::Mat kernel = gaussian_kernel(7, 1.5, 0.7, 30, KernelShape::gaussian, 1.0);
  cv::Mat flipped;
  cv::flip(kernel, flipped, -1);
  const cv::Mat y = RandomImage(16, 18, 1, 2), z = RandomImage(16, 18, 1, 3);
  for (const double alpha : {1e-3, 0.05, 2.0}) {
    const FourierBlur blur(mat_to_tensor(kernel), mat_to_tensor(y));
    const cv::Mat x = tensor_to_mat(blur.data_step(mat_to_tensor(z), torch::tensor(alpha)));
    const cv::Mat left = convolve_circular(convolve_circular(x, kernel), flipped) + alpha * x;
    const cv::Mat right = convolve_circular(y, flipped) + alpha * z;
    EXPECT_LT(cv::norm(left, right, cv::NORM_INF), 2e-4) << "alpha " << alpha;
  }
  // A delta kernel: the weighted mean of y and z.
  const FourierBlur identity(torch::ones({1, 1, 1, 1}), mat_to_tensor(y));
  const cv::Mat mean = tensor_to_mat(identity.data_step(mat_to_tensor(z), torch::tensor(1.0)));
  EXPECT_LT(cv::norm(mean, 0.5 * (y + z), cv::NORM_INF), 1e-5);
}

TEST(FourierBlur, PerSampleKernelsAndWeights) {
  const auto y = torch::rand({2, 1, 12, 12});
  const auto kernels = torch::stack({torch::full({1, 3, 3}, 1.0 / 9), torch::ones({1, 3, 3}) / 9});
  const auto alpha = torch::tensor({0.1, 0.3}).view({2, 1, 1, 1});
  const FourierBlur both(kernels, y);
  const auto x = both.data_step(torch::zeros_like(y), alpha);
  const FourierBlur second(kernels.slice(0, 1, 2), y.slice(0, 1, 2));
  EXPECT_LT((second.data_step(torch::zeros({1, 1, 12, 12}), torch::tensor(0.3)) - x.slice(0, 1, 2))
                .abs().max().item<float>(), 1e-6);
}

}  // namespace
}  // namespace restora::nn

// Denoises a synthetic noisy image with the installed default model through the public API only.
// Prints the model file used and the PSNR before and after; exits 1 if denoising did not help.
#include <restora/image_io.h>
#include <restora/restorer.h>

#include <cstdio>
#include <opencv2/core.hpp>

int main() {
  cv::Mat clean(96, 128, CV_32FC1);
  for (int y = 0; y < clean.rows; ++y)
    for (int x = 0; x < clean.cols; ++x)
      clean.at<float>(y, x) = 0.2f + 0.6f * static_cast<float>(x) / clean.cols;
  cv::Mat noise(clean.size(), CV_32FC1);
  cv::randn(noise, 0.0, 25.0 / 255.0);
  restora::Image noisy;
  noisy.pixels = clean + noise;
  noisy.bit_depth = 32;

  restora::RestoreOptions options;
  options.threads = 1;
  restora::Restorer denoiser("denoise", options);
  const auto model = denoiser.model_for(1);
  const auto restored = denoiser.restore(noisy);
  const double before = cv::PSNR(noisy.pixels, clean, 1.0);
  const double after = cv::PSNR(restored.pixels, clean, 1.0);
  std::printf("model %s\nPSNR %.2f -> %.2f dB\n", model.path.c_str(), before, after);
  return after > before + 3.0 ? 0 : 1;
}

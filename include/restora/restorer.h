// Restora: restore images with residual networks.
//
//   #include <restora/restorer.h>
//
//   restora::Restorer denoiser("denoise");                 // the shipped default model
//   restora::Image noisy = restora::read_image("noisy.png");
//   restora::Image clean = denoiser.restore(noisy);
//   restora::write_image(clean, "clean.png");              // written atomically
//
//   restora::RestoreOptions options;
//   options.scale = 4;
//   restora::Restorer upscaler("super_resolution", options);
//
// Errors are exceptions from <restora/errors.h>.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "restora/errors.h"
#include "restora/image.h"
#include "restora/image_io.h"

namespace restora {

struct RestoreOptions {
  std::string model;        // shipped model name or file path; "" = the task's default
  int scale = 0;            // output scale (1, 2, 3, 4...) the model must make; 0 = its first
  double sigma = -1.0;      // denoise: known noise σ (0..255) for σ-conditioned models; <0 = blind
  int quality = 0;          // dejpeg: known JPEG quality for quality-conditioned models; 0 = blind
  // GAN models with a strength control (their PSNR-oriented base named in the file): 0 runs the
  // base, 1 the GAN weights, between them the interpolated weights; < 0 = the model as stored.
  double strength = -1.0;
  // deblur: the known blur kernel (read_kernel: CV_32FC1, odd sides, sum 1), which selects the
  // task's non-blind model; empty = blind. With a kernel, sigma < 0 means 2.55 (mild noise and
  // 8-bit rounding).
  cv::Mat kernel;
  // deblur with a kernel: the blur wrapped around the image borders (synthetic tests, the
  // deblurring protocol). false (photos): the image is extended by reflection before the
  // Fourier-domain steps and cropped after, so its borders do not ring.
  bool circular_blur = false;
  // detect(): the probability above which a pixel is marked (lower finds more, and more falsely);
  // 0 = the detector's own, chosen by its training on held-out images (0.5 if the file has none).
  double threshold = 0;
  int tile = 0;             // input pixels per tile side; 0 = the largest that fits max_memory
  // Bytes of tensor memory the network may use (beyond the images themselves); 0 = a quarter
  // of physical memory. Tiles shrink when an allocation fails. Each restore() call has its own
  // budget (restorers running on other threads count apart).
  std::uint64_t max_memory = 0;
  int threads = 0;          // compute threads of each restore() call (its thread's); 0 = all cores
  std::string device = "cpu";       // "cpu" or "cuda" (when LibTorch has CUDA)
  // "auto": bf16 on CPUs with native bf16 (AMX, AVX512-BF16) for models validated in bf16
  // (their file lists it), fp32 otherwise; "fp32" or "bf16" force one.
  std::string precision = "auto";
  // Called on the restoring thread after each tile with the fraction of the image done (0..1];
  // it may throw restora::Cancelled (or any error) to stop, which restore() then throws.
  std::function<void(double fraction)> progress;
};

// A summary of the model a Restorer runs.
struct ModelSummary {
  std::string name, task, arch, path;
  int in_channels = 0;
  std::string conditioning;  // "none" (blind), "sigma" or "quality": what --sigma/--quality feed
  std::string precision;     // "fp32" or "bf16": what restore() runs this model in
  double threshold = 0;      // detectors: the threshold detect() uses; 0 for other models
};

class Restorer {
 public:
  // task: "denoise", "super_resolution", "dejpeg", "real", "deblur", "inpaint" or "repair" (the
  // detector; see restora/repairer.h for the whole repair). Throws InvalidArgument for an unknown
  // task or option, FileError/FormatError for a missing or broken model, ModelMismatch when
  // the model serves another task or scale.
  explicit Restorer(const std::string& task, RestoreOptions options = {});
  ~Restorer();
  Restorer(Restorer&&) noexcept;
  Restorer& operator=(Restorer&&) noexcept;

  // Any size, gray or RGB, with or without alpha (alpha: upscaled bicubically for
  // super-resolution, untouched otherwise). The output keeps the input's bit depth and sample
  // storage: float in, float out (unclipped); 8- or 16-bit in, the same out, clipped and
  // rounded as write_image would, with no float copy of the image (memory for huge inputs).
  Image restore(const Image& input);
  // Inpainting: `mask` (same size, gray CV_8U or CV_32F; white = missing, above half-scale) marks
  // the pixels to fill; every other pixel comes back exactly as it went in. An all-black mask
  // returns the input unchanged; an all-white one, or one of another size -> InvalidArgument.
  // A model conditioned on a mask needs this form; other models refuse a mask.
  Image restore(const Image& input, const cv::Mat& mask);

  // Detection tasks ("repair": the damage of old prints): the mask of what the model finds,
  // CV_8UC1 of the image's size, 255 where its probability exceeds options.threshold. Models
  // of other tasks refuse to detect, and detectors to restore (InvalidArgument).
  cv::Mat detect(const Image& input);

  // The model used for an image with `channels` colour channels (1 or 3).
  ModelSummary model_for(int channels);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Shipped default model name of a task for gray (1) or colour (3) images.
std::string default_model(const std::string& task, int channels);

}  // namespace restora

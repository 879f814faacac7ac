// Blur kinds: Gaussian-family kernels (isotropic, anisotropic, generalized, plateau), camera-shake
// motion and the sinc filter's ringing. Each convolves the float image with reflected borders;
// nothing is clipped (a later step quantizes).
#include <fmt/format.h>

#include "degrade/kernels.h"
#include "degrade/kinds.h"
#include "restora/errors.h"

namespace restora::kinds {
namespace {

constexpr double pi = 3.14159265358979323846;
constexpr int largest_kernel = 61;

// Blurs the state with `kernel` (wrap-around borders when `circular`) and records the kernel,
// composed with any earlier blur.
void blur_with(DegradedImage& state, const cv::Mat& kernel, bool circular = false) {
  const cv::Mat image = float_image(state);
  state.image = circular ? convolve_circular(image, kernel) : convolve(image, kernel);
  state.kernel = state.kernel.empty() ? kernel : compose_kernels(state.kernel, kernel);
}

void check_odd_or_zero(const std::string& kind, int size) {
  if (size != 0 && size % 2 == 0)
    throw InvalidArgument(fmt::format("{}: size {} must be odd (or 0: automatic)", kind, size));
}

class Blur : public DegradationKind {
 public:
  std::string id() const override { return "blur"; }
  std::string summary() const override {
    return "Gaussian-family blur: isotropic or anisotropic, generalized or plateau shape";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"sigma", 0.1, 20, 2, false, {}, "standard deviation along the major axis (pixels)"},
            {"sigma_minor", 0, 20, 0, false, {}, "across it; 0 = isotropic"},
            {"angle", -180, 180, 0, false, {}, "major axis direction (degrees)"},
            {"shape", 0, 2, 0, true, {"gaussian", "generalized", "plateau"}, "kernel shape"},
            {"beta", 0.5, 8, 1, false, {}, "shape exponent (generalized, plateau)"},
            {"size", 0, largest_kernel, 0, true, {}, "odd kernel side; 0 = automatic (±3σ)"}};
  }
  cv::Mat kernel(const Degradation& setting) const {
    const double major = setting.at("sigma");
    const double minor = setting.at("sigma_minor");
    int size = int_at(setting, "size");
    if (size == 0) size = automatic_kernel_size(std::max(major, minor), largest_kernel);
    return gaussian_kernel(size, major, minor, setting.at("angle"),
                           static_cast<KernelShape>(int_at(setting, "shape")), setting.at("beta"));
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    blur_with(state, kernel(setting));
  }
  bool quantized() const override { return false; }

 protected:
  void check(const Degradation& setting) const override {
    check_odd_or_zero(id(), int_at(setting, "size"));
  }
};

class MotionBlur : public DegradationKind {
 public:
  std::string id() const override { return "motion_blur"; }
  std::string summary() const override {
    return "camera-shake blur along a random smooth trajectory (drawn from `seed`)";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"length", 1, 60, 10, false, {}, "trajectory length (pixels)"},
            {"size", 3, largest_kernel, 31, true, {}, "odd kernel side"},
            {"seed", 0, 2147483647, 0, true, {}, "which trajectory"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    const int size = int_at(setting, "size");
    const double length = std::min(setting.at("length"), size - 1.0);
    blur_with(state, motion_kernel(size, length, static_cast<uint64_t>(setting.at("seed"))));
  }
  bool quantized() const override { return false; }

 protected:
  void check(const Degradation& setting) const override {
    check_odd_or_zero(id(), int_at(setting, "size"));
  }
};

class Sinc : public DegradationKind {
 public:
  std::string id() const override { return "sinc"; }
  std::string summary() const override {
    return "ideal circular low-pass (2-D sinc): ringing and overshoot artifacts";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"cutoff", 0.1, pi, pi / 3, false, {}, "cut-off frequency (radians per pixel)"},
            {"size", 3, 41, 21, true, {}, "odd kernel side"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    blur_with(state, sinc_kernel(int_at(setting, "size"), setting.at("cutoff")));
  }
  bool quantized() const override { return false; }

 protected:
  void check(const Degradation& setting) const override {
    check_odd_or_zero(id(), int_at(setting, "size"));
  }
};

// The deblurring models' training blur: one kernel of random_blur_kernel's families, drawn from
// its seed, so a chain "kernel_blur:family=gaussian|motion:seed=0~2147483647" samples the
// documented generator; wrap-around borders by default (the deblurring protocol's circular blur,
// which the non-blind network's FFT step models exactly).
class KernelBlur : public DegradationKind {
 public:
  std::string id() const override { return "kernel_blur"; }
  std::string summary() const override {
    return "a seeded training kernel (Gaussian or camera shake), circular or reflected borders";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"family", 0, 1, 0, true, {"gaussian", "motion"}, "kernel family"},
            {"seed", 0, 2147483647, 0, true, {}, "which kernel of the family"},
            {"size", 9, largest_kernel, 25, true, {}, "odd kernel side"},
            {"boundary", 0, 1, 0, true, {"wrap", "reflect"}, "image borders"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    blur_with(state,
              random_blur_kernel(static_cast<KernelFamily>(int_at(setting, "family")),
                                 int_at(setting, "size"), static_cast<uint64_t>(setting.at("seed"))),
              int_at(setting, "boundary") == 0);
  }
  bool quantized() const override { return false; }

 protected:
  void check(const Degradation& setting) const override {
    check_odd_or_zero(id(), int_at(setting, "size"));
  }
};

}  // namespace

std::unique_ptr<DegradationKind> make_kernel_blur() { return std::make_unique<KernelBlur>(); }
std::unique_ptr<DegradationKind> make_blur() { return std::make_unique<Blur>(); }
std::unique_ptr<DegradationKind> make_motion_blur() { return std::make_unique<MotionBlur>(); }
std::unique_ptr<DegradationKind> make_sinc() { return std::make_unique<Sinc>(); }

}  // namespace restora::kinds

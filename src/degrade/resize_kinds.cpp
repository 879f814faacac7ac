// Resizing kinds of the real-world chains: a relative resize with a chosen interpolation, and a
// resize to the ground truth's size divided by the chain's scale (how a chain lands on its
// output size after random resizes).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <opencv2/imgproc.hpp>

#include "degrade/kinds.h"
#include "degrade/resize_matlab.h"
#include "restora/errors.h"

namespace restora::kinds {
namespace {

const std::vector<std::string> interpolations{"area", "bilinear", "bicubic"};

int cv_interpolation(int choice) {
  const int flags[] = {cv::INTER_AREA, cv::INTER_LINEAR, cv::INTER_CUBIC};
  return flags[choice];
}

cv::Mat resized(const DegradedImage& state, cv::Size size, int interpolation) {
  cv::Mat out;
  cv::resize(float_image(state), out, size, 0, 0, cv_interpolation(interpolation));
  return out;
}

class Resize : public DegradationKind {
 public:
  std::string id() const override { return "resize"; }
  std::string summary() const override {
    return "resize by a factor (output/input) with area, bilinear or bicubic interpolation";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 0.05, 8, 0.5, false, {}, "output size / input size"},
            {"interp", 0, 2, 0, true, interpolations, "interpolation"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    const double factor = setting.at("scale");
    const cv::Size size(std::max(1, static_cast<int>(std::lround(state.image.cols * factor))),
                        std::max(1, static_cast<int>(std::lround(state.image.rows * factor))));
    replace_image(state, resized(state, size, int_at(setting, "interp")));
  }
  int scale(const Degradation&) const override { return 0; }  // not an integer ratio
  bool changes_size() const override { return true; }
  bool quantized() const override { return false; }
};

// A kind whose output is the ground truth's size / its integer scale (the ground truth cropped
// to a multiple of it): what resize_to and bd share.
class ToGroundTruthScale : public DegradationKind {
 public:
  cv::Mat ground_truth(const cv::Mat& gt_u8, const Degradation& setting) const override {
    return modcrop(gt_u8, int_at(setting, "scale"));
  }
  int scale(const Degradation& setting) const override { return int_at(setting, "scale"); }
  bool scale_is_absolute() const override { return true; }
  bool changes_size() const override { return true; }
  bool quantized() const override { return false; }

 protected:
  cv::Size output_size(const DegradedImage& state, const Degradation& setting) const {
    const int factor = int_at(setting, "scale");
    const cv::Size size(state.gt_size.width / factor, state.gt_size.height / factor);
    if (size.empty())
      throw InvalidArgument(fmt::format("{}: the ground truth is smaller than x{}", id(), factor));
    return size;
  }
};

class ResizeTo : public ToGroundTruthScale {
 public:
  std::string id() const override { return "resize_to"; }
  std::string summary() const override {
    return "resize to the ground truth's size / scale (ends a chain of random resizes)";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 1, 8, 4, true, {}, "ground truth size / output size"},
            {"interp", 0, 2, 2, true, interpolations, "interpolation"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    replace_image(state, resized(state, output_size(state, setting), int_at(setting, "interp")));
  }
};

// The video super-resolution "BD" degradation of DUF, RRN and BasicVSR (BasicSR's
// duf_downsample): a 13×13 Gaussian of σ = 0.4·scale (scipy's gaussian_filter of a centred
// impulse: the normalised 13-tap kernel, twice), the image extended by reflection (PyTorch's
// 'reflect', OpenCV's REFLECT_101), and every scale-th pixel kept from the first: the output
// is the ground truth's size / scale.
class BlurDownsample : public ToGroundTruthScale {
 public:
  std::string id() const override { return "bd"; }
  std::string summary() const override {
    return "video SR's BD degradation: 13×13 Gaussian blur σ 0.4·scale, keep every scale-th pixel";
  }
  std::vector<ParameterInfo> parameters() const override {
    return {{"scale", 2, 4, 4, true, {}, "ground truth size / output size"}};
  }
  void apply(DegradedImage& state, const Degradation& setting, Rng&) const override {
    const int factor = int_at(setting, "scale");
    const cv::Size size = output_size(state, setting);
    const double sigma = 0.4 * factor;
    cv::Mat taps(13, 1, CV_64FC1);
    for (int i = 0; i < 13; ++i) taps.at<double>(i) = std::exp(-0.5 * (i - 6) * (i - 6) / (sigma * sigma));
    taps /= cv::sum(taps)[0];
    cv::Mat blurred;
    cv::sepFilter2D(float_image(state), blurred, CV_32F, taps, taps, cv::Point(-1, -1), 0,
                    cv::BORDER_REFLECT_101);
    cv::Mat kept(size, blurred.type());
    for (int y = 0; y < size.height; ++y)
      for (int x = 0; x < size.width; ++x)
        std::memcpy(kept.ptr(y, x), blurred.ptr(y * factor, x * factor), blurred.elemSize());
    replace_image(state, kept);
  }
};

}  // namespace

std::unique_ptr<DegradationKind> make_bd() { return std::make_unique<BlurDownsample>(); }
std::unique_ptr<DegradationKind> make_resize() { return std::make_unique<Resize>(); }
std::unique_ptr<DegradationKind> make_resize_to() { return std::make_unique<ResizeTo>(); }

}  // namespace restora::kinds

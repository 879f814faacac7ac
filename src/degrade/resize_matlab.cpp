#include "degrade/resize_matlab.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "restora/errors.h"

namespace restora {
namespace {

// Keys' cubic convolution kernel with a = -0.5 (MATLAB's cubic()).
double cubic(double x) {
  const double absx = std::abs(x);
  const double absx2 = absx * absx;
  const double absx3 = absx2 * absx;
  if (absx <= 1.0) return 1.5 * absx3 - 2.5 * absx2 + 1.0;
  if (absx <= 2.0) return -0.5 * absx3 + 2.5 * absx2 - 4.0 * absx + 2.0;
  return 0.0;
}

// Which input pixels, with which weights, make each output pixel along one
// dimension: row `output` of the out_length × taps tables.
struct Contributions {
  int taps = 0;
  std::vector<double> weights;
  std::vector<int> indices;  // 0-based, already mirrored into [0, in_length)

  const double* weights_of(int output) const { return &weights[size_t(output) * taps]; }
  const int* indices_of(int output) const { return &indices[size_t(output) * taps]; }
};

// MATLAB's contributions(): 1-based coordinates kept as in the original so
// that every floating-point step matches it.
Contributions contributions(int in_length, int out_length, double scale) {
  const bool antialias = scale < 1.0;
  const double kernel_width = antialias ? 4.0 / scale : 4.0;
  const int all_taps = static_cast<int>(std::ceil(kernel_width)) + 2;

  std::vector<double> weights(size_t(out_length) * all_taps);
  std::vector<int> indices(weights.size());
  const int period = 2 * in_length;  // mirror: aux = [1:n, n:-1:1]
  for (int output = 0; output < out_length; ++output) {
    const double u = (output + 1) / scale + 0.5 * (1.0 - 1.0 / scale);
    const double left = std::floor(u - kernel_width / 2.0);
    double* row_weights = &weights[size_t(output) * all_taps];
    int* row_indices = &indices[size_t(output) * all_taps];
    double sum = 0.0;
    for (int tap = 0; tap < all_taps; ++tap) {
      const double index = left + tap;
      const double distance = u - index;
      row_weights[tap] = antialias ? scale * cubic(scale * distance) : cubic(distance);
      sum += row_weights[tap];
      int wrapped = static_cast<int>(std::fmod(index - 1.0, period));
      if (wrapped < 0) wrapped += period;
      row_indices[tap] = wrapped < in_length ? wrapped : period - 1 - wrapped;
    }
    for (int tap = 0; tap < all_taps; ++tap) row_weights[tap] /= sum;
  }

  // Drop the taps whose weight is zero for every output pixel, as MATLAB does.
  std::vector<int> kept_taps;
  for (int tap = 0; tap < all_taps; ++tap) {
    for (int output = 0; output < out_length; ++output) {
      if (weights[size_t(output) * all_taps + tap] != 0.0) {
        kept_taps.push_back(tap);
        break;
      }
    }
  }
  Contributions result;
  result.taps = static_cast<int>(kept_taps.size());
  result.weights.reserve(size_t(out_length) * result.taps);
  result.indices.reserve(size_t(out_length) * result.taps);
  for (int output = 0; output < out_length; ++output) {
    for (int tap : kept_taps) {
      result.weights.push_back(weights[size_t(output) * all_taps + tap]);
      result.indices.push_back(indices[size_t(output) * all_taps + tap]);
    }
  }
  return result;
}

// imresizemex's conversion of a double sum to the output class.
template <typename T>
T store(double value);

template <>
uchar store<uchar>(double value) {
  return static_cast<uchar>(std::clamp(std::round(value), 0.0, 255.0));
}

template <>
float store<float>(double value) {
  return static_cast<float>(value);
}

// Resizes along the rows: output row r mixes whole input rows.
template <typename T>
cv::Mat resize_rows(const cv::Mat& input, const Contributions& along) {
  const int out_rows = static_cast<int>(along.weights.size() / along.taps);
  const int values_per_row = input.cols * input.channels();
  cv::Mat output(out_rows, input.cols, input.type());
  std::vector<double> sums(values_per_row);
  for (int row = 0; row < out_rows; ++row) {
    std::fill(sums.begin(), sums.end(), 0.0);
    const double* weights = along.weights_of(row);
    const int* indices = along.indices_of(row);
    for (int tap = 0; tap < along.taps; ++tap) {
      const double weight = weights[tap];
      const T* source = input.ptr<T>(indices[tap]);
      for (int value = 0; value < values_per_row; ++value) sums[value] += weight * source[value];
    }
    T* target = output.ptr<T>(row);
    for (int value = 0; value < values_per_row; ++value) target[value] = store<T>(sums[value]);
  }
  return output;
}

// Resizes along the columns: output pixel c of a row mixes pixels of that row.
template <typename T>
cv::Mat resize_columns(const cv::Mat& input, const Contributions& along) {
  const int out_cols = static_cast<int>(along.weights.size() / along.taps);
  const int channels = input.channels();
  cv::Mat output(input.rows, out_cols, input.type());
  for (int row = 0; row < input.rows; ++row) {
    const T* source = input.ptr<T>(row);
    T* target = output.ptr<T>(row);
    for (int col = 0; col < out_cols; ++col) {
      const double* weights = along.weights_of(col);
      const int* indices = along.indices_of(col);
      for (int channel = 0; channel < channels; ++channel) {
        double sum = 0.0;
        for (int tap = 0; tap < along.taps; ++tap) {
          sum += weights[tap] * source[indices[tap] * channels + channel];
        }
        target[col * channels + channel] = store<T>(sum);
      }
    }
  }
  return output;
}

int output_length(int in_length, double scale) {
  const double length = std::ceil(scale * in_length);
  if (length > (1 << 26)) {
    throw InvalidArgument(
        fmt::format("imresize_matlab: scale {} would make {} pixels from {}, too many", scale,
                    length, in_length));
  }
  return static_cast<int>(length);
}

}  // namespace

cv::Mat imresize_matlab(const cv::Mat& image, double scale) {
  if (image.empty() || (image.depth() != CV_8U && image.depth() != CV_32F) ||
      image.channels() > 4) {
    throw InvalidArgument(fmt::format(
        "imresize_matlab: expected a non-empty CV_8U or CV_32F image with 1..4 channels, got "
        "{}x{} with {} channel(s) of depth {}",
        image.cols, image.rows, image.channels(), image.depth()));
  }
  // The widened kernel of a tiny scale would need millions of taps per pixel.
  if (!std::isfinite(scale) || scale < 1e-5) {
    throw InvalidArgument(fmt::format("imresize_matlab: scale must be >= 1e-5, got {}", scale));
  }
  const Contributions along_rows =
      contributions(image.rows, output_length(image.rows, scale), scale);
  const Contributions along_columns =
      contributions(image.cols, output_length(image.cols, scale), scale);
  // Equal scales: MATLAB's stable sort of [scale scale] puts rows first.
  if (image.depth() == CV_8U) {
    return resize_columns<uchar>(resize_rows<uchar>(image, along_rows), along_columns);
  }
  return resize_columns<float>(resize_rows<float>(image, along_rows), along_columns);
}

cv::Mat modcrop(const cv::Mat& image, int scale) {
  if (scale < 1) throw InvalidArgument(fmt::format("modcrop: scale must be >= 1, got {}", scale));
  const int rows = image.rows - image.rows % scale;
  const int cols = image.cols - image.cols % scale;
  if (rows == 0 || cols == 0) {
    throw InvalidArgument(fmt::format("modcrop: a {}x{} image is smaller than scale {}", image.cols,
                                      image.rows, scale));
  }
  return image(cv::Rect(0, 0, cols, rows)).clone();
}

}  // namespace restora

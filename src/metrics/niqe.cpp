#include "metrics/niqe.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "degrade/resize_matlab.h"
#include "fileio/file_io.h"
#include "restora/errors.h"

namespace restora::metrics {
namespace {

constexpr int kFeaturesPerScale = niqe_features / 2;

std::string describe(const cv::Mat& image) {
  return fmt::format("{}x{}x{}", image.cols, image.rows, image.channels());
}

// BasicSR's Y: to_y_channel() of the image as float32 (x = channel / 255 in float32, the dot
// product with the BT.601 weights in float64 taken in B, G, R order, / 255 stored as float32,
// × 255 in float32), then img.round(). Replaying these steps gives BasicSR's values for all
// 2^24 colours; the plain float64 formula of rgb_to_y() rounds 103 of them the other way.
cv::Mat basicsr_luma(const cv::Mat& rgb_or_gray_u8) {
  cv::Mat luma(rgb_or_gray_u8.size(), CV_32FC1);
  if (rgb_or_gray_u8.channels() == 1) {
    rgb_or_gray_u8.convertTo(luma, CV_32F);
    return luma;
  }
  for (int row = 0; row < luma.rows; ++row) {
    const uchar* rgb = rgb_or_gray_u8.ptr<uchar>(row);
    float* target = luma.ptr<float>(row);
    for (int col = 0; col < luma.cols; ++col) {
      const float red = float(rgb[3 * col]) / 255.0f;
      const float green = float(rgb[3 * col + 1]) / 255.0f;
      const float blue = float(rgb[3 * col + 2]) / 255.0f;
      double y = double(blue) * 24.966 + double(green) * 128.553;
      y = y + double(red) * 65.481;
      y = y + 16.0;
      const float y_float = float(y / 255.0) * 255.0f;
      target[col] = std::nearbyint(y_float);  // half to even in the default rounding mode, as numpy
    }
  }
  return luma;
}

// scipy.ndimage.convolve(image, window, mode='nearest') of a float32 image: sums in double,
// the result stored as float32 (the input's dtype).
cv::Mat convolve_nearest(const cv::Mat& image, const cv::Mat& window) {
  const int side = window.rows;
  const int radius = side / 2;
  cv::Mat padded;
  cv::copyMakeBorder(image, padded, radius, radius, radius, radius, cv::BORDER_REPLICATE);
  cv::Mat result(image.size(), CV_32FC1);
  for (int row = 0; row < image.rows; ++row) {
    float* target = result.ptr<float>(row);
    for (int col = 0; col < image.cols; ++col) {
      double sum = 0.0;
      for (int i = 0; i < side; ++i) {
        const float* source = padded.ptr<float>(row + i) + col;
        const double* weights = window.ptr<double>(side - 1 - i);  // convolution: flipped
        for (int j = 0; j < side; ++j) sum += double(source[j]) * weights[side - 1 - j];
      }
      target[col] = float(sum);
    }
  }
  return result;
}

// MSCN coefficients (Y - mu) / (sigma + 1), every step in float32 as BasicSR's numpy code.
cv::Mat mscn_coefficients(const cv::Mat& image, const cv::Mat& window) {
  const cv::Mat mean = convolve_nearest(image, window);
  cv::Mat squared(image.size(), CV_32FC1);
  for (int row = 0; row < image.rows; ++row) {
    const float* pixels = image.ptr<float>(row);
    float* target = squared.ptr<float>(row);
    for (int col = 0; col < image.cols; ++col) target[col] = pixels[col] * pixels[col];
  }
  const cv::Mat mean_of_squares = convolve_nearest(squared, window);
  cv::Mat coefficients(image.size(), CV_32FC1);
  for (int row = 0; row < image.rows; ++row) {
    const float* pixels = image.ptr<float>(row);
    const float* means = mean.ptr<float>(row);
    const float* squares = mean_of_squares.ptr<float>(row);
    float* target = coefficients.ptr<float>(row);
    for (int col = 0; col < image.cols; ++col) {
      const float mu = means[col];
      const float mu_squared = mu * mu;
      const float sigma = std::sqrt(std::abs(squares[col] - mu_squared));
      target[col] = (pixels[col] - mu) / (sigma + 1.0f);
    }
  }
  return coefficients;
}

// BasicSR's search table for the AGGD shape: gam = np.arange(0.2, 10.001, 0.001) (numpy fills
// start + i * ((start + step) - start)) and r(gam) = Γ(2/γ)² / (Γ(1/γ) Γ(3/γ)).
struct ShapeTable {
  std::vector<double> shape, ratio;
};

const ShapeTable& shape_table() {
  static const ShapeTable table = [] {
    constexpr double start = 0.2, step = 0.001, stop = 10.001;
    const double delta = (start + step) - start;
    const auto count = static_cast<size_t>(std::ceil((stop - start) / step));  // 9801
    ShapeTable result;
    result.shape.resize(count);
    result.ratio.resize(count);
    for (size_t i = 0; i < count; ++i) {
      const double shape = start + double(i) * delta;
      const double reciprocal = 1.0 / shape;
      const double numerator = std::tgamma(reciprocal * 2.0);
      result.shape[i] = shape;
      result.ratio[i] =
          numerator * numerator / (std::tgamma(reciprocal) * std::tgamma(reciprocal * 3.0));
    }
    return result;
  }();
  return table;
}

struct Aggd {
  double alpha = 0.0, beta_left = 0.0, beta_right = 0.0;
};

// estimate_aggd_param(): moment matching of an asymmetric generalised Gaussian. A side without
// values gives NaN betas (numpy's mean of nothing), and a NaN ratio picks the table's first
// shape (np.argmin returns the first NaN).
Aggd fit_aggd(const std::vector<float>& values) {
  double left_squares = 0.0, right_squares = 0.0, absolute = 0.0, squares = 0.0;
  size_t left_count = 0, right_count = 0;
  for (const float value : values) {
    const double v = value;
    if (v < 0.0) {
      left_squares += v * v;
      ++left_count;
    } else if (v > 0.0) {
      right_squares += v * v;
      ++right_count;
    }
    absolute += std::abs(v);
    squares += v * v;
  }
  const double count = double(values.size());
  const double left_std = std::sqrt(left_squares / double(left_count));  // NaN when empty
  const double right_std = std::sqrt(right_squares / double(right_count));
  const double gamma_hat = left_std / right_std;
  const double mean_absolute = absolute / count;
  const double r_hat = mean_absolute * mean_absolute / (squares / count);
  const double gamma_hat_squared_plus_one = gamma_hat * gamma_hat + 1.0;
  const double r_hat_normalised = r_hat * (std::pow(gamma_hat, 3.0) + 1.0) * (gamma_hat + 1.0) /
                                  (gamma_hat_squared_plus_one * gamma_hat_squared_plus_one);
  const ShapeTable& table = shape_table();
  size_t best = 0;
  if (!std::isnan(r_hat_normalised)) {
    double best_error = std::numeric_limits<double>::infinity();
    for (size_t i = 0; i < table.ratio.size(); ++i) {
      const double difference = table.ratio[i] - r_hat_normalised;
      const double error = difference * difference;
      if (error < best_error) {
        best_error = error;
        best = i;
      }
    }
  }
  Aggd fit;
  fit.alpha = table.shape[best];
  const double scale = std::sqrt(std::tgamma(1.0 / fit.alpha) / std::tgamma(3.0 / fit.alpha));
  fit.beta_left = left_std * scale;
  fit.beta_right = right_std * scale;
  return fit;
}

// compute_feature() of one block of coefficients: 18 values into `features`.
void block_features(const cv::Mat& block, double* features) {
  const int rows = block.rows, cols = block.cols;
  std::vector<float> values(size_t(rows) * cols);
  for (int row = 0; row < rows; ++row) {
    std::copy_n(block.ptr<float>(row), cols, values.begin() + ptrdiff_t(row) * cols);
  }
  const Aggd whole = fit_aggd(values);
  features[0] = whole.alpha;
  features[1] = (whole.beta_left + whole.beta_right) / 2.0;
  // np.roll(block, shift, axis=(0, 1)): the value at (r, c) comes from (r - dr, c - dc),
  // wrapped around the block.
  constexpr std::array<std::array<int, 2>, 4> shifts = {{{0, 1}, {1, 0}, {1, 1}, {1, -1}}};
  std::vector<float> products(values.size());
  for (size_t s = 0; s < shifts.size(); ++s) {
    for (int row = 0; row < rows; ++row) {
      const int from_row = (row - shifts[s][0] + rows) % rows;
      for (int col = 0; col < cols; ++col) {
        const int from_col = (col - shifts[s][1] + cols) % cols;
        products[size_t(row) * cols + col] =
            values[size_t(row) * cols + col] * values[size_t(from_row) * cols + from_col];
      }
    }
    const Aggd pair = fit_aggd(products);
    double* target = features + 2 + 4 * s;
    target[0] = pair.alpha;
    target[1] = (pair.beta_right - pair.beta_left) *
                (std::tgamma(2.0 / pair.alpha) / std::tgamma(1.0 / pair.alpha));
    target[2] = pair.beta_left;
    target[3] = pair.beta_right;
  }
}

// numpy.linalg.pinv(matrix) with its default rcond = 1e-15.
cv::Mat pseudo_inverse(const cv::Mat& matrix) {
  cv::Mat singular, left, right_transposed;
  cv::SVD::compute(matrix, singular, left, right_transposed);
  double largest = 0.0;
  cv::minMaxLoc(singular, nullptr, &largest);
  cv::Mat inverse_singular = cv::Mat::zeros(singular.rows, singular.rows, CV_64F);
  for (int i = 0; i < singular.rows; ++i) {
    const double value = singular.at<double>(i);
    if (value > 1e-15 * largest) inverse_singular.at<double>(i, i) = 1.0 / value;
  }
  return right_transposed.t() * inverse_singular * left.t();
}

// What is wrong with the model's shapes, or "" when nothing is.
std::string model_problem(const NiqeModel& model) {
  const auto shaped = [](const cv::Mat& m, int rows, int cols) {
    return m.type() == CV_64FC1 && m.rows == rows && m.cols == cols;
  };
  if (shaped(model.mean, 1, niqe_features) &&
      shaped(model.covariance, niqe_features, niqe_features) && !model.window.empty() &&
      shaped(model.window, model.window.rows, model.window.rows) && model.window.rows % 2 == 1) {
    return "";
  }
  return fmt::format(
      "expected a 1x{0} mean, a {0}x{0} covariance and an odd square window, all CV_64F; got "
      "mean {1}, covariance {2}, window {3}",
      niqe_features, describe(model.mean), describe(model.covariance), describe(model.window));
}

// A JSON list of rows of numbers as a CV_64F matrix; FormatError naming `key` otherwise.
cv::Mat read_matrix(const nlohmann::json& value, const std::string& key, const std::string& path) {
  const auto fail = [&](const std::string& problem) {
    return FormatError(fmt::format("NIQE model '{}': '{}' {}", path, key, problem));
  };
  if (!value.is_array() || value.empty() || !value[0].is_array() || value[0].empty()) {
    throw fail("must be a non-empty list of rows of numbers");
  }
  const size_t rows = value.size(), cols = value[0].size();
  if (rows > 1024 || cols > 1024) throw fail(fmt::format("is too large ({}x{})", rows, cols));
  cv::Mat matrix(int(rows), int(cols), CV_64F);
  for (size_t row = 0; row < rows; ++row) {
    const nlohmann::json& values = value[row];
    if (!values.is_array() || values.size() != cols) {
      throw fail(fmt::format("row {} is not a list of {} numbers", row, cols));
    }
    for (size_t col = 0; col < cols; ++col) {
      if (!values[col].is_number()) throw fail(fmt::format("row {} holds a non-number", row));
      matrix.at<double>(int(row), int(col)) = values[col].get<double>();
    }
  }
  return matrix;
}

}  // namespace

NiqeModel read_niqe_model(const std::string& path) {
  const std::vector<uint8_t> bytes = fileio::read_file_bytes(path);
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(bytes.begin(), bytes.end());
  } catch (const nlohmann::json::parse_error& error) {
    throw FormatError(fmt::format("NIQE model '{}' is not valid JSON: {}", path, error.what()));
  }
  if (!document.is_object()) {
    throw FormatError(fmt::format("NIQE model '{}' must be a JSON object", path));
  }
  const std::array<const char*, 3> keys = {"mu_pris_param", "cov_pris_param", "gaussian_window"};
  for (const auto& item : document.items()) {
    if (std::find(keys.begin(), keys.end(), item.key()) == keys.end()) {
      throw FormatError(fmt::format("NIQE model '{}': unknown key '{}'; expected {}, {}, {}", path,
                                    item.key(), keys[0], keys[1], keys[2]));
    }
  }
  std::array<cv::Mat, 3> matrices;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (!document.contains(keys[i])) {
      throw FormatError(fmt::format("NIQE model '{}': missing key '{}'", path, keys[i]));
    }
    matrices[i] = read_matrix(document[keys[i]], keys[i], path);
  }
  NiqeModel model{matrices[0], matrices[1], matrices[2]};
  const std::string problem = model_problem(model);
  if (!problem.empty()) throw FormatError(fmt::format("NIQE model '{}': {}", path, problem));
  return model;
}

double niqe(const cv::Mat& rgb_or_gray_u8, const NiqeModel& model) {
  const std::string problem = model_problem(model);
  if (!problem.empty()) throw InvalidArgument("niqe: model: " + problem);
  if (rgb_or_gray_u8.empty() ||
      (rgb_or_gray_u8.type() != CV_8UC1 && rgb_or_gray_u8.type() != CV_8UC3)) {
    throw InvalidArgument(
        fmt::format("niqe: expected a non-empty CV_8UC1 or CV_8UC3 (RGB) image, got {} of depth {}",
                    describe(rgb_or_gray_u8), rgb_or_gray_u8.depth()));
  }
  const int block_rows = rgb_or_gray_u8.rows / niqe_block;
  const int block_cols = rgb_or_gray_u8.cols / niqe_block;
  if (block_rows == 0 || block_cols == 0) {
    throw InvalidArgument(fmt::format("niqe: a {} image holds no whole {}x{} block",
                                      describe(rgb_or_gray_u8), niqe_block, niqe_block));
  }
  const cv::Rect whole_blocks(0, 0, block_cols * niqe_block, block_rows * niqe_block);
  cv::Mat image = basicsr_luma(rgb_or_gray_u8(whole_blocks));

  // One row of 36 features per block, blocks in BasicSR's order (down each column of blocks).
  const int blocks = block_rows * block_cols;
  std::vector<std::array<double, niqe_features>> features(blocks);
  for (int scale = 1; scale <= 2; ++scale) {
    const cv::Mat coefficients = mscn_coefficients(image, model.window);
    const int side = niqe_block / scale;
    for (int block_col = 0; block_col < block_cols; ++block_col) {
      for (int block_row = 0; block_row < block_rows; ++block_row) {
        const cv::Rect block(block_col * side, block_row * side, side, side);
        block_features(coefficients(block), features[block_col * block_rows + block_row].data() +
                                                (scale - 1) * kFeaturesPerScale);
      }
    }
    if (scale == 1) {
      // imresize(img / 255., scale=0.5, antialiasing=True) * 255., in float32.
      cv::Mat unit(image.size(), CV_32FC1);
      for (int row = 0; row < image.rows; ++row) {
        const float* source = image.ptr<float>(row);
        float* target = unit.ptr<float>(row);
        for (int col = 0; col < image.cols; ++col) target[col] = source[col] / 255.0f;
      }
      image = imresize_matlab(unit, 0.5);
      for (int row = 0; row < image.rows; ++row) {
        float* pixels = image.ptr<float>(row);
        for (int col = 0; col < image.cols; ++col) pixels[col] = pixels[col] * 255.0f;
      }
    }
  }

  // np.nanmean over all blocks; the covariance over the blocks without NaN (np.cov).
  std::array<double, niqe_features> mean{};
  for (int feature = 0; feature < niqe_features; ++feature) {
    double sum = 0.0;
    int count = 0;
    for (const auto& row : features) {
      if (!std::isnan(row[feature])) {
        sum += row[feature];
        ++count;
      }
    }
    mean[feature] = sum / count;
  }
  std::vector<const std::array<double, niqe_features>*> complete;
  for (const auto& row : features) {
    if (std::none_of(row.begin(), row.end(), [](double value) { return std::isnan(value); })) {
      complete.push_back(&row);
    }
  }
  if (complete.empty()) {
    throw InvalidArgument(fmt::format(
        "niqe: none of the {} blocks of the {} image has NaN-free features (flat regions have "
        "no negative or positive MSCN coefficients)",
        blocks, describe(rgb_or_gray_u8)));
  }
  cv::Mat covariance(niqe_features, niqe_features, CV_64F);
  if (complete.size() == 1) {
    // np.cov of a single row (rowvar=False) treats the row as one variable with 36
    // observations and returns its variance, a scalar that BasicSR adds to every entry of the
    // model's covariance: reproduced as it is, since the reference values depend on it.
    const auto& row = *complete[0];
    double row_mean = 0.0;
    for (const double value : row) row_mean += value;
    row_mean /= niqe_features;
    double variance = 0.0;
    for (const double value : row) variance += (value - row_mean) * (value - row_mean);
    covariance.setTo(variance / (niqe_features - 1));
  } else {
    std::array<double, niqe_features> complete_mean{};
    for (const auto* row : complete) {
      for (int feature = 0; feature < niqe_features; ++feature) {
        complete_mean[feature] += (*row)[feature];
      }
    }
    for (double& value : complete_mean) value /= double(complete.size());
    for (int i = 0; i < niqe_features; ++i) {
      for (int j = i; j < niqe_features; ++j) {
        double sum = 0.0;
        for (const auto* row : complete) {
          sum += ((*row)[i] - complete_mean[i]) * ((*row)[j] - complete_mean[j]);
        }
        covariance.at<double>(i, j) = covariance.at<double>(j, i) =
            sum / double(complete.size() - 1);
      }
    }
  }

  const cv::Mat inverse = pseudo_inverse((model.covariance + covariance) / 2.0);
  cv::Mat difference(1, niqe_features, CV_64F);
  for (int feature = 0; feature < niqe_features; ++feature) {
    difference.at<double>(feature) = model.mean.at<double>(feature) - mean[feature];
  }
  const cv::Mat quality = difference * inverse * difference.t();
  return std::sqrt(quality.at<double>(0, 0));
}

}  // namespace restora::metrics

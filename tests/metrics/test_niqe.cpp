#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <string>

#include "metrics/niqe.h"
#include "restora/errors.h"

namespace restora::metrics {
namespace {

namespace fs = std::filesystem;

// The synthetic images of tests/metrics/reference/niqe_reference.py (same integer formulas).
int Triangle(int t) { return std::abs(t % 64 - 32); }

uint32_t Hash(uint32_t x, uint32_t y, uint32_t c) {
  uint32_t h = (x * 73856093u) ^ (y * 19349663u) ^ (c * 83492791u);
  h ^= h >> 13;
  h *= 0x5BD1E995u;
  h ^= h >> 15;
  return h;
}

// RGB: a ramp plus two triangle waves per channel, plus hash noise in [-noise, noise).
cv::Mat Waves(int rows, int cols, int noise) {
  cv::Mat image(rows, cols, CV_8UC3);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      for (int c = 0; c < 3; ++c) {
        int value = 30 + 20 * c + (x + 2 * y) / 4 + 2 * Triangle(x + y / 2 + 9 * c) +
                    Triangle(3 * x + 2 * (300 - y));
        if (noise > 0) value += int(Hash(x, y, c) % uint32_t(2 * noise)) - noise;
        image.ptr<uchar>(y)[3 * x + c] = static_cast<uchar>(std::clamp(value, 0, 255));
      }
    }
  }
  return image;
}

// Gray: triangle waves plus hash noise.
cv::Mat GrayTexture(int rows, int cols) {
  cv::Mat image(rows, cols, CV_8UC1);
  for (int y = 0; y < rows; ++y) {
    for (int x = 0; x < cols; ++x) {
      const int value = 60 + 3 * Triangle(3 * x + y) + int(Hash(x, y, 0) % 16u);
      image.at<uchar>(y, x) = static_cast<uchar>(std::clamp(value, 0, 255));
    }
  }
  return image;
}

// Mean 0, covariance I, a normalised 7×7 Gaussian window of sigma 7/6: a model that needs no
// data files (the reference script uses the same one).
NiqeModel SyntheticModel() {
  NiqeModel model;
  model.mean = cv::Mat::zeros(1, niqe_features, CV_64F);
  model.covariance = cv::Mat::eye(niqe_features, niqe_features, CV_64F);
  model.window.create(7, 7, CV_64F);
  const double sigma = 7.0 / 6.0;
  for (int i = 0; i < 7; ++i) {
    for (int j = 0; j < 7; ++j) {
      model.window.at<double>(i, j) =
          std::exp(-((i - 3) * (i - 3) + (j - 3) * (j - 3)) / (2.0 * sigma * sigma));
    }
  }
  model.window /= cv::sum(model.window)[0];
  return model;
}

// Values: /usr/bin/python3 tests/metrics/reference/niqe_reference.py (numpy + scipy).
TEST(Niqe, MatchesNumpyReference) {
  const NiqeModel model = SyntheticModel();
  EXPECT_NEAR(niqe(Waves(200, 230, 0), model), 3.4780187910145295, 1e-3);
  EXPECT_NEAR(niqe(Waves(200, 230, 24), model), 8.192842774314563, 1e-3);
  // One block: BasicSR's np.cov of a single row (a scalar) is reproduced.
  EXPECT_NEAR(niqe(GrayTexture(130, 100), model), 3.5813933129548543, 1e-3);
}

TEST(Niqe, IgnoresPixelsBeyondTheLastWholeBlock) {
  const NiqeModel model = SyntheticModel();
  const cv::Mat image = Waves(250, 300, 24);  // whole blocks: 2 × 3, 192 × 288
  const double cropped = niqe(image(cv::Rect(0, 0, 288, 192)).clone(), model);
  EXPECT_EQ(niqe(image, model), cropped);
  cv::Mat changed = image.clone();
  changed.rowRange(192, 250).setTo(cv::Scalar::all(255));
  changed.colRange(288, 300).setTo(cv::Scalar::all(0));
  EXPECT_EQ(niqe(changed, model), cropped);
}

TEST(Niqe, SmoothingChangesTheScore) {
  const NiqeModel model = SyntheticModel();
  const cv::Mat noisy = Waves(192, 192, 24);
  cv::Mat smoothed;
  cv::GaussianBlur(noisy, smoothed, cv::Size(5, 5), 1.5);
  EXPECT_GT(std::abs(niqe(noisy, model) - niqe(smoothed, model)), 0.5);
}

TEST(Niqe, RejectsWhatItCannotMeasure) {
  const NiqeModel model = SyntheticModel();
  EXPECT_THROW(niqe(Waves(95, 200, 0), model), InvalidArgument);
  EXPECT_THROW(niqe(Waves(200, 95, 0), model), InvalidArgument);
  EXPECT_THROW(niqe(cv::Mat(), model), InvalidArgument);
  EXPECT_THROW(niqe(cv::Mat::zeros(96, 96, CV_32FC3), model), InvalidArgument);
  // A flat image: no block has both negative and positive coefficients.
  EXPECT_THROW(niqe(cv::Mat(192, 192, CV_8UC3, cv::Scalar::all(128)), model), InvalidArgument);
  NiqeModel short_mean = model;
  short_mean.mean = cv::Mat::zeros(1, 18, CV_64F);
  EXPECT_THROW(niqe(Waves(96, 96, 0), short_mean), InvalidArgument);
  NiqeModel even_window = model;
  even_window.window = cv::Mat::ones(6, 6, CV_64F) / 36.0;
  EXPECT_THROW(niqe(Waves(96, 96, 0), even_window), InvalidArgument);
  EXPECT_NO_THROW(niqe(Waves(96, 96, 0), model));
}

nlohmann::json Rows(const cv::Mat& matrix) {
  nlohmann::json rows = nlohmann::json::array();
  for (int row = 0; row < matrix.rows; ++row) {
    nlohmann::json values = nlohmann::json::array();
    for (int col = 0; col < matrix.cols; ++col) values.push_back(matrix.at<double>(row, col));
    rows.push_back(values);
  }
  return rows;
}

TEST(Niqe, ReadsTheModelFileAndRejectsBadOnes) {
  const fs::path folder = fs::temp_directory_path() / "restora_Niqe_ReadsTheModelFile";
  fs::remove_all(folder);
  fs::create_directories(folder);
  const NiqeModel model = SyntheticModel();
  const nlohmann::json good = {{"mu_pris_param", Rows(model.mean)},
                               {"cov_pris_param", Rows(model.covariance)},
                               {"gaussian_window", Rows(model.window)}};
  const auto write = [&](const std::string& name, const std::string& text) {
    std::ofstream(folder / name) << text;
    return (folder / name).string();
  };
  const NiqeModel read = read_niqe_model(write("good.json", good.dump()));
  EXPECT_EQ(cv::norm(read.mean, model.mean, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(read.covariance, model.covariance, cv::NORM_INF), 0.0);
  EXPECT_EQ(cv::norm(read.window, model.window, cv::NORM_INF), 0.0);

  nlohmann::json missing = good;
  missing.erase("gaussian_window");
  nlohmann::json unknown = good;
  unknown["block_size"] = 96;
  nlohmann::json short_mean = good;
  short_mean["mu_pris_param"] = Rows(cv::Mat::zeros(1, 18, CV_64F));
  nlohmann::json ragged = good;
  ragged["cov_pris_param"][3].erase(0);
  EXPECT_THROW(read_niqe_model(write("missing.json", missing.dump())), FormatError);
  EXPECT_THROW(read_niqe_model(write("unknown.json", unknown.dump())), FormatError);
  EXPECT_THROW(read_niqe_model(write("short.json", short_mean.dump())), FormatError);
  EXPECT_THROW(read_niqe_model(write("ragged.json", ragged.dump())), FormatError);
  EXPECT_THROW(read_niqe_model(write("text.json", "{\"mu_pris_param\": [")), FormatError);
  EXPECT_THROW(read_niqe_model((folder / "absent.json").string()), FileError);
  fs::remove_all(folder);
}

// BasicSR's own values for real images (PROTOCOLS.md: within 0.01).
TEST(Niqe, MatchesBasicSrOnSharedImages) {
  const char* shared = std::getenv("RESTORA_SHARED_DATA");
  const fs::path root = shared ? shared : "";
  if (!shared || !fs::is_regular_file(root / "metrics/niqe_reference.json") ||
      !fs::is_regular_file(root / "metrics/niqe_pris_params.json")) {
    GTEST_SKIP() << "RESTORA_SHARED_DATA/metrics/niqe_*.json not available";
  }
  const NiqeModel model = read_niqe_model((root / "metrics/niqe_pris_params.json").string());
  std::ifstream in(root / "metrics/niqe_reference.json");
  const nlohmann::json reference = nlohmann::json::parse(in);
  ASSERT_FALSE(reference.at("values").empty());
  double worst = 0.0;
  for (const auto& [name, expected] : reference.at("values").items()) {
    const cv::Mat bgr = cv::imread((root / name).string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty()) << name;
    cv::Mat rgb;
    cv::cvtColor(bgr, rgb, cv::COLOR_BGR2RGB);
    const double score = niqe(rgb, model);
    EXPECT_NEAR(score, expected.get<double>(), 0.01) << name;
    worst = std::max(worst, std::abs(score - expected.get<double>()));
  }
  std::cout << "NIQE vs BasicSR: " << reference.at("values").size() << " images, max |difference| "
            << worst << "\n";
}

}  // namespace
}  // namespace restora::metrics

// read_kernel: blur kernels from text matrices or images (include/restora/image_io.h).
#include <fmt/format.h>

#include <cmath>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "fileio/file_io.h"
#include "restora/image_io.h"

namespace restora {
namespace {

constexpr int largest_side = 127;

bool is_text(const std::filesystem::path& path) {
  auto extension = path.extension().string();
  for (auto& c : extension) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return extension == ".txt" || extension == ".csv" || extension == ".dat" || extension.empty();
}

cv::Mat parse_matrix(const std::string& text, const std::string& name) {
  std::vector<std::vector<double>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    for (auto& c : line)
      if (c == ',' || c == ';' || c == '\t' || c == '\r') c = ' ';
    std::istringstream values(line);
    std::vector<double> row;
    std::string token;
    while (values >> token) {
      size_t used = 0;
      double value = 0;
      try {
        value = std::stod(token, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used != token.size())
        throw FormatError(fmt::format("kernel '{}': '{}' in row {} is not a number", name,
                                      token.substr(0, 20), rows.size() + 1));
      row.push_back(value);
    }
    if (row.empty()) continue;
    if (!rows.empty() && row.size() != rows.front().size())
      throw FormatError(fmt::format("kernel '{}': row {} has {} values, row 1 has {}", name,
                                    rows.size() + 1, row.size(), rows.front().size()));
    rows.push_back(std::move(row));
  }
  if (rows.empty()) throw FormatError(fmt::format("kernel '{}': no numbers in the file", name));
  cv::Mat kernel(static_cast<int>(rows.size()), static_cast<int>(rows.front().size()), CV_64FC1);
  for (int y = 0; y < kernel.rows; ++y)
    for (int x = 0; x < kernel.cols; ++x) {
      const double value = rows[static_cast<size_t>(y)][static_cast<size_t>(x)];
      if (!std::isfinite(value))
        throw FormatError(fmt::format("kernel '{}': the value in row {}, column {} is not finite",
                                      name, y + 1, x + 1));
      if (value < -1e-6)
        throw FormatError(fmt::format("kernel '{}': negative value {} in row {}, column {}", name,
                                      value, y + 1, x + 1));
      kernel.at<double>(y, x) = std::max(0.0, value);
    }
  const double sum = cv::sum(kernel)[0];
  if (std::abs(sum - 1.0) > 0.05)
    throw FormatError(fmt::format("kernel '{}': sums to {:.4g}, not about 1", name, sum));
  return kernel;
}

cv::Mat image_kernel(const std::filesystem::path& path) {
  const auto image = read_image(path);
  cv::Mat gray;
  if (image.pixels.channels() == 3)
    cv::cvtColor(image.pixels, gray, cv::COLOR_RGB2GRAY);
  else
    gray = image.pixels;
  gray.convertTo(gray, CV_64F);
  if (!(cv::sum(gray)[0] > 0))
    throw FormatError(fmt::format("kernel '{}': the image is all black", path.string()));
  return gray;
}

}  // namespace

cv::Mat read_kernel(const std::filesystem::path& path) {
  const auto name = path.string();
  cv::Mat kernel;
  if (is_text(path)) {
    const auto bytes = fileio::read_file_bytes(path);
    kernel = parse_matrix(std::string(bytes.begin(), bytes.end()), name);
  } else {
    kernel = image_kernel(path);
  }
  if (kernel.rows > largest_side || kernel.cols > largest_side)
    throw FormatError(fmt::format("kernel '{}': {}x{} is larger than {}x{}", name, kernel.cols,
                                  kernel.rows, largest_side, largest_side));
  cv::copyMakeBorder(kernel, kernel, 0, kernel.rows % 2 ? 0 : 1, 0, kernel.cols % 2 ? 0 : 1,
                     cv::BORDER_CONSTANT, 0.0);
  kernel.convertTo(kernel, CV_32F, 1.0 / cv::sum(kernel)[0]);
  return kernel;
}

}  // namespace restora

#include "image/comparison_sheet.h"

#include <fmt/format.h>

#include <algorithm>
#include <opencv2/imgproc.hpp>

#include "restora/errors.h"

namespace restora {
namespace {

constexpr int label_height = 28;
const cv::Scalar background(255, 255, 255), frame(255, 0, 0);  // RGB: white, red

cv::Mat as_rgb(const cv::Mat& image) {
  if (image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw InvalidArgument("comparison sheet: images must be 8-bit gray or RGB");
  if (image.channels() == 3) return image;
  cv::Mat rgb;
  cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  return rgb;
}

}  // namespace

cv::Mat comparison_sheet(const std::vector<cv::Mat>& images, const std::vector<std::string>& labels,
                         const SheetOptions& options) {
  if (images.empty()) throw InvalidArgument("comparison sheet: no images");
  if (labels.size() != images.size())
    throw InvalidArgument(fmt::format("comparison sheet: {} labels for {} images", labels.size(),
                                      images.size()));
  if (options.crop_zoom < 1 || options.gap < 0)
    throw InvalidArgument("comparison sheet: crop_zoom must be >= 1 and gap >= 0");
  cv::Size largest;
  for (const auto& image : images)
    if (image.cols > largest.width) largest = image.size();
  std::vector<cv::Mat> panels;
  for (size_t i = 0; i < images.size(); ++i) {
    const cv::Mat rgb = as_rgb(images[i]);
    if (rgb.empty() || largest.width % rgb.cols || largest.height % rgb.rows ||
        largest.width / rgb.cols != largest.height / rgb.rows)
      throw InvalidArgument(fmt::format(
          "comparison sheet: '{}' is {}x{}, not the {}x{} of the largest divided by an integer",
          labels[i], rgb.cols, rgb.rows, largest.width, largest.height));
    cv::Mat full = rgb;
    if (rgb.size() != largest) cv::resize(rgb, full, largest, 0, 0, cv::INTER_NEAREST);
    panels.push_back(full);
  }
  cv::Rect crop = options.crop;
  if (crop.empty()) {
    const int side = std::max(1, std::min(largest.width, largest.height) / 4);
    crop = {(largest.width - side) / 2, (largest.height - side) / 2, side, side};
  }
  if ((crop & cv::Rect({}, largest)) != crop)
    throw InvalidArgument(fmt::format("comparison sheet: the crop {}x{}+{}+{} is outside the {}x{} image",
                                      crop.width, crop.height, crop.x, crop.y, largest.width,
                                      largest.height));
  const cv::Size zoomed(crop.width * options.crop_zoom, crop.height * options.crop_zoom);
  const int panel_width = std::max(largest.width, zoomed.width);
  const int height = label_height + largest.height + options.gap + zoomed.height;
  const int count = static_cast<int>(panels.size());
  cv::Mat sheet(height, count * panel_width + (count - 1) * options.gap, CV_8UC3, background);
  for (int i = 0; i < count; ++i) {
    const int x = i * (panel_width + options.gap);
    cv::putText(sheet, labels[static_cast<size_t>(i)], {x + 2, label_height - 8},
                cv::FONT_HERSHEY_SIMPLEX, 0.6, cv::Scalar(0, 0, 0), 1, cv::LINE_AA);
    cv::Mat view = panels[static_cast<size_t>(i)].clone();
    cv::rectangle(view, crop, frame, std::max(1, largest.width / 400));
    view.copyTo(sheet(cv::Rect(x, label_height, largest.width, largest.height)));
    cv::Mat enlarged;
    cv::resize(panels[static_cast<size_t>(i)](crop), enlarged, zoomed, 0, 0, cv::INTER_NEAREST);
    enlarged.copyTo(sheet(cv::Rect(x, label_height + largest.height + options.gap, zoomed.width,
                                   zoomed.height)));
  }
  return sheet;
}

}  // namespace restora

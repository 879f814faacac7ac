#include "image/condition_maps.h"

#include <fmt/format.h>

#include <opencv2/imgproc.hpp>

#include "restora/errors.h"

namespace restora {

cv::Mat ConditionMap::cut(cv::Rect region, cv::Size image_size) const {
  if (pixels.empty()) return cv::Mat(region.size(), CV_32FC1, cv::Scalar(constant));
  if (pixels.size() != image_size || pixels.type() != CV_32FC1)
    throw InvalidArgument(fmt::format("condition map '{}' is {}x{}, the image {}x{}", name,
                                      pixels.cols, pixels.rows, image_size.width,
                                      image_size.height));
  return pixels(region);
}

const ConditionMap* find_map(const ConditionMaps& maps, const std::string& name) {
  for (const auto& map : maps)
    if (map.name == name) return &map;
  return nullptr;
}

ConditionMaps resize_maps(const ConditionMaps& maps, cv::Size size) {
  ConditionMaps resized = maps;
  for (auto& map : resized) {
    if (map.pixels.empty() || map.pixels.size() == size) continue;
    const bool shrinking = size.area() < map.pixels.size().area();
    cv::Mat out;
    cv::resize(map.pixels, out, size, 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    map.pixels = out;
  }
  return resized;
}

}  // namespace restora

// Per-pixel condition maps: what a degradation knows about each pixel of the image it damaged
// (its noise level, its JPEG quality, later a mask of missing pixels…). A map travels beside its
// image through the dataset, the batch, the network's input and the tiled engine, which cuts it
// exactly like the image.
//
//   ConditionMaps maps{{"sigma", {}, 25 / 255.0f}};       // constant: no H×W buffer is held
//   cv::Mat tile_sigma = maps[0].cut(cv::Rect(0, 0, 64, 64), image_size);
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace restora {

struct ConditionMap {
  std::string name;      // stable: "sigma" (σ/255), "quality" (q/100), ...
  cv::Mat pixels;        // H×W CV_32FC1 at the image's size, or empty: `constant` everywhere
  float constant = 0.0f;

  // The map over `region` of an image of `image_size` (a view of pixels, or a new constant
  // Mat): CV_32FC1 of region's size. A map whose pixels are not image_size -> InvalidArgument.
  cv::Mat cut(cv::Rect region, cv::Size image_size) const;
  // The whole map as pixels (a constant one is filled in).
  cv::Mat full(cv::Size image_size) const { return cut(cv::Rect({}, image_size), image_size); }
};

using ConditionMaps = std::vector<ConditionMap>;

// The map named `name`, or nullptr.
const ConditionMap* find_map(const ConditionMaps& maps, const std::string& name);

// `maps` resized to `size` (area interpolation when shrinking, linear when growing); constant
// maps stay constant.
ConditionMaps resize_maps(const ConditionMaps& maps, cv::Size size);

}  // namespace restora

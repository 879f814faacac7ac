// A comparison sheet: the same picture through several methods side by side, each with a label
// and an enlarged crop below it, so a person can look instead of read numbers.
//
//   cv::Mat sheet = restora::comparison_sheet({lr, sr, ours}, {"input", "sr", "real-x4"}, {});
//   restora::write_image(restora::image_from_u8(sheet), "sheet.png");
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

namespace restora {

struct SheetOptions {
  // The crop, in the coordinates of the largest image; empty = a square of a quarter of its
  // shorter side at the centre. Smaller images (a low-resolution input) are first enlarged to
  // the largest's size by nearest neighbour, so every panel shows the same region.
  cv::Rect crop;
  int crop_zoom = 2;  // crops are enlarged this much (nearest neighbour)
  int gap = 8;        // pixels between panels
};

// images: CV_8UC1 or CV_8UC3 (RGB), all of one aspect ratio, each size an integer fraction of
// the largest (1/2, 1/4…); labels: one per image. -> CV_8UC3 RGB: a row of panels, each the
// image with its label above, a rectangle where the crop is, and the crop enlarged below.
// Images of other aspect ratios or non-integer size ratios, a label count that does not match,
// or a crop outside the image -> InvalidArgument.
cv::Mat comparison_sheet(const std::vector<cv::Mat>& images, const std::vector<std::string>& labels,
                         const SheetOptions& options);

}  // namespace restora

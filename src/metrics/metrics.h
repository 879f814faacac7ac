// Full-reference image quality metrics, exactly as PROTOCOLS.md defines them.
//
//   auto scores = restora::metrics::measure(restored, gt, restora::metrics::Space::y,
//                                           /*crop_border=*/scale, /*with_psnr_b=*/false);
//
// The metric functions take CV_64F images from prepare(): 1 or 3 channels on
// the 0..255 scale, both of the same size and channel count, else
// InvalidArgument naming both sizes.
#pragma once

#include <opencv2/core.hpp>

namespace restora::metrics {

// MATLAB rgb2ycbcr's Y (BT.601 studio range) of an 8-bit RGB image:
// 16 + 65.481 R + 128.553 G + 24.966 B with R, G, B in [0,1], on the 0..255
// scale, not rounded. rgb_u8: CV_8UC3 in RGB order -> CV_64FC1; a CV_8UC1
// image is its own Y and comes back as CV_64FC1 with the same values.
cv::Mat rgb_to_y(const cv::Mat& rgb_u8);

// Where the metrics are computed: every channel as stored, or the Y channel.
enum class Space { all_channels, y };

// image_u8: CV_8UC1 or CV_8UC3 (RGB) -> CV_64F on 0..255, 1 channel for
// Space::y or a gray input, otherwise 3; crop_border pixels removed on every
// side (0 <= 2*crop_border < both sides).
cv::Mat prepare(const cv::Mat& image_u8, Space space, int crop_border);

// Mean squared error over all pixels and channels.
double mse(const cv::Mat& a, const cv::Mat& b);

// Mean absolute error over all pixels and channels.
double mae(const cv::Mat& a, const cv::Mat& b);

// 10 log10(255^2 / mse); +infinity when the images are identical.
double psnr(const cv::Mat& a, const cv::Mat& b);

// SSIM (Wang et al. 2004): Gaussian window 11×11, sigma 1.5, C1 = (0.01*255)^2,
// C2 = (0.03*255)^2, mean of the map over the valid region (the 5-pixel
// margin dropped), mean over channels. Both sides must be >= 11.
double ssim(const cv::Mat& a, const cv::Mat& b);

// MS-SSIM (Wang, Simoncelli & Bovik 2003): SSIM's contrast-structure term at 4 scales and the
// full SSIM at the 5th, weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333, each scale halved by
// 2×2 averaging; windows as ssim(); mean over channels. Both sides must be >= 176.
double ms_ssim(const cv::Mat& a, const cv::Mat& b);

// PSNR-B (Yim & Bovik 2011): 10 log10(255^2 / (mse + BEF(test))), with the
// blocking effect factor measured on the 8×8 block boundaries of `test` only.
// Multi-channel images: the mean of the per-channel PSNR-B values in dB, as
// the reference implementation used by FBCNN and SwinIR does. Both sides must
// be >= 16 (at least one block boundary each way).
double psnr_b(const cv::Mat& test, const cv::Mat& reference);

// Levin et al.'s comp_upto_shift, for deblurring real camera shake (whose result may sit a few
// pixels off): the PSNR of `restored` against `reference` (CV_64F from prepare(), same size and channels) at the best
// integer shift within ±max_shift pixels each way, over the reference less a max_shift margin
// on every side (the region every shift overlaps). Both sides must exceed 2 * max_shift.
double shifted_psnr(const cv::Mat& restored, const cv::Mat& reference, int max_shift);

// Detection masks compared pixel by pixel (a detector's found mask against the truth), counts
// summed over images before the ratios are taken. Ratios of an empty denominator are 1 (nothing
// to find and nothing found is perfect).
struct MaskCounts {
  double true_positive = 0, false_positive = 0, false_negative = 0;
  MaskCounts& operator+=(const MaskCounts& other);
  double precision() const;
  double recall() const;
  double iou() const;  // intersection over union
};
// found, truth: CV_8UC1 of the same size, non-zero = marked.
MaskCounts count_mask(const cv::Mat& found, const cv::Mat& truth);

struct Scores {
  double psnr = 0.0;
  double ssim = 0.0;
  double mse = 0.0;
  double mae = 0.0;
  double psnr_b = 0.0;  // NaN when not requested
};

// Quantized 8-bit images (CV_8UC1 or CV_8UC3 RGB) of the same size and
// channels -> every score on prepare(image, space, crop_border).
Scores measure(const cv::Mat& restored_u8, const cv::Mat& ground_truth_u8, Space space,
               int crop_border, bool with_psnr_b);

// Flicker between two consecutive frames (PROTOCOLS.md "Temporal consistency"): the mean over
// pixels of |(out − out_prev) − (gt − gt_prev)| on the Y channel (0..255, gray images as they
// are), crop_border removed; 0 when the output changes exactly as the truth does. All four
// images 8-bit, of one size and channel count.
double flicker(const cv::Mat& previous_u8, const cv::Mat& current_u8, const cv::Mat& previous_gt_u8,
               const cv::Mat& current_gt_u8, int crop_border);

}  // namespace restora::metrics

// NIQE, the no-reference "Natural Image Quality Evaluator" (Mittal, Soundararajan & Bovik 2013;
// lower is better), exactly as PROTOCOLS.md ("Real-world restoration") defines it: BasicSR's
// calculate_niqe(img, crop_border=0, input_order='HWC', convert_to='y').
//
//   const auto model = restora::metrics::read_niqe_model("data/metrics/niqe_pris_params.json");
//   const double score = restora::metrics::niqe(rgb_u8, model);
//
// What is computed, step by step as BasicSR does it:
//  1. Y: MATLAB rgb2ycbcr's luma of the 8-bit image, computed in BasicSR's float32 steps and
//     then rounded to integers (half to even). The rounding is BasicSR's ("necessary for being
//     consistent with MATLAB's result"); without it scores move by up to 0.3.
//  2. Crop to whole 96×96 blocks, keeping the top-left corner.
//  3. At two scales (the image, then MATLAB bicubic halving with antialiasing of Y/255, ×255):
//     local mean and deviation with the model's window (scipy.ndimage.convolve, mode 'nearest'),
//     MSCN coefficients (Y - mean) / (deviation + 1), and per block (96×96, then 48×48) 18
//     features: the AGGD fit of the coefficients (alpha, mean of the two betas) and of their
//     products with the right, lower, lower-right and lower-left neighbours (block wrapped
//     around, as np.roll does: alpha, mean, left beta, right beta each). Alpha is looked up on
//     BasicSR's table 0.2:0.001:10.
//  4. The mean of each feature over blocks ignoring NaN (a block side without negative or
//     positive coefficients gives NaN), the covariance of the blocks without NaN, and
//     sqrt(d' pinv((C_model + C_image) / 2) d) with d = mean_model - mean_image.
// The local statistics and coefficients are float32, as BasicSR's are (its scipy convolve keeps
// the float32 dtype of the image): in flat regions float32 gives exact zeros where float64
// leaves 1e-14 residues of either sign, which changes the AGGD fits and the score by up to 0.04
// on real images. The halving uses imresize_matlab's CV_32F path (double sums, float per
// pass); BasicSR's float32 PyTorch resize differs from it by about 1e-7, which moves scores by
// up to 0.0011 on the 25 reference images. The features and the final distance are double.
//
// Lives in restora_metrics beside the full-reference metrics and links restora_degrade for
// imresize_matlab, the project's one MATLAB resize (restora_degrade depends on restora_image
// and restora_fileio only, none of which uses metrics, so the link graph stays acyclic).
#pragma once

#include <opencv2/core.hpp>
#include <string>

namespace restora::metrics {

// NIQE's features: 18 per scale, 2 scales.
constexpr int niqe_features = 36;
// BasicSR's (and the NIQE authors') block side at the first scale.
constexpr int niqe_block = 96;

// The multivariate Gaussian of pristine images' features, and the smoothing window.
struct NiqeModel {
  cv::Mat mean;        // 1×36 CV_64F ("mu_pris_param")
  cv::Mat covariance;  // 36×36 CV_64F ("cov_pris_param")
  cv::Mat window;      // k×k CV_64F with k odd, e.g. 7×7 Gaussian ("gaussian_window")
};

// Reads BasicSR's niqe_pris_params as JSON: exactly the keys mu_pris_param (1×36),
// cov_pris_param (36×36) and gaussian_window (k×k, k odd), each a list of rows of numbers.
// FileError when the file cannot be read; FormatError naming the key when it is not valid JSON,
// a key is missing, unknown or of the wrong shape.
NiqeModel read_niqe_model(const std::string& path);

// rgb_or_gray_u8: H×W CV_8UC3 in RGB order or CV_8UC1 (its own Y) -> NIQE, lower is better.
// Pixels beyond the last whole 96×96 block (bottom rows, right columns) are ignored.
// InvalidArgument when the image is empty or of another type, has a side under 96, when no
// block has NaN-free features (e.g. a flat image; BasicSR fails there too) or when the model's
// shapes are not those above.
double niqe(const cv::Mat& rgb_or_gray_u8, const NiqeModel& model);

}  // namespace restora::metrics

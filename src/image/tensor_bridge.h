// The one place cv::Mat meets torch::Tensor.
#pragma once

#include <torch/types.h>

#include <opencv2/core.hpp>

namespace restora {

// pixels: H×W CV_32FC1/C3 -> 1×C×H×W float tensor (a copy; channel order unchanged).
torch::Tensor mat_to_tensor(const cv::Mat& pixels);

// 1×C×H×W or C×H×W tensor (any float type, any device/layout) -> H×W CV_32FC(C).
cv::Mat tensor_to_mat(const torch::Tensor& tensor);

}  // namespace restora

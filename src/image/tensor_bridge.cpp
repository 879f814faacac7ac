#include "image/tensor_bridge.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstring>

#include "restora/errors.h"

namespace restora {

torch::Tensor mat_to_tensor(const cv::Mat& pixels) {
  if (pixels.depth() != CV_32F) throw InvalidArgument("mat_to_tensor: expected a CV_32F image");
  cv::Mat contiguous = pixels.isContinuous() ? pixels : pixels.clone();
  const int channels = contiguous.channels();
  auto hwc = torch::from_blob(contiguous.data, {contiguous.rows, contiguous.cols, channels},
                              torch::kFloat32);
  // clone, not contiguous(): for one channel the permuted view is already "contiguous" and
  // would still point into `contiguous`, which dies with this function.
  return hwc.permute({2, 0, 1}).unsqueeze(0).clone(torch::MemoryFormat::Contiguous);
}

cv::Mat tensor_to_mat(const torch::Tensor& tensor) {
  auto chw = tensor.dim() == 4 ? tensor.squeeze(0) : tensor;
  if (chw.dim() != 3)
    throw InvalidArgument(fmt::format("tensor_to_mat: expected C×H×W, got {} dims", chw.dim()));
  auto hwc = chw.detach().to(torch::kCPU, torch::kFloat32).permute({1, 2, 0}).contiguous();
  const int height = static_cast<int>(hwc.size(0));
  const int width = static_cast<int>(hwc.size(1));
  const int channels = static_cast<int>(hwc.size(2));
  cv::Mat out(height, width, CV_32FC(channels));
  std::memcpy(out.data, hwc.data_ptr<float>(), hwc.numel() * sizeof(float));
  return out;
}

}  // namespace restora

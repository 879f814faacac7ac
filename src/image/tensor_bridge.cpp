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
  const int height = static_cast<int>(chw.size(1));
  const int width = static_cast<int>(chw.size(2));
  const int channels = static_cast<int>(chw.size(0));
  cv::Mat out(height, width, CV_32FC(channels));
  // One pass converts type, device and layout straight into the Mat's pixels.
  torch::from_blob(out.data, {height, width, channels}, torch::kFloat32)
      .copy_(chw.detach().permute({1, 2, 0}));
  return out;
}

}  // namespace restora

#include "compression/image_codec.h"

#include <torch/torch.h>

#include <opencv2/imgproc.hpp>

#include "image/tensor_bridge.h"
#include "restora/errors.h"
#include "restora/image_io.h"

namespace restora::compression {

std::vector<uint8_t> compress(CodecModel& model, const cv::Mat& image, int level,
                              Quantization quantization, double distortion_price) {
  if (image.empty() || image.depth() != CV_8U || (image.channels() != 1 && image.channels() != 3))
    throw InvalidArgument("compress: the image must be 8-bit RGB or gray");
  const auto color = image.channels() == 1 ? codec::ColorFormat::gray8 : codec::ColorFormat::rgb8;
  const auto header = file_header(model, image.cols, image.rows, color, level);
  cv::Mat rgb = image;
  if (image.channels() == 1) cv::cvtColor(image, rgb, cv::COLOR_GRAY2RGB);
  cv::Mat padded;
  cv::copyMakeBorder(rgb, padded, 0, header.pad_bottom, 0, header.pad_right, cv::BORDER_REPLICATE);
  // Its own statement, so that the float copy of the image is gone before the networks run.
  const auto pixels = mat_to_tensor(to_float01(padded));
  return compress_tensor(model, pixels, image.cols, image.rows, color, level, quantization,
                         distortion_price);
}

cv::Mat decompress(CodecModel& model, const std::vector<uint8_t>& bytes) {
  const auto file = read_header(bytes);
  const auto x_hat = reconstruct(model, decode_latents(model, file), file.level);
  cv::Mat decoded = quantize_u8(tensor_to_mat(x_hat))(cv::Rect(0, 0, file.width, file.height)).clone();
  if (file.color == codec::ColorFormat::gray8) cv::cvtColor(decoded, decoded, cv::COLOR_RGB2GRAY);
  return decoded;
}

}  // namespace restora::compression

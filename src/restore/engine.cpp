#include "restore/engine.h"

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <algorithm>

#include "image/tensor_bridge.h"
#include "image/tiles.h"
#include "restora/errors.h"

namespace restora {
namespace {

// Runs one tile: pads bottom/right by mirroring to the network's size multiple, then crops.
cv::Mat run_region(archs::RestorationNetworkImpl& network, const cv::Mat& region, float condition,
                   int scale, const archs::NetworkTraits& traits, const EngineOptions& options) {
  const int multiple = traits.size_multiple;
  cv::Mat padded = region;
  const int pad_bottom = static_cast<int>(round_up(region.rows, multiple)) - region.rows;
  const int pad_right = static_cast<int>(round_up(region.cols, multiple)) - region.cols;
  if (pad_bottom || pad_right)
    cv::copyMakeBorder(region, padded, 0, pad_bottom, 0, pad_right, cv::BORDER_REFLECT_101);

  archs::NetworkInput input;
  input.scale = scale;
  input.lq = mat_to_tensor(padded).to(options.device).contiguous(torch::MemoryFormat::ChannelsLast);
  if (traits.uses_condition)
    input.condition = torch::full({1, 1, padded.rows, padded.cols}, condition,
                                  input.lq.options().memory_format(torch::MemoryFormat::ChannelsLast));
  torch::Tensor output;
  {
    nn::AutocastScope autocast(options.precision, options.device);
    output = network.forward(input);
  }
  output = output.slice(2, 0, region.rows * scale).slice(3, 0, region.cols * scale);
  return tensor_to_mat(output);
}

}  // namespace

int automatic_tile(int scale) { return scale > 1 ? 256 : 512; }

cv::Mat run_tiled(archs::RestorationNetworkImpl& network, const cv::Mat& lq, float condition,
                  int scale, const EngineOptions& options) {
  if (lq.empty()) throw InvalidArgument("cannot restore an empty image");
  const auto traits = network.traits();
  if (std::find(traits.scales.begin(), traits.scales.end(), scale) == traits.scales.end())
    throw ModelMismatch(fmt::format("the network does not produce scale x{}", scale));
  const int tile = options.tile > 0 ? options.tile : automatic_tile(scale);
  const int overlap = options.overlap >= 0 ? options.overlap : traits.receptive_radius;

  torch::InferenceMode inference;
  const auto tiles = plan_tiles(lq.size(), tile, overlap, traits.size_multiple);
  cv::Mat output;
  for (const auto& tile_rect : tiles) {
    cv::Mat restored =
        run_region(network, lq(tile_rect.context), condition, scale, traits, options);
    if (output.empty())
      output.create(lq.rows * scale, lq.cols * scale, CV_32FC(restored.channels()));
    const cv::Rect core_in_context((tile_rect.core.x - tile_rect.context.x) * scale,
                                   (tile_rect.core.y - tile_rect.context.y) * scale,
                                   tile_rect.core.width * scale, tile_rect.core.height * scale);
    const cv::Rect core_in_output(tile_rect.core.x * scale, tile_rect.core.y * scale,
                                  tile_rect.core.width * scale, tile_rect.core.height * scale);
    restored(core_in_context).copyTo(output(core_in_output));
  }
  return output;
}

}  // namespace restora

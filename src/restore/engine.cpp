#include "restore/engine.h"

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <new>
#include <string>

#include "image/tensor_bridge.h"
#include "image/tiles.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/tensor_memory.h"

namespace restora {
namespace {

// The region padded at the bottom and right by mirroring to a multiple of `multiple`.
cv::Mat pad_to_multiple(const cv::Mat& region, int multiple) {
  const int pad_bottom = static_cast<int>(round_up(region.rows, multiple)) - region.rows;
  const int pad_right = static_cast<int>(round_up(region.cols, multiple)) - region.cols;
  if (!pad_bottom && !pad_right) return region;
  cv::Mat padded;
  cv::copyMakeBorder(region, padded, 0, pad_bottom, 0, pad_right, cv::BORDER_REFLECT_101);
  return padded;
}

// Runs the region `rect` of lq as one tile (integer samples become floats here), its condition
// maps cut and padded exactly like it: pads bottom/right by mirroring to the network's size
// multiple, then crops.
cv::Mat run_region(archs::RestorationNetworkImpl& network, const cv::Mat& lq, cv::Rect rect,
                   const ConditionMaps& maps, const cv::Mat& kernel, int scale,
                   const archs::NetworkTraits& traits, const EngineOptions& options) {
  const int multiple = traits.size_multiple;
  const cv::Mat region = lq(rect);
  const cv::Mat padded =
      pad_to_multiple(region.depth() == CV_32F ? region : to_float01(region), multiple);

  archs::NetworkInput input;
  input.scale = scale;
  const auto layout = nn::preferred_layout(options.precision, options.device);
  input.lq = nn::in_layout(mat_to_tensor(padded).to(options.device), layout);
  if (!maps.empty()) {
    std::vector<cv::Mat> planes;
    for (const auto& map : maps) planes.push_back(pad_to_multiple(map.cut(rect, lq.size()), multiple));
    cv::Mat stacked;
    cv::merge(planes, stacked);
    input.condition = nn::in_layout(mat_to_tensor(stacked).to(options.device), layout);
  }
  if (!kernel.empty()) input.kernel = mat_to_tensor(kernel).to(options.device);
  torch::Tensor output;
  {
    nn::AutocastScope autocast(options.precision, options.device);
    output = network.forward(input);
  }
  output = output.slice(2, 0, region.rows * scale).slice(3, 0, region.cols * scale);
  return tensor_to_mat(output);
}

cv::Mat run_tiles(archs::RestorationNetworkImpl& network, const cv::Mat& lq,
                  const ConditionMaps& maps, const cv::Mat& kernel, int scale,
                  const archs::NetworkTraits& traits, int tile, int overlap,
                  const EngineOptions& options) {
  const auto tiles = plan_tiles(lq.size(), tile, overlap, traits.size_multiple);
  const cv::Rect whole(0, 0, lq.cols, lq.rows);
  const int total = static_cast<int>(tiles.size());
  if (tiles.size() == 1 && tiles.front().context == whole) {
    // The tile is the image: its result is the output, without a copy.
    auto output = to_sample_depth(
        run_region(network, lq, whole, maps, kernel, scale, traits, options), options.output_depth);
    if (options.on_tile) options.on_tile(1, 1);
    return output;
  }
  cv::Mat output;
  int done = 0;
  for (const auto& tile_rect : tiles) {
    cv::Mat restored =
        run_region(network, lq, tile_rect.context, maps, kernel, scale, traits, options);
    if (output.empty())
      output.create(lq.rows * scale, lq.cols * scale,
                    CV_MAKETYPE(options.output_depth, restored.channels()));
    const cv::Rect core_in_context((tile_rect.core.x - tile_rect.context.x) * scale,
                                   (tile_rect.core.y - tile_rect.context.y) * scale,
                                   tile_rect.core.width * scale, tile_rect.core.height * scale);
    const cv::Rect core_in_output(tile_rect.core.x * scale, tile_rect.core.y * scale,
                                  tile_rect.core.width * scale, tile_rect.core.height * scale);
    to_sample_depth(restored(core_in_context), options.output_depth).copyTo(output(core_in_output));
    if (options.on_tile) options.on_tile(++done, total);
  }
  return output;
}

std::uint64_t budget_of(const EngineOptions& options) {
  return options.max_memory ? options.max_memory : default_max_memory();
}

int overlap_of(const EngineOptions& options, const archs::NetworkTraits& traits) {
  return options.overlap >= 0 ? options.overlap : traits.receptive_radius;
}

constexpr int largest_automatic_tile = 2048;
constexpr int whole_image_side = 256;  // images this small run as one tile without probing

}  // namespace

std::uint64_t default_max_memory() {
  const auto physical = tensor_memory::physical_memory();
  return physical ? physical / 4 : std::uint64_t{1} << 30;
}

int choose_tile(archs::RestorationNetworkImpl& network, int scale, const EngineOptions& options) {
  const auto traits = network.traits();
  const int multiple = traits.size_multiple;
  const int overlap = overlap_of(options, traits);
  const auto budget = static_cast<double>(budget_of(options));
  tensor_memory::install();
  torch::InferenceMode inference;
  // Peak tensor bytes of one run on a side×side input, above what was in use before.
  const auto probe = [&](int side) {
    cv::Mat input(side, side, CV_32FC(traits.channels), cv::Scalar::all(0.5));
    ConditionMaps maps;
    for (int channel = 0; channel < traits.condition_channels; ++channel)
      maps.push_back({fmt::format("probe{}", channel), {}, 0.0f});
    const auto before = tensor_memory::bytes_in_use();
    tensor_memory::reset_peak();
    const cv::Mat delta = traits.takes_kernel ? cv::Mat::ones(1, 1, CV_32FC1) : cv::Mat();
    run_region(network, input, cv::Rect(0, 0, side, side), maps, delta, scale, traits, options);
    return static_cast<double>(tensor_memory::peak_bytes() - before);
  };
  const int small = static_cast<int>(round_up(32, multiple));
  const int large = static_cast<int>(round_up(96, multiple));
  double small_bytes = 0, large_bytes = 0;
  try {
    small_bytes = probe(small);
    large_bytes = probe(large);
  } catch (const c10::Error& error) {  // the budget does not even hold the probes
    if (!tensor_memory::is_out_of_memory(error.what_without_backtrace())) throw;
    return multiple;
  }
  const double per_pixel =
      std::max(1.0, (large_bytes - small_bytes) / (double(large) * large - double(small) * small));
  const double fixed = std::max(0.0, small_bytes - per_pixel * small * small);
  const double available = budget - static_cast<double>(tensor_memory::bytes_in_use()) - fixed;
  const int context = available > 0 ? static_cast<int>(std::sqrt(available / per_pixel)) : 0;
  const int tile = (context - 2 * overlap) / multiple * multiple;
  return std::clamp(tile, multiple, largest_automatic_tile / multiple * multiple);
}

cv::Mat run_tiled(archs::RestorationNetworkImpl& network, const cv::Mat& lq,
                  const ConditionMaps& maps, int scale, const EngineOptions& options,
                  const cv::Mat& kernel) {
  if (lq.empty()) throw InvalidArgument("cannot restore an empty image");
  const auto traits = network.traits();
  if (static_cast<int>(maps.size()) != traits.condition_channels)
    throw ModelMismatch(fmt::format("the network takes {} condition map(s), {} given",
                                    traits.condition_channels, maps.size()));
  for (const auto& map : maps) map.cut(cv::Rect(0, 0, 0, 0), lq.size());  // sizes checked up front
  if (traits.takes_kernel != !kernel.empty())
    throw ModelMismatch(traits.takes_kernel ? "the network needs a blur kernel (non-blind deblurring)"
                                            : "the network takes no blur kernel");
  if (!kernel.empty() && (kernel.type() != CV_32FC1 || kernel.rows % 2 == 0 || kernel.cols % 2 == 0))
    throw InvalidArgument("the blur kernel must be CV_32FC1 with odd sides");
  if (std::find(traits.scales.begin(), traits.scales.end(), scale) == traits.scales.end())
    throw ModelMismatch(fmt::format("the network does not produce scale x{}", scale));
  const int overlap = overlap_of(options, traits);
  const auto budget = budget_of(options);
  tensor_memory::CapScope cap(budget);
  int tile = options.tile;
  // Images up to whole_image_side run whole; so do the images of a network whose tiles would
  // differ from the whole (pooled statistics, anchored windows) unless the budget refuses them.
  const int longest = std::max(lq.rows, lq.cols);
  if (tile == 0)
    tile = longest <= whole_image_side ? whole_image_side
           : traits.tile_dependent     ? static_cast<int>(round_up(longest, traits.size_multiple))
                                       : choose_tile(network, scale, options);

  torch::InferenceMode inference;
  const int smallest = traits.size_multiple;
  for (;;) {
    std::string failure;
    try {
      return run_tiles(network, lq, maps, kernel, scale, traits, tile, overlap, options);
    } catch (const c10::Error& error) {
      failure = error.what_without_backtrace();
      if (!tensor_memory::is_out_of_memory(failure)) throw;
    } catch (const std::bad_alloc&) {
      failure = "std::bad_alloc";
    }
    if (tile <= smallest)
      throw Error(fmt::format("out of memory even with {}-pixel tiles (tensor memory budget {} "
                              "bytes; raise --max-memory): {}",
                              tile, budget, failure.substr(0, failure.find('\n'))));
    const int lower = std::min(tile, std::max(lq.rows, lq.cols)) / 2;  // a halving that matters
    tile = std::max(smallest, lower / smallest * smallest);
  }
}

}  // namespace restora

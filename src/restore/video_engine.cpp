#include "restore/video_engine.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cstdio>

#include "image/tensor_bridge.h"
#include "restora/errors.h"
#include "restora/image_io.h"
#include "restore/engine.h"

namespace restora {

VideoEngine::VideoEngine(archs::RecurrentNetworkImpl& network, int scale,
                         const VideoEngineOptions& options)
    : network_(network), scale_(scale), options_(options) {
  const auto traits = network.traits();
  if (!traits.recurrent) throw InvalidArgument("the video engine runs recurrent networks only");
  overlap_ = options.overlap >= 0 ? options.overlap : 4 * traits.receptive_radius;
}

void VideoEngine::reset() {
  states_.assign(tiles_.size(), {});
  frames_ = 0;
}

cv::Mat VideoEngine::push(const cv::Mat& frame) {
  const auto traits = network_.traits();
  if (frame.channels() != traits.channels)
    throw InvalidArgument(fmt::format("a {}-channel frame for a {}-channel network", frame.channels(),
                                      traits.channels));
  if (tiles_.empty()) {
    size_ = frame.size();
    if (options_.tile == 0) {
      EngineOptions probe;
      probe.overlap = overlap_;
      probe.precision = options_.precision;
      probe.device = options_.device;
      probe.max_memory = options_.max_memory;
      const int fits = choose_tile(network_, scale_, probe);
      if (fits < std::max(size_.width, size_.height)) options_.tile = fits;
    }
    tiles_ = plan_tiles(size_, options_.tile, overlap_, 1);
    states_.assign(tiles_.size(), {});
  } else if (frame.size() != size_) {
    throw InvalidArgument(fmt::format("frame {} is {}x{}, the stream's frames are {}x{}", frames_ + 1,
                                      frame.cols, frame.rows, size_.width, size_.height));
  }
  const cv::Mat input = frame.depth() == CV_32F ? frame : to_float01(frame);
  cv::Mat out(size_.height * scale_, size_.width * scale_, CV_32FC(traits.channels));
  torch::InferenceMode inference;
  nn::AutocastScope autocast(options_.precision, options_.device);
  for (size_t i = 0; i < tiles_.size(); ++i) {
    const auto& tile = tiles_[i];
    auto lq = mat_to_tensor(input(tile.context)).to(options_.device);
    auto restored = network_.step(lq, scale_, states_[i]);
    const cv::Mat context_out = tensor_to_mat(restored.to(torch::kCPU));
    const cv::Rect core((tile.core.x - tile.context.x) * scale_, (tile.core.y - tile.context.y) * scale_,
                        tile.core.width * scale_, tile.core.height * scale_);
    context_out(core).copyTo(out(cv::Rect(tile.core.x * scale_, tile.core.y * scale_, core.width,
                                          core.height)));
  }
  ++frames_;
  return out;
}

namespace {
const char* const kStateParts[] = {"previous_lq", "hidden", "previous_out"};
torch::Tensor& part(archs::RecurrentState& state, int index) {
  return index == 0 ? state.previous_lq : index == 1 ? state.hidden : state.previous_out;
}
}  // namespace

VideoEngine::Snapshot VideoEngine::snapshot() const {
  Snapshot snapshot;
  snapshot.frames = frames_;
  snapshot.size = size_;
  for (size_t i = 0; i < states_.size(); ++i) {
    auto state = states_[i];
    if (state.empty()) continue;
    for (int p = 0; p < 3; ++p)
      snapshot.tensors.emplace_back(fmt::format("t{}.{}", i, kStateParts[p]),
                                    part(state, p).to(torch::kCPU, torch::kFloat32).contiguous());
  }
  return snapshot;
}

void VideoEngine::restore(const Snapshot& snapshot) {
  size_ = snapshot.size;
  frames_ = snapshot.frames;
  tiles_ = plan_tiles(size_, options_.tile, overlap_, 1);
  states_.assign(tiles_.size(), {});
  if (frames_ == 0) return;
  if (snapshot.tensors.size() != 3 * tiles_.size())
    throw FormatError(fmt::format("the saved state holds {} tensors, this run's {} tiles need {}",
                                  snapshot.tensors.size(), tiles_.size(), 3 * tiles_.size()));
  for (const auto& [name, tensor] : snapshot.tensors) {
    size_t tile = 0;
    char which[32] = {};
    if (std::sscanf(name.c_str(), "t%zu.%31s", &tile, which) != 2 || tile >= tiles_.size())
      throw FormatError(fmt::format("the saved state has an unknown tensor '{}'", name));
    int p = 0;
    while (p < 3 && std::string(which) != kStateParts[p]) ++p;
    if (p == 3) throw FormatError(fmt::format("the saved state has an unknown tensor '{}'", name));
    const auto& context = tiles_[tile].context;
    if (tensor.dim() != 4 || tensor.size(2) != context.height || tensor.size(3) != context.width)
      throw FormatError(fmt::format("the saved state's '{}' does not fit tile {}", name, tile));
    part(states_[tile], p) = tensor.to(options_.device);
  }
}

}  // namespace restora

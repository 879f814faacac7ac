#include "compression/integer_network.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "nn/weights.h"
#include "restora/errors.h"

namespace restora::compression {
namespace {

constexpr int headroom_bits = 10;  // activations are clamped to ±2^(fraction_bits + 10)
constexpr double int16_limit = 32767.0;
// Layers run over bands of output rows (run) or of positions (run_at), so that the float64
// windows of their products (k²·C values per output position) stay near 32 MB whatever the
// grid's size. The sums are exact integers, so the bands change no result.
constexpr int64_t band_values = int64_t{1} << 22;

// x (N×C×H×W) with `pad` zeros around each plane.
torch::Tensor zero_padded(const torch::Tensor& x, int64_t pad) {
  return pad ? torch::constant_pad_nd(x, {pad, pad, pad, pad}) : x;
}

}  // namespace

IntegerNetwork IntegerNetwork::quantize(const torch::nn::Sequential& layers, const std::string& prefix,
                                        int fraction_bits, int weight_bits) {
  IntegerNetwork result;
  result.prefix_ = prefix;
  result.fraction_bits_ = fraction_bits;
  torch::NoGradGuard no_grad;
  for (const auto& module : layers->children()) {
    if (auto* conv = module->as<torch::nn::Conv2dImpl>()) {
      Layer layer;
      const auto weight = conv->weight.detach().to(torch::kFloat64).contiguous();
      const double largest = weight.abs().max().item<double>();
      layer.weight_bits = weight_bits;
      while (layer.weight_bits > 0 && std::round(largest * std::ldexp(1.0, layer.weight_bits)) > int16_limit)
        --layer.weight_bits;
      layer.weight = torch::round(weight * std::ldexp(1.0, layer.weight_bits));
      layer.bias = torch::round(conv->bias.detach().to(torch::kFloat64) *
                                std::ldexp(1.0, layer.weight_bits + fraction_bits));
      result.layers_.push_back(layer);
    } else if (auto* shuffle = module->as<torch::nn::PixelShuffleImpl>()) {
      if (result.layers_.empty()) throw InvalidArgument(fmt::format("{}: the network must start with a convolution", prefix));
      result.layers_.back().shuffle = shuffle->options.upscale_factor();
    } else if (module->as<torch::nn::ReLUImpl>()) {
      if (result.layers_.empty()) throw InvalidArgument(fmt::format("{}: the network must start with a convolution", prefix));
      result.layers_.back().relu = true;
    } else {
      throw InvalidArgument(fmt::format("{}: layer '{}' has no integer form", prefix, module->name()));
    }
  }
  result.check_bounds("the trained network");
  return result;
}

void IntegerNetwork::check_bounds(const std::string& source) const {
  const double limit = std::ldexp(1.0, 52);
  const double activation = std::ldexp(1.0, fraction_bits_ + headroom_bits);
  if (layers_.empty() || fraction_bits_ < 0 || fraction_bits_ > 20)
    throw FormatError(fmt::format("{}: invalid integer network {}", source, prefix_));
  for (const auto& layer : layers_) {
    if (layer.weight_bits < 0 || layer.weight_bits > 24)
      throw FormatError(fmt::format("{}: invalid weight bits in {}", source, prefix_));
    const double fan_in = static_cast<double>(layer.weight[0].numel());
    const double bound = fan_in * activation * layer.weight.abs().max().item<double>() +
                         layer.bias.abs().max().item<double>();
    if (!(bound < limit))
      throw FormatError(fmt::format("{}: integer network {} could overflow exact float64 sums",
                                    source, prefix_));
  }
}

std::vector<model_file::Tensor> IntegerNetwork::to_tensors() const {
  std::vector<model_file::Tensor> out;
  // The layout's second entry, once every layer's weight bits, is kept for the field's place.
  std::vector<int64_t> layout{fraction_bits_, layers_.front().weight_bits}, weight_bits;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const bool narrow = layers_[i].weight.abs().max().item<double>() <= int16_limit;
    out.push_back(nn::to_file_tensor(fmt::format("{}.{}.weight", prefix_, i),
                                     layers_[i].weight.to(narrow ? torch::kInt16 : torch::kInt32)));
    out.push_back(nn::to_file_tensor(fmt::format("{}.{}.bias", prefix_, i),
                                     layers_[i].bias.to(torch::kInt64)));
    layout.push_back(layers_[i].shuffle);
    layout.push_back(layers_[i].relu ? 1 : 0);
    weight_bits.push_back(layers_[i].weight_bits);
  }
  out.push_back(nn::to_file_tensor(prefix_ + ".layout", torch::tensor(layout, torch::kInt64)));
  out.push_back(nn::to_file_tensor(prefix_ + ".weight_bits", torch::tensor(weight_bits, torch::kInt64)));
  return out;
}

void IntegerNetwork::dequantize_into(torch::nn::Sequential& layers) const {
  torch::NoGradGuard no_grad;
  size_t next = 0;
  for (const auto& module : layers->children())
    if (auto* conv = module->as<torch::nn::Conv2dImpl>()) {
      if (next == layers_.size() || !conv->weight.sizes().equals(layers_[next].weight.sizes()))
        throw FormatError(fmt::format("integer network {} does not match the network's layers", prefix_));
      const int bits = layers_[next].weight_bits;
      conv->weight.copy_(layers_[next].weight * std::ldexp(1.0, -bits));
      conv->bias.copy_(layers_[next].bias * std::ldexp(1.0, -bits - fraction_bits_));
      ++next;
    }
  if (next != layers_.size())
    throw FormatError(fmt::format("integer network {} has extra layers", prefix_));
}

IntegerNetwork IntegerNetwork::from_file(const model_file::Safetensors& file,
                                         const std::string& prefix, const std::string& source) {
  const auto invalid = [&](const std::string& what) {
    return FormatError(fmt::format("model file '{}': {}", source, what));
  };
  const auto* layout_tensor = file.find(prefix + ".layout");
  if (!layout_tensor || layout_tensor->dtype != model_file::DType::i64 ||
      layout_tensor->shape.size() != 1 || layout_tensor->numel() < 4 || layout_tensor->numel() % 2)
    throw invalid(fmt::format("missing or malformed {}.layout", prefix));
  const auto layout = nn::from_file_tensor(*layout_tensor);
  IntegerNetwork result;
  result.prefix_ = prefix;
  result.fraction_bits_ = static_cast<int>(layout[0].item<int64_t>());
  const int64_t count = (layout.size(0) - 2) / 2;
  // Per-layer weight bits; files written before them have the layout's for every layer.
  auto weight_bits = torch::full({count}, layout[1].item<int64_t>(), torch::kInt64);
  if (const auto* bits = file.find(prefix + ".weight_bits")) {
    if (bits->dtype != model_file::DType::i64 || bits->shape != std::vector<int64_t>{count})
      throw invalid(fmt::format("malformed {}.weight_bits", prefix));
    weight_bits = nn::from_file_tensor(*bits);
  }
  int64_t channels = -1;
  for (int64_t i = 0; i < count; ++i) {
    const auto* weight = file.find(fmt::format("{}.{}.weight", prefix, i));
    const auto* bias = file.find(fmt::format("{}.{}.bias", prefix, i));
    const bool integer_weight =
        weight && (weight->dtype == model_file::DType::i16 || weight->dtype == model_file::DType::i32);
    if (!integer_weight || !bias || weight->shape.size() != 4 ||
        bias->dtype != model_file::DType::i64 || bias->shape.size() != 1 ||
        bias->shape[0] != weight->shape[0] || weight->shape[2] != weight->shape[3] ||
        weight->shape[2] % 2 == 0 || (channels >= 0 && weight->shape[1] != channels))
      throw invalid(fmt::format("missing or malformed {}.{} tensors", prefix, i));
    Layer layer;
    layer.weight = nn::from_file_tensor(*weight).to(torch::kFloat64);
    layer.bias = nn::from_file_tensor(*bias).to(torch::kFloat64);
    layer.weight_bits = static_cast<int>(std::clamp<int64_t>(weight_bits[i].item<int64_t>(), -1, 25));
    layer.shuffle = layout[2 + 2 * i].item<int64_t>();
    layer.relu = layout[3 + 2 * i].item<int64_t>() != 0;
    if (layer.shuffle < 1 || layer.shuffle > 4 || weight->shape[0] % (layer.shuffle * layer.shuffle))
      throw invalid(fmt::format("{}.{} has an invalid pixel shuffle", prefix, i));
    channels = weight->shape[0] / (layer.shuffle * layer.shuffle);
    result.layers_.push_back(layer);
  }
  result.check_bounds(fmt::format("model file '{}'", source));
  return result;
}

torch::Tensor IntegerNetwork::fixed_input(const torch::Tensor& x) const {
  const double ceiling = std::ldexp(1.0, fraction_bits_ + headroom_bits);
  if (x.dim() != 4 || x.size(1) != layers_.front().weight.size(1))
    throw InvalidArgument(fmt::format("integer network {}: wrong number of input channels", prefix_));
  // One copy, clamped in place: on large grids the inputs are the entropy coding's largest arrays.
  return x.to(torch::TensorOptions().device(torch::kCPU).dtype(torch::kFloat64), /*non_blocking=*/false,
              /*copy=*/true, torch::MemoryFormat::Contiguous)
      .clamp_(-ceiling, ceiling);
}

torch::Tensor IntegerNetwork::finish(const Layer& layer, const torch::Tensor& sums) const {
  const double ceiling = std::ldexp(1.0, fraction_bits_ + headroom_bits);
  // + half a unit, then an exact division by a power of two, and floor.
  auto x = torch::floor((sums + std::ldexp(1.0, layer.weight_bits - 1)) * std::ldexp(1.0, -layer.weight_bits))
               .clamp(-ceiling, ceiling);
  return layer.relu ? x.clamp_min(0.0) : x;
}

torch::Tensor IntegerNetwork::run(const torch::Tensor& input) const {
  torch::NoGradGuard no_grad;
  auto x = fixed_input(input);
  for (const auto& layer : layers_) {
    const int64_t pad = layer.weight.size(2) / 2, height = x.size(2);
    const int64_t band = std::max<int64_t>(1, band_values / (layer.weight[0].numel() * x.size(3)));
    const auto padded = zero_padded(x, pad);
    std::vector<torch::Tensor> bands;
    // Exact: every operand and partial sum is an integer below 2^53 (check_bounds).
    for (int64_t top = 0; top < height; top += band)
      bands.push_back(finish(layer, torch::conv2d(padded.slice(2, top, std::min(height, top + band) + 2 * pad),
                                                  layer.weight, layer.bias)));
    x = torch::cat(bands, 2);
    if (layer.shuffle > 1) x = torch::pixel_shuffle(x, layer.shuffle);
  }
  return x.to(torch::kInt64);
}

torch::Tensor IntegerNetwork::run_at(const torch::Tensor& input, const torch::Tensor& at) const {
  torch::NoGradGuard no_grad;
  const auto x = fixed_input(input);
  if (at.dim() != 2 || at.size(0) != x.size(2) || at.size(1) != x.size(3))
    throw InvalidArgument(fmt::format("integer network {}: positions of another size", prefix_));
  const bool one_to_one = std::all_of(layers_.begin(), layers_.end(), [&](const Layer& layer) {
    return layer.shuffle == 1 && (&layer == &layers_.front() || layer.weight.size(2) == 1);
  });
  if (!one_to_one)
    throw InvalidArgument(fmt::format("integer network {}: run_at needs no pixel shuffle and 1×1 layers after the first", prefix_));
  const auto& first = layers_.front();
  const int64_t kernel = first.weight.size(2), pad = kernel / 2, padded_width = x.size(3) + 2 * pad;
  // The first layer's windows at the chosen positions only, (C·k·k) × N in im2col's row order,
  // gathered at once from the padded input (about a fifth of the time of im2col, then a selection).
  const auto positions = at.flatten().nonzero().squeeze(1);
  const auto origins = torch::div(positions, x.size(3), "floor") * padded_width + positions.remainder(x.size(3));
  const auto offsets = (torch::arange(kernel, torch::kLong).view({kernel, 1}) * padded_width +
                        torch::arange(kernel, torch::kLong).view({1, kernel})).view({-1, 1});
  const auto padded = zero_padded(x, pad)[0].view({x.size(1), -1});
  const int64_t band = std::max<int64_t>(1, band_values / first.weight[0].numel());
  std::vector<torch::Tensor> bands;
  for (int64_t from = 0; bands.empty() || from < positions.numel(); from += band) {  // ≥ 1 band
    const auto windows = padded.index({torch::indexing::Slice(), offsets + origins.slice(0, from, from + band).view({1, -1})})
                             .view({first.weight[0].numel(), -1});
    auto y = finish(first, torch::addmm(first.bias.unsqueeze(1), first.weight.flatten(1), windows));
    for (size_t i = 1; i < layers_.size(); ++i)
      y = finish(layers_[i], torch::addmm(layers_[i].bias.unsqueeze(1), layers_[i].weight.flatten(1), y));
    bands.push_back(y);
  }
  return torch::cat(bands, 1).unsqueeze(0).to(torch::kInt64);
}

FixedPointParameters split_parameters(const torch::Tensor& output) {
  if (output.size(1) % 2) throw InvalidArgument("entropy parameters: odd number of channels");
  const auto both = output.chunk(2, 1);
  return {both[0].contiguous(), both[1].contiguous()};
}

}  // namespace restora::compression

#include "compression/integer_hyper.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <cmath>
#include <cstring>

#include "nn/weights.h"
#include "restora/errors.h"

namespace restora::compression {
namespace {

constexpr int headroom_bits = 10;  // activations are clamped to ±2^(fraction_bits + 10)

}  // namespace

IntegerHyperSynthesis IntegerHyperSynthesis::quantize(const torch::nn::Sequential& layers,
                                                      int fraction_bits, int weight_bits) {
  IntegerHyperSynthesis result;
  result.fraction_bits_ = fraction_bits;
  result.weight_bits_ = weight_bits;
  torch::NoGradGuard no_grad;
  for (const auto& module : layers->children()) {
    if (auto* conv = module->as<torch::nn::Conv2dImpl>()) {
      Layer layer;
      layer.weight = torch::round(conv->weight.detach().to(torch::kFloat64).contiguous() *
                                  std::ldexp(1.0, weight_bits));
      layer.bias = torch::round(conv->bias.detach().to(torch::kFloat64) *
                                std::ldexp(1.0, weight_bits + fraction_bits));
      result.layers_.push_back(layer);
    } else if (auto* shuffle = module->as<torch::nn::PixelShuffleImpl>()) {
      if (result.layers_.empty()) throw InvalidArgument("h_s must start with a convolution");
      result.layers_.back().shuffle = shuffle->options.upscale_factor();
    } else if (module->as<torch::nn::ReLUImpl>()) {
      if (result.layers_.empty()) throw InvalidArgument("h_s must start with a convolution");
      result.layers_.back().relu = true;
    } else {
      throw InvalidArgument(fmt::format("h_s layer '{}' has no integer form", module->name()));
    }
  }
  result.check_bounds("the trained network");
  return result;
}

void IntegerHyperSynthesis::check_bounds(const std::string& source) const {
  const double limit = std::ldexp(1.0, 52);
  const double activation = std::ldexp(1.0, fraction_bits_ + headroom_bits);
  if (layers_.empty() || fraction_bits_ < 0 || fraction_bits_ > 20 || weight_bits_ < 0 ||
      weight_bits_ > 24)
    throw FormatError(fmt::format("{}: invalid integer hyper-synthesis", source));
  for (const auto& layer : layers_) {
    const double fan_in = static_cast<double>(layer.weight[0].numel());
    const double bound = fan_in * activation * layer.weight.abs().max().item<double>() +
                         layer.bias.abs().max().item<double>();
    if (!(bound < limit))
      throw FormatError(fmt::format("{}: integer hyper-synthesis could overflow exact float64 sums",
                                    source));
  }
}

std::vector<model_file::Tensor> IntegerHyperSynthesis::to_tensors() const {
  std::vector<model_file::Tensor> out;
  std::vector<int64_t> layout{fraction_bits_, weight_bits_};
  for (size_t i = 0; i < layers_.size(); ++i) {
    out.push_back(nn::to_file_tensor(fmt::format("coding.hyper.{}.weight", i),
                                     layers_[i].weight.to(torch::kInt32)));
    out.push_back(nn::to_file_tensor(fmt::format("coding.hyper.{}.bias", i),
                                     layers_[i].bias.to(torch::kInt64)));
    layout.push_back(layers_[i].shuffle);
    layout.push_back(layers_[i].relu ? 1 : 0);
  }
  out.push_back(nn::to_file_tensor("coding.hyper.layout", torch::tensor(layout, torch::kInt64)));
  return out;
}

void IntegerHyperSynthesis::dequantize_into(torch::nn::Sequential& layers) const {
  torch::NoGradGuard no_grad;
  size_t next = 0;
  for (const auto& module : layers->children())
    if (auto* conv = module->as<torch::nn::Conv2dImpl>()) {
      if (next == layers_.size() || !conv->weight.sizes().equals(layers_[next].weight.sizes()))
        throw FormatError("integer hyper-synthesis does not match the network's layers");
      conv->weight.copy_(layers_[next].weight * std::ldexp(1.0, -weight_bits_));
      conv->bias.copy_(layers_[next].bias * std::ldexp(1.0, -weight_bits_ - fraction_bits_));
      ++next;
    }
  if (next != layers_.size()) throw FormatError("integer hyper-synthesis has extra layers");
}

IntegerHyperSynthesis IntegerHyperSynthesis::from_file(const model_file::Safetensors& file,
                                                       const std::string& source) {
  const auto invalid = [&](const std::string& what) {
    return FormatError(fmt::format("model file '{}': {}", source, what));
  };
  const auto* layout_tensor = file.find("coding.hyper.layout");
  if (!layout_tensor || layout_tensor->dtype != model_file::DType::i64 ||
      layout_tensor->shape.size() != 1 || layout_tensor->numel() < 4 || layout_tensor->numel() % 2)
    throw invalid("missing or malformed coding.hyper.layout");
  const auto layout = nn::from_file_tensor(*layout_tensor);
  IntegerHyperSynthesis result;
  result.fraction_bits_ = static_cast<int>(layout[0].item<int64_t>());
  result.weight_bits_ = static_cast<int>(layout[1].item<int64_t>());
  const int64_t count = (layout.size(0) - 2) / 2;
  int64_t channels = -1;
  for (int64_t i = 0; i < count; ++i) {
    const auto* weight = file.find(fmt::format("coding.hyper.{}.weight", i));
    const auto* bias = file.find(fmt::format("coding.hyper.{}.bias", i));
    if (!weight || !bias || weight->dtype != model_file::DType::i32 || weight->shape.size() != 4 ||
        bias->dtype != model_file::DType::i64 || bias->shape.size() != 1 ||
        bias->shape[0] != weight->shape[0] || weight->shape[2] != weight->shape[3] ||
        weight->shape[2] % 2 == 0 || (channels >= 0 && weight->shape[1] != channels))
      throw invalid(fmt::format("missing or malformed coding.hyper.{} tensors", i));
    Layer layer;
    layer.weight = nn::from_file_tensor(*weight).to(torch::kFloat64);
    layer.bias = nn::from_file_tensor(*bias).to(torch::kFloat64);
    layer.shuffle = layout[2 + 2 * i].item<int64_t>();
    layer.relu = layout[3 + 2 * i].item<int64_t>() != 0;
    if (layer.shuffle < 1 || layer.shuffle > 4 || weight->shape[0] % (layer.shuffle * layer.shuffle))
      throw invalid(fmt::format("coding.hyper.{} has an invalid pixel shuffle", i));
    channels = weight->shape[0] / (layer.shuffle * layer.shuffle);
    result.layers_.push_back(layer);
  }
  result.check_bounds(fmt::format("model file '{}'", source));
  return result;
}

FixedPointParameters IntegerHyperSynthesis::run(const torch::Tensor& z_hat) const {
  torch::NoGradGuard no_grad;
  const double ceiling = std::ldexp(1.0, fraction_bits_ + headroom_bits);
  const double rescale = std::ldexp(1.0, -weight_bits_);
  const double half = std::ldexp(1.0, weight_bits_ - 1);
  auto x = (z_hat.to(torch::kCPU).to(torch::kFloat64).contiguous() * std::ldexp(1.0, fraction_bits_))
               .clamp(-ceiling, ceiling);
  if (x.size(1) != layers_.front().weight.size(1))
    throw InvalidArgument("integer hyper-synthesis: wrong number of input channels");
  for (const auto& layer : layers_) {
    const int64_t pad = layer.weight.size(2) / 2;
    x = torch::conv2d(x, layer.weight, layer.bias, 1, pad);
    x = torch::floor((x + half) * rescale).clamp(-ceiling, ceiling);
    if (layer.shuffle > 1) x = torch::pixel_shuffle(x, layer.shuffle);
    if (layer.relu) x = x.clamp_min(0.0);
  }
  if (x.size(1) % 2) throw InvalidArgument("integer hyper-synthesis: odd number of outputs");
  const auto both = x.to(torch::kInt64).chunk(2, 1);
  return {both[0].contiguous(), both[1].contiguous()};
}

}  // namespace restora::compression

// SwinIR as its authors define it (Liang et al. 2021, network_swinir.py; imported models): a 3×3
// conv, residual Swin Transformer blocks (RSTB: pairs of window attention blocks, the second of
// each pair on windows shifted by half a window, then a conv), a LayerNorm, a conv and a global
// skip, then the classical upsampler (conv + LeakyReLU, pixel-shuffle steps, conv) or the
// lightweight one (one conv to scale²·C channels and a pixel shuffle). The input is shifted by
// the DIV2K mean (RGB) and padded by reflection to a multiple of the window inside the network,
// as the original does, and the output cropped back.
//   block: x + attn(LN(x)),  then x + fc2(GELU(fc1(LN(x))))
//   attn: per window, softmax(q·kᵀ/√d + relative position bias [+ shift mask]) · v, projected
// Windows are anchored at the image's corner, so tiles differ from the whole image near their
// edges: tile_dependent, the engine runs images whole when the budget holds them. Parameter
// names follow the original (conv_first, patch_embed.norm, layers.L.residual_group.blocks.B.
// {norm1, attn.{qkv, proj, relative_position_bias_table}, norm2, mlp.{fc1, fc2}},
// layers.L.conv, norm, conv_after_body, conv_before_upsample.0, upsample.N, conv_last).
#include "archs/swinir.h"

#include <fmt/format.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/functional/padding.h>
#include <torch/nn/modules/activation.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/container/sequential.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/modules/normalization.h>
#include <torch/nn/modules/pixelshuffle.h>

#include <cmath>
#include <memory>
#include <string>

#include "config/json_reader.h"
#include "nn/blocks.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

namespace F = torch::nn::functional;

// (B, H, W, C) -> (B·windows, ws², C), windows in row-major order.
torch::Tensor partition(const torch::Tensor& x, int ws) {
  const auto B = x.size(0), H = x.size(1), W = x.size(2), C = x.size(3);
  return x.view({B, H / ws, ws, W / ws, ws, C}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({-1, ws * ws, C});
}

torch::Tensor reverse(const torch::Tensor& windows, int ws, int64_t H, int64_t W) {
  const auto B = windows.size(0) / (H / ws * (W / ws)), C = windows.size(2);
  return windows.view({B, H / ws, W / ws, ws, ws, C}).permute({0, 1, 3, 2, 4, 5}).contiguous().view({B, H, W, C});
}

// The shifted blocks' mask for an H×W image: (windows, ws², ws²), −100 between pixels that the
// cyclic shift brought together from different regions, 0 elsewhere.
torch::Tensor shift_mask(int64_t H, int64_t W, int ws, int shift) {
  auto regions = torch::zeros({1, H, W, 1});
  const int64_t h_cuts[] = {0, H - ws, H - shift, H}, w_cuts[] = {0, W - ws, W - shift, W};
  int id = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j, ++id)
      regions.slice(1, h_cuts[i], h_cuts[i + 1]).slice(2, w_cuts[j], w_cuts[j + 1]).fill_(id);
  const auto windows = partition(regions, ws).view({-1, ws * ws});
  const auto differs = windows.unsqueeze(1) - windows.unsqueeze(2);
  return torch::zeros_like(differs).masked_fill(differs != 0, -100.0);
}

struct WindowAttentionImpl : torch::nn::Module {
  WindowAttentionImpl(int dim, int ws, int heads) : ws(ws), heads(heads) {
    table = register_parameter("relative_position_bias_table", torch::zeros({(2 * ws - 1) * (2 * ws - 1), heads}));
    qkv = register_module("qkv", torch::nn::Linear(dim, 3 * dim));
    proj = register_module("proj", torch::nn::Linear(dim, dim));
    // The table row of each pair of window pixels (not a stored tensor: computed as the original).
    const auto coords = torch::stack(torch::meshgrid({torch::arange(ws), torch::arange(ws)}, "ij")).flatten(1);
    auto relative = (coords.unsqueeze(2) - coords.unsqueeze(1)).permute({1, 2, 0}).contiguous();
    relative.select(2, 0).add_(ws - 1).mul_(2 * ws - 1);
    relative.select(2, 1).add_(ws - 1);
    index = relative.sum(-1).view(-1);
  }

  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& mask) {
    const auto B_ = x.size(0), N = x.size(1), C = x.size(2);
    const auto parts = qkv(x).reshape({B_, N, 3, heads, C / heads}).permute({2, 0, 3, 1, 4});
    const auto q = parts[0] * std::pow(static_cast<double>(C / heads), -0.5);
    auto attention = torch::matmul(q, parts[1].transpose(-2, -1));
    const auto bias = table.index_select(0, index.to(table.device())).view({N, N, heads}).permute({2, 0, 1});
    attention = attention + bias.unsqueeze(0).to(attention.dtype());
    if (mask.defined()) {
      const auto windows = mask.size(0);
      attention = (attention.view({B_ / windows, windows, heads, N, N}) +
                   mask.unsqueeze(1).unsqueeze(0).to(attention.dtype()))
                      .view({-1, heads, N, N});
    }
    attention = torch::softmax(attention, -1);
    return proj(torch::matmul(attention, parts[2]).transpose(1, 2).reshape({B_, N, C}));
  }

  int ws, heads;
  torch::Tensor table, index;
  torch::nn::Linear qkv{nullptr}, proj{nullptr};
};
TORCH_MODULE(WindowAttention);

struct MlpImpl : torch::nn::Module {
  MlpImpl(int dim, int hidden) {
    fc1 = register_module("fc1", torch::nn::Linear(dim, hidden));
    fc2 = register_module("fc2", torch::nn::Linear(hidden, dim));
  }
  torch::Tensor forward(const torch::Tensor& x) { return fc2(F::gelu(fc1(x))); }
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};
TORCH_MODULE(Mlp);

struct SwinBlockImpl : torch::nn::Module {
  SwinBlockImpl(int dim, int heads, int ws, int shift, int hidden) : ws(ws), shift(shift) {
    norm1 = register_module("norm1", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    attn = register_module("attn", WindowAttention(dim, ws, heads));
    norm2 = register_module("norm2", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    mlp = register_module("mlp", Mlp(dim, hidden));
  }

  // x: (B, H·W, C) tokens of an H×W image (multiples of the window); mask: shift_mask() of that
  // size, used by the shifted blocks (the same for all of them: made once per image).
  torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W, const torch::Tensor& mask) {
    const auto B = x.size(0), C = x.size(2);
    auto image = norm1(x).view({B, H, W, C});
    if (shift) image = torch::roll(image, {-shift, -shift}, {1, 2});
    image = reverse(attn(partition(image, ws), shift ? mask : torch::Tensor()), ws, H, W);
    if (shift) image = torch::roll(image, {shift, shift}, {1, 2});
    const auto y = x + image.view({B, H * W, C});
    return y + mlp(norm2(y));
  }

  int ws, shift;
  torch::nn::LayerNorm norm1{nullptr}, norm2{nullptr};
  WindowAttention attn{nullptr};
  Mlp mlp{nullptr};
};
TORCH_MODULE(SwinBlock);

// The RSTB's residual_group (the original's BasicLayer): its blocks.
struct BasicLayerImpl : torch::nn::Module {
  BasicLayerImpl(int dim, int depth, int heads, int ws, int hidden) {
    blocks = register_module("blocks", torch::nn::ModuleList());
    for (int b = 0; b < depth; ++b) blocks->push_back(SwinBlock(dim, heads, ws, b % 2 ? ws / 2 : 0, hidden));
  }
  torch::nn::ModuleList blocks{nullptr};
};
TORCH_MODULE(BasicLayer);

// The original's resi_connection: one 3×3 conv ("conv") or three convs squeezing to a quarter
// ("conv.0", "conv.2", "conv.4"), registered under `name` as the original names them.
class ResidualConnection {
 public:
  ResidualConnection(torch::nn::Module& owner, const std::string& name, int dim, bool three) {
    if (!three) {
      single_ = owner.register_module(name, nn::conv3x3(dim, dim));
      return;
    }
    const auto leaky = torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2));
    triple_ = owner.register_module(
        name, torch::nn::Sequential(nn::conv3x3(dim, dim / 4), leaky,
                                    torch::nn::Conv2d(torch::nn::Conv2dOptions(dim / 4, dim / 4, 1)),
                                    torch::nn::LeakyReLU(torch::nn::LeakyReLUOptions().negative_slope(0.2)),
                                    nn::conv3x3(dim / 4, dim)));
  }
  torch::Tensor operator()(const torch::Tensor& x) { return single_ ? single_(x) : triple_->forward(x); }

 private:
  torch::nn::Conv2d single_{nullptr};
  torch::nn::Sequential triple_{nullptr};
};

struct RSTBImpl : torch::nn::Module {
  RSTBImpl(int dim, int depth, int heads, int ws, int hidden, bool three_convs)
      : residual_group(register_module("residual_group", BasicLayer(dim, depth, heads, ws, hidden))),
        conv(*this, "conv", dim, three_convs) {}

  torch::Tensor forward(const torch::Tensor& x, int64_t H, int64_t W, const torch::Tensor& mask) {
    auto y = x;
    for (const auto& block : *residual_group->blocks) y = block->as<SwinBlockImpl>()->forward(y, H, W, mask);
    const auto B = x.size(0), C = x.size(2);
    const auto image = conv(y.transpose(1, 2).reshape({B, C, H, W}));
    return image.flatten(2).transpose(1, 2) + x;
  }

  BasicLayer residual_group;
  ResidualConnection conv;
};
TORCH_MODULE(RSTB);

class SwinIRImpl : public RestorationNetworkImpl {
 public:
  SwinIRImpl(int channels, int dim, const std::vector<int>& depths, const std::vector<int>& heads,
             int ws, int hidden, int scale, bool lightweight, bool three_convs, double range)
      : channels_(channels), ws_(ws), scale_(scale), lightweight_(lightweight), range_(range) {
    conv_first = register_module("conv_first", nn::conv3x3(channels, dim));
    patch_norm = torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim}));
    auto patch_embed = std::make_shared<torch::nn::Module>();
    patch_embed->register_module("norm", patch_norm);
    register_module("patch_embed", patch_embed);
    layers = register_module("layers", torch::nn::ModuleList());
    for (size_t l = 0; l < depths.size(); ++l) {
      layers->push_back(RSTB(dim, depths[l], heads[l], ws, hidden, three_convs));
      radius_ += depths[l] * ws + (three_convs ? 2 : 1);
    }
    norm = register_module("norm", torch::nn::LayerNorm(torch::nn::LayerNormOptions({dim})));
    conv_after_body = std::make_unique<ResidualConnection>(*this, "conv_after_body", dim, three_convs);
    if (lightweight) {
      upsample = torch::nn::Sequential(nn::conv3x3(dim, scale * scale * channels),
                                       torch::nn::PixelShuffle(torch::nn::PixelShuffleOptions(scale)));
    } else {
      constexpr int features = 64;  // the original's num_feat
      conv_before_upsample = register_module("conv_before_upsample",
                                             torch::nn::Sequential(nn::conv3x3(dim, features)));
      upsample = nn::basicsr_upsample(features, scale, "swinir");
      conv_last = register_module("conv_last", nn::conv3x3(features, channels));
    }
    register_module("upsample", upsample);
    mean_ = channels == 3 ? nn::div2k_mean() : torch::zeros({1, 1, 1, 1});
  }

  torch::Tensor forward(const NetworkInput& input) override {
    const auto H = input.lq.size(2), W = input.lq.size(3);
    const int64_t pad_h = (ws_ - H % ws_) % ws_, pad_w = (ws_ - W % ws_) % ws_;
    auto x = input.lq;
    if (pad_h || pad_w) x = F::pad(x, F::PadFuncOptions({0, pad_w, 0, pad_h}).mode(torch::kReflect));
    const auto mean = mean_.to(x.dtype());
    x = conv_first((x - mean) * range_);
    const auto B = x.size(0), C = x.size(1), h = x.size(2), w = x.size(3);
    auto tokens = patch_norm(x.flatten(2).transpose(1, 2));
    const auto mask = shift_mask(h, w, ws_, ws_ / 2).to(x.device());
    for (const auto& layer : *layers) tokens = layer->as<RSTBImpl>()->forward(tokens, h, w, mask);
    const auto features = norm(tokens).transpose(1, 2).reshape({B, C, h, w});
    x = (*conv_after_body)(features) + x;
    if (lightweight_) {
      x = upsample->forward(x);
    } else {
      x = F::leaky_relu(conv_before_upsample->forward(x), F::LeakyReLUFuncOptions().negative_slope(0.01));
      x = conv_last(upsample->forward(x));
    }
    x = x / range_ + mean;
    return x.slice(2, 0, H * scale_).slice(3, 0, W * scale_);
  }

  NetworkTraits traits() const override {
    NetworkTraits traits;
    traits.channels = channels_;
    traits.scales = {scale_};
    traits.receptive_radius = radius_ + 4;
    traits.tile_dependent = true;
    return traits;
  }

 private:
  int channels_, ws_, scale_;
  bool lightweight_;
  double range_;
  int radius_ = 0;
  torch::Tensor mean_;
  torch::nn::Conv2d conv_first{nullptr}, conv_last{nullptr};
  std::unique_ptr<ResidualConnection> conv_after_body;
  torch::nn::LayerNorm patch_norm{nullptr}, norm{nullptr};
  torch::nn::ModuleList layers{nullptr};
  torch::nn::Sequential conv_before_upsample{nullptr}, upsample{nullptr};
};

std::vector<int> int_list(const nlohmann::json& config, const char* key) {
  if (!config.contains(key) || !config[key].is_array() || config[key].empty())
    throw InvalidArgument(fmt::format("arch 'swinir': '{}' must be a non-empty list of integers", key));
  std::vector<int> values;
  for (const auto& value : config[key]) {
    if (!value.is_number_integer() || value.get<int>() < 1 || value.get<int>() > 64)
      throw InvalidArgument(fmt::format("arch 'swinir': '{}' holds {}, not an integer in 1..64", key,
                                        value.dump()));
    values.push_back(value.get<int>());
  }
  return values;
}

}  // namespace

RestorationNetwork make_swinir(const nlohmann::json& config) {
  auto rest = config;
  const auto depths = int_list(config, "depths"), heads = int_list(config, "num_heads");
  rest.erase("depths");
  rest.erase("num_heads");
  config::JsonReader read("arch 'swinir'", rest);
  const int channels = read.get_int("channels", 3, 1, 3);
  const int dim = read.get_int("embed_dim", 60, 4, 1024);
  const int ws = read.get_int("window_size", 8, 2, 64);
  const int hidden = read.get_int("mlp_hidden", 2 * dim, 1, 8192);
  const int scale = read.get_int("scale", 2, 1, 8);
  const std::string upsampler = read.get_string("upsampler", "pixelshuffle");
  const std::string connection = read.get_string("resi_connection", "1conv");
  const double range = read.get_double("img_range", 1.0, 1e-3, 1e6);
  read.finish();
  if (channels == 2) throw InvalidArgument("arch 'swinir': channels must be 1 or 3");
  if (depths.size() != heads.size())
    throw InvalidArgument("arch 'swinir': depths and num_heads must have the same length");
  for (int h : heads)
    if (dim % h) throw InvalidArgument(fmt::format("arch 'swinir': {} heads do not divide embed_dim {}", h, dim));
  if (upsampler != "pixelshuffle" && upsampler != "pixelshuffledirect")
    throw InvalidArgument(fmt::format("arch 'swinir': upsampler '{}' is not pixelshuffle or pixelshuffledirect", upsampler));
  if (connection != "1conv" && connection != "3conv")
    throw InvalidArgument(fmt::format("arch 'swinir': resi_connection '{}' is not 1conv or 3conv", connection));
  const bool lightweight = upsampler == "pixelshuffledirect";
  return std::make_shared<SwinIRImpl>(channels, dim, depths, heads, ws, hidden, scale, lightweight,
                                      connection == "3conv", range);
}

}  // namespace restora::archs

#include "importer/families.h"

#include <fmt/format.h>

#include <cmath>
#include <regex>
#include <set>

namespace restora::importer {
namespace {

using Shape = std::vector<int64_t>;

// What one family expects of the file, checked key by key.
class Layout {
 public:
  Layout(std::string family, const NamedTensors& given) : given_(given) { mismatch_.family = std::move(family); }

  void expect(const std::string& name, const Shape& shape) {
    ++mismatch_.expected;
    seen_.insert(name);
    const auto it = given_.find(name);
    if (it == given_.end()) {
      mismatch_.problems.push_back(fmt::format("missing {}", name));
    } else if (it->second.sizes().vec() != shape) {
      mismatch_.problems.push_back(fmt::format("{} has shape [{}], expected [{}]", name,
                                               fmt::join(it->second.sizes(), ","), fmt::join(shape, ",")));
    } else {
      ++mismatch_.matched;
    }
  }
  // A tensor that may be there (a bias, BN's counter); when it is, its shape must fit.
  void allow(const std::string& name, const Shape& shape) {
    if (given_.count(name) != 0) expect(name, shape);
  }
  void problem(std::string text) { mismatch_.problems.push_back(std::move(text)); }
  // A tensor the conversion drops (a buffer the network computes itself), whatever its shape.
  void ignore(const std::string& name) { seen_.insert(name); }

  // Every problem, unexpected keys included.
  const Mismatch& finish() {
    for (const auto& [name, tensor] : given_) {
      if (seen_.count(name) == 0) mismatch_.problems.push_back(fmt::format("unexpected {}", name));
    }
    return mismatch_;
  }

 private:
  const NamedTensors& given_;
  std::set<std::string> seen_;
  Mismatch mismatch_;
};

struct Outcome {
  std::optional<Conversion> conversion;
  Mismatch mismatch;
};

Outcome failed(Layout& layout) { return {std::nullopt, layout.finish()}; }

Shape conv_shape(int64_t out, int64_t in) { return {out, in, 3, 3}; }

int64_t dim(const NamedTensors& t, const std::string& name, int64_t d) {
  const auto it = t.find(name);
  return it == t.end() || it->second.dim() <= d ? -1 : it->second.size(d);
}

// ---- DnCNN / FDnCNN: a sequence "N.weight" of 3×3 convs, each but the first and last
// optionally followed by a batch norm "N+1.*".
constexpr double dncnn_bn_eps = 1e-4;  // KAIR's and cszn's BatchNorm2d(eps=0.0001)

Outcome detect_dncnn(const NamedTensors& given) {
  std::string prefix;
  for (const auto& entry : given) {
    if (entry.first.rfind("dncnn.", 0) == 0) prefix = "dncnn.";
  }
  const std::regex key(prefix == "dncnn." ? R"(dncnn\.(\d+)\.(\w+))" : R"((\d+)\.(\w+))");
  std::set<int> convs, norms;
  for (const auto& [name, tensor] : given) {
    std::smatch m;
    if (!std::regex_match(name, m, key)) continue;
    const int index = std::stoi(m[1]);
    if (m[2] == "weight" && tensor.dim() == 4) convs.insert(index);
    if (m[2] == "running_mean") norms.insert(index);
  }
  Layout layout(norms.empty() ? "DnCNN" : "DnCNN with batch norm", given);
  if (convs.size() < 3) {
    layout.problem("fewer than 3 convolutions named N.weight");
    return failed(layout);
  }
  const int depth = static_cast<int>(convs.size());
  const bool bn = !norms.empty();
  const std::string first = prefix + "0.weight";
  const int64_t features = dim(given, first, 0), in = dim(given, first, 1);
  const auto index_of = [&](int layer) {  // layer 0..depth-1 -> module index
    if (layer == 0) return 0;
    return bn ? 2 + 3 * (layer - 1) : 2 * layer;
  };
  const std::string last = fmt::format("{}{}.weight", prefix, index_of(depth - 1));
  const int64_t out = dim(given, last, 0);
  for (int layer = 0; layer < depth; ++layer) {
    const std::string conv = fmt::format("{}{}.", prefix, index_of(layer));
    const int64_t cout = layer == depth - 1 ? out : features;
    layout.expect(conv + "weight", conv_shape(cout, layer == 0 ? in : features));
    layout.allow(conv + "bias", {cout});
    if (bn && layer > 0 && layer < depth - 1) {
      const std::string norm = fmt::format("{}{}.", prefix, index_of(layer) + 1);
      for (const char* p : {"weight", "bias", "running_mean", "running_var"}) layout.expect(norm + p, {features});
      layout.allow(norm + "num_batches_tracked", {});
    }
  }
  const bool flexible = in == out + 1;  // FDnCNN: the noise-level map is the extra input
  // FFDNet: 4C unshuffled channels and the map in, 4C out (C = 1 or 3), no batch norm.
  const bool ffdnet = flexible && (out == 4 || out == 12) && !bn;
  if (ffdnet) {
  } else if (out != 1 && out != 3) {
    layout.problem(fmt::format("{} output channels (1 or 3 expected)", out));
  } else if (in != out && !flexible) {
    layout.problem(fmt::format("{} input and {} output channels fit neither DnCNN nor FDnCNN", in, out));
  }
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};

  Conversion c;
  c.family = std::string(ffdnet ? "FFDNet" : flexible ? "FDnCNN" : "DnCNN") + (bn ? " (batch norm folded)" : "");
  c.arch = ffdnet ? "ffdnet" : "dncnn";
  c.arch_config = ffdnet ? nlohmann::json{{"channels", out / 4}, {"num_features", features}, {"depth", depth}}
                         : nlohmann::json{{"channels", out}, {"num_features", features}, {"depth", depth},
                                          {"condition", flexible}, {"residual", !flexible}};
  c.task = "denoise";
  c.conditioning = flexible ? model_file::Conditioning::sigma : model_file::Conditioning::none;
  for (int layer = 0; layer < depth; ++layer) {
    const std::string conv = fmt::format("{}{}.", prefix, index_of(layer));
    auto weight = given.at(conv + "weight").clone();
    auto bias = given.count(conv + "bias") ? given.at(conv + "bias").clone()
                                           : torch::zeros({weight.size(0)});
    if (bn && layer > 0 && layer < depth - 1) {
      const std::string norm = fmt::format("{}{}.", prefix, index_of(layer) + 1);
      const auto scale = given.at(norm + "weight") / torch::sqrt(given.at(norm + "running_var") + dncnn_bn_eps);
      weight = weight * scale.view({-1, 1, 1, 1});
      bias = (bias - given.at(norm + "running_mean")) * scale + given.at(norm + "bias");
    }
    if (!flexible && layer == depth - 1) {  // DnCNN returns x − model(x); Restora's adds
      weight = -weight;
      bias = -bias;
    }
    c.tensors[fmt::format("body.{}.weight", 2 * layer)] = weight;
    c.tensors[fmt::format("body.{}.bias", 2 * layer)] = bias;
  }
  return {c, result};
}

// ---- SRVGGNetCompact: body.{2k} convs, body.{2k+1} PReLUs, the last conv to C·s² channels.
Outcome detect_srvgg(const NamedTensors& given) {
  Layout layout("SRVGGNetCompact", given);
  int convs = 0;
  while (given.count(fmt::format("body.{}.weight", 2 * convs)) != 0) ++convs;
  if (convs < 2) {
    layout.problem("fewer than 2 convolutions named body.{2k}.weight");
    return failed(layout);
  }
  const int64_t features = dim(given, "body.0.weight", 0), in = dim(given, "body.0.weight", 1);
  const int64_t expanded = dim(given, fmt::format("body.{}.weight", 2 * (convs - 1)), 0);
  const int64_t scale = in > 0 ? std::llround(std::sqrt(double(expanded) / double(in))) : 0;
  if (scale < 1 || scale * scale * in != expanded) {
    layout.problem(fmt::format("the last conv's {} channels are not {}·s²", expanded, in));
  }
  for (int k = 0; k < convs; ++k) {
    const bool last = k == convs - 1;
    layout.expect(fmt::format("body.{}.weight", 2 * k), conv_shape(last ? expanded : features, k == 0 ? in : features));
    layout.expect(fmt::format("body.{}.bias", 2 * k), {last ? expanded : features});
    if (!last) layout.expect(fmt::format("body.{}.weight", 2 * k + 1), {features});  // PReLU
  }
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};
  Conversion c;
  c.family = "SRVGGNetCompact";
  c.arch = "srvgg";
  c.arch_config = {{"channels", in}, {"num_features", features}, {"num_convs", convs - 2}, {"scale", scale}};
  c.task = "real";
  c.tensors = given;
  return {c, result};
}

// ---- EDSR in BasicSR's layout: conv_first, body.N.conv1/conv2, conv_after_body, upsample.{0,2,..}
// (each conv to 4F before a ×2 shuffle, or one to 9F for ×3), conv_last. res_scale is not in
// the weights: BasicSR's configs use 0.1 for the 256-feature EDSR-L and 1 otherwise.
Outcome detect_basicsr_edsr(const NamedTensors& given) {
  Layout layout("EDSR (BasicSR)", given);
  int blocks = 0;
  while (given.count(fmt::format("body.{}.conv1.weight", blocks)) != 0) ++blocks;
  int steps = 0;
  while (given.count(fmt::format("upsample.{}.weight", 2 * steps)) != 0) ++steps;
  const int64_t features = dim(given, "conv_first.weight", 0), in = dim(given, "conv_first.weight", 1);
  if (blocks == 0 || steps == 0 || features <= 0) {
    layout.problem("no residual blocks (body.N.conv1.weight) or upsampling convs (upsample.0.weight)");
    return failed(layout);
  }
  const bool three = dim(given, "upsample.0.weight", 0) == 9 * features;
  const int scale = three ? 3 : 1 << steps;
  if (three && steps != 1) layout.problem("a ×3 upsampling conv among ×2 steps");
  if (in != 3) layout.problem(fmt::format("conv_first takes {} channels; BasicSR's EDSR is RGB", in));
  layout.expect("conv_first.weight", conv_shape(features, in));
  layout.expect("conv_first.bias", {features});
  for (int b = 0; b < blocks; ++b) {
    for (const char* conv : {"conv1", "conv2"}) {
      layout.expect(fmt::format("body.{}.{}.weight", b, conv), conv_shape(features, features));
      layout.expect(fmt::format("body.{}.{}.bias", b, conv), {features});
    }
  }
  layout.expect("conv_after_body.weight", conv_shape(features, features));
  layout.expect("conv_after_body.bias", {features});
  for (int s = 0; s < steps; ++s) {
    const int64_t out = (three ? 9 : 4) * features;
    layout.expect(fmt::format("upsample.{}.weight", 2 * s), conv_shape(out, features));
    layout.expect(fmt::format("upsample.{}.bias", 2 * s), {out});
  }
  layout.expect("conv_last.weight", conv_shape(in, features));
  layout.expect("conv_last.bias", {in});
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};
  Conversion c;
  c.family = "EDSR (BasicSR)";
  c.arch = "basicsr_edsr";
  c.arch_config = {{"channels", in}, {"num_features", features}, {"num_blocks", blocks},
                   {"scale", scale}, {"res_scale", features == 256 ? 0.1 : 1.0}};
  c.task = "super_resolution";
  c.tensors = given;
  return {c, result};
}

// ---- RCAN in BasicSR's layout: EDSR's frame (conv_first, conv_after_body, upsample.N,
// conv_last) around body.G.residual_group.B.rcab.{0,2} (3×3 convs) and rcab.3.attention.{1,3}
// (the channel attention's 1×1 squeeze and excitation), each group closed by body.G.conv.
Outcome detect_rcan(const NamedTensors& given) {
  Layout layout("RCAN (BasicSR)", given);
  int groups = 0, blocks = 0, steps = 0;
  while (given.count(fmt::format("body.{}.conv.weight", groups)) != 0) ++groups;
  while (given.count(fmt::format("body.0.residual_group.{}.rcab.0.weight", blocks)) != 0) ++blocks;
  while (given.count(fmt::format("upsample.{}.weight", 2 * steps)) != 0) ++steps;
  const int64_t features = dim(given, "conv_first.weight", 0), in = dim(given, "conv_first.weight", 1);
  const int64_t squeezed = dim(given, "body.0.residual_group.0.rcab.3.attention.1.weight", 0);
  if (groups == 0 || blocks == 0 || steps == 0 || features <= 0 || squeezed <= 0) {
    layout.problem("no residual groups (body.N.conv.weight), channel-attention blocks "
                   "(body.0.residual_group.N.rcab.*) or upsampling convs (upsample.0.weight)");
    return failed(layout);
  }
  const bool three = dim(given, "upsample.0.weight", 0) == 9 * features;
  const int scale = three ? 3 : 1 << steps;
  if (three && steps != 1) layout.problem("a ×3 upsampling conv among ×2 steps");
  if (in != 3) layout.problem(fmt::format("conv_first takes {} channels; BasicSR's RCAN is RGB", in));
  const auto conv = [&](const std::string& name, int64_t out, int64_t from, int64_t side) {
    layout.expect(name + ".weight", {out, from, side, side});
    layout.expect(name + ".bias", {out});
  };
  conv("conv_first", features, in, 3);
  for (int g = 0; g < groups; ++g) {
    for (int b = 0; b < blocks; ++b) {
      const auto block = fmt::format("body.{}.residual_group.{}.rcab.", g, b);
      conv(block + "0", features, features, 3);
      conv(block + "2", features, features, 3);
      conv(block + "3.attention.1", squeezed, features, 1);
      conv(block + "3.attention.3", features, squeezed, 1);
    }
    conv(fmt::format("body.{}.conv", g), features, features, 3);
  }
  conv("conv_after_body", features, features, 3);
  for (int s = 0; s < steps; ++s) conv(fmt::format("upsample.{}", 2 * s), (three ? 9 : 4) * features, features, 3);
  conv("conv_last", in, features, 3);
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};
  Conversion c;
  c.family = "RCAN (BasicSR)";
  c.arch = "rcan";
  c.arch_config = {{"channels", in},       {"num_features", features}, {"num_groups", groups},
                   {"num_blocks", blocks}, {"num_squeezed", squeezed}, {"scale", scale}};
  c.task = "super_resolution";
  c.tensors = given;
  return {c, result};
}

// ---- SwinIR (network_swinir.py): conv_first, patch_embed.norm, layers.L.residual_group.blocks.B
// .{norm1, attn.{relative_position_bias_table, qkv, proj}, norm2, mlp.{fc1, fc2}}, layers.L.conv
// ("1conv") or conv.{0,2,4} ("3conv"), norm, conv_after_body, then the classical upsampler
// (conv_before_upsample.0, upsample.N, conv_last) or the lightweight one (upsample.0 to
// scale²·C channels). The stored relative_position_index and attn_mask buffers are recomputed.
Outcome detect_swinir(const NamedTensors& given) {
  Layout layout("SwinIR", given);
  const auto block = [](int l, int b) { return fmt::format("layers.{}.residual_group.blocks.{}.", l, b); };
  std::vector<int> depths, heads;
  while (given.count(block(static_cast<int>(depths.size()), 0) + "attn.qkv.weight") != 0) {
    const int l = static_cast<int>(depths.size());
    int depth = 0;
    while (given.count(block(l, depth) + "attn.qkv.weight") != 0) ++depth;
    depths.push_back(depth);
    heads.push_back(static_cast<int>(dim(given, block(l, 0) + "attn.relative_position_bias_table", 1)));
  }
  const int64_t embed = dim(given, "conv_first.weight", 0), channels = dim(given, "conv_first.weight", 1);
  const int64_t table = dim(given, block(0, 0) + "attn.relative_position_bias_table", 0);
  const int64_t hidden = dim(given, block(0, 0) + "mlp.fc1.weight", 0);
  if (depths.empty() || embed <= 0 || table <= 0 || hidden <= 0) {
    layout.problem("no Swin blocks (layers.N.residual_group.blocks.N.attn.qkv.weight)");
    return failed(layout);
  }
  const int side = static_cast<int>(std::lround(std::sqrt(static_cast<double>(table))));
  const int window = (side + 1) / 2;
  if (side * side != table || side % 2 == 0) layout.problem("the relative position table is not (2w−1)² rows");
  const bool three = given.count("layers.0.conv.0.weight") != 0;
  const auto conv = [&](const std::string& name, int64_t out, int64_t from, int64_t k) {
    layout.expect(name + ".weight", {out, from, k, k});
    layout.expect(name + ".bias", {out});
  };
  const auto connection = [&](const std::string& name) {
    if (!three) return conv(name, embed, embed, 3);
    conv(name + ".0", embed / 4, embed, 3);
    conv(name + ".2", embed / 4, embed / 4, 1);
    conv(name + ".4", embed, embed / 4, 3);
  };
  const auto norm = [&](const std::string& name) {
    layout.expect(name + ".weight", {embed});
    layout.expect(name + ".bias", {embed});
  };
  const auto linear = [&](const std::string& name, int64_t out, int64_t in) {
    layout.expect(name + ".weight", {out, in});
    layout.expect(name + ".bias", {out});
  };
  conv("conv_first", embed, channels, 3);
  norm("patch_embed.norm");
  for (size_t l = 0; l < depths.size(); ++l) {
    for (int b = 0; b < depths[l]; ++b) {
      const auto prefix = block(static_cast<int>(l), b);
      norm(prefix + "norm1");
      layout.expect(prefix + "attn.relative_position_bias_table", {table, heads[l]});
      layout.ignore(prefix + "attn.relative_position_index");
      layout.ignore(prefix + "attn_mask");
      linear(prefix + "attn.qkv", 3 * embed, embed);
      linear(prefix + "attn.proj", embed, embed);
      norm(prefix + "norm2");
      linear(prefix + "mlp.fc1", hidden, embed);
      linear(prefix + "mlp.fc2", embed, hidden);
    }
    connection(fmt::format("layers.{}.conv", l));
  }
  norm("norm");
  connection("conv_after_body");
  int scale = 0;
  std::string upsampler;
  if (given.count("conv_before_upsample.0.weight") != 0) {
    upsampler = "pixelshuffle";
    constexpr int64_t features = 64;
    conv("conv_before_upsample.0", features, embed, 3);
    int steps = 0;
    while (given.count(fmt::format("upsample.{}.weight", 2 * steps)) != 0) ++steps;
    const bool by3 = dim(given, "upsample.0.weight", 0) == 9 * features;
    scale = by3 ? 3 : 1 << steps;
    if (steps == 0 || (by3 && steps != 1)) layout.problem("upsampling convs (upsample.N) that fit no scale");
    for (int s = 0; s < steps; ++s) conv(fmt::format("upsample.{}", 2 * s), (by3 ? 9 : 4) * features, features, 3);
    conv("conv_last", channels, features, 3);
  } else {
    upsampler = "pixelshuffledirect";
    const int64_t out = dim(given, "upsample.0.weight", 0);
    scale = out > 0 && channels > 0 ? static_cast<int>(std::lround(std::sqrt(double(out) / channels))) : 0;
    if (scale < 2 || scale * scale * channels != out)
      layout.problem("neither the classical (conv_before_upsample) nor the lightweight upsampler "
                     "(upsample.0 to scale²·C channels); SwinIR's denoising, JPEG and real-world "
                     "(nearest+conv) variants are not supported");
    conv("upsample.0", out, embed, 3);
  }
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};
  Conversion c;
  c.family = upsampler == "pixelshuffle" ? "SwinIR (classical)" : "SwinIR (lightweight)";
  c.arch = "swinir";
  c.arch_config = {{"channels", channels}, {"embed_dim", embed},    {"depths", depths},
                   {"num_heads", heads},   {"window_size", window}, {"mlp_hidden", hidden},
                   {"scale", scale},       {"upsampler", upsampler}, {"resi_connection", three ? "3conv" : "1conv"}};
  c.task = "super_resolution";
  for (const auto& [name, tensor] : given)
    if (name.find("relative_position_index") == std::string::npos && name.find("attn_mask") == std::string::npos)
      c.tensors[name] = tensor;
  return {c, result};
}

// ---- RRDBNet under its three key layouts, renamed to BasicSR's first.
NamedTensors rrdb_basicsr_names(const NamedTensors& given, std::string& layout) {
  NamedTensors out;
  const std::regex esrgan_new(R"(RRDB_trunk\.(\d+)\.RDB(\d)\.conv(\d)\.(weight|bias))");
  const std::regex old_block(R"(1\.sub\.(\d+)\.RDB(\d)\.conv(\d)\.0\.(weight|bias))");
  const std::regex old_top(R"((\d+)\.(weight|bias))");
  const std::regex old_trunk(R"(1\.sub\.(\d+)\.(weight|bias))");
  const std::map<std::string, std::string> renames{
      {"trunk_conv", "conv_body"}, {"upconv1", "conv_up1"}, {"upconv2", "conv_up2"}, {"HRconv", "conv_hr"}};
  // The old sequential layout: top-level indices 0 (first), 1 (trunk), then upsampling convs,
  // HR conv and last conv in order.
  std::set<int> tops;
  for (const auto& entry : given) {
    std::smatch m;
    if (std::regex_match(entry.first, m, old_top)) tops.insert(std::stoi(m[1]));
  }
  layout = "BasicSR";
  for (const auto& [name, tensor] : given) {
    std::smatch m;
    std::string renamed = name;
    if (std::regex_match(name, m, esrgan_new)) {
      renamed = fmt::format("body.{}.rdb{}.conv{}.{}", m[1].str(), m[2].str(), m[3].str(), m[4].str());
      layout = "ESRGAN/BSRGAN";
    } else if (std::regex_match(name, m, old_block)) {
      renamed = fmt::format("body.{}.rdb{}.conv{}.{}", m[1].str(), m[2].str(), m[3].str(), m[4].str());
      layout = "ESRGAN's old sequential";
    } else if (std::regex_match(name, m, old_trunk)) {
      renamed = "conv_body." + m[2].str();
    } else if (std::regex_match(name, m, old_top) && tops.size() >= 3) {
      const int index = std::stoi(m[1]);
      const int rank = static_cast<int>(std::distance(tops.begin(), tops.find(index)));
      const int count = static_cast<int>(tops.size());
      const std::string target = index == 0 ? "conv_first"
                                 : rank == count - 1 ? "conv_last"
                                 : rank == count - 2 ? "conv_hr"
                                                     : fmt::format("conv_up{}", rank);
      renamed = target + "." + m[2].str();
    } else {
      const auto dot = name.find('.');
      const auto it = renames.find(name.substr(0, dot));
      if (it != renames.end()) {
        renamed = it->second + name.substr(dot);
        layout = "ESRGAN/BSRGAN";
      }
    }
    out[renamed] = tensor;
  }
  return out;
}

Outcome detect_rrdb(const NamedTensors& source) {
  std::string variant;
  const NamedTensors given = rrdb_basicsr_names(source, variant);
  Layout layout("RRDBNet", given);
  int blocks = 0;
  while (given.count(fmt::format("body.{}.rdb1.conv1.weight", blocks)) != 0) ++blocks;
  int up_steps = 0;
  while (given.count(fmt::format("conv_up{}.weight", up_steps + 1)) != 0) ++up_steps;
  if (blocks == 0) {
    layout.problem("no residual-in-residual dense blocks (body.N.rdb1.conv1.weight)");
    return failed(layout);
  }
  const int64_t features = dim(given, "conv_first.weight", 0), in = dim(given, "conv_first.weight", 1);
  const int64_t grow = dim(given, "body.0.rdb1.conv1.weight", 0);
  const int64_t channels = given.count("conv_last.weight") ? dim(given, "conv_last.weight", 0)
                                                           : dim(given, "conv_last.bias", 0);
  int64_t unshuffle = 0;
  for (int64_t u : {1, 2, 4}) {
    if (channels > 0 && in == channels * u * u) unshuffle = u;
  }
  if (unshuffle == 0 && channels > 0) {
    layout.problem(fmt::format("conv_first takes {} channels: not {}, 4×{} or 16×{}", in, channels,
                               channels, channels));
  }
  if ((int64_t{1} << up_steps) < unshuffle) layout.problem("fewer upsampling steps than the unshuffle needs");
  layout.expect("conv_first.weight", conv_shape(features, in));
  layout.expect("conv_first.bias", {features});
  for (int b = 0; b < blocks; ++b) {
    for (int r = 1; r <= 3; ++r) {
      for (int k = 1; k <= 5; ++k) {
        const std::string conv = fmt::format("body.{}.rdb{}.conv{}.", b, r, k);
        const int64_t cout = k == 5 ? features : grow;
        layout.expect(conv + "weight", conv_shape(cout, features + (k - 1) * grow));
        layout.expect(conv + "bias", {cout});
      }
    }
  }
  std::vector<std::string> square{"conv_body", "conv_hr"};
  for (int i = 1; i <= up_steps; ++i) square.push_back(fmt::format("conv_up{}", i));
  for (const auto& conv : square) {
    layout.expect(conv + ".weight", conv_shape(features, features));
    layout.expect(conv + ".bias", {features});
  }
  layout.expect("conv_last.weight", conv_shape(channels, features));
  layout.expect("conv_last.bias", {channels});
  const Mismatch& result = layout.finish();
  if (!result.problems.empty()) return {std::nullopt, result};
  Conversion c;
  c.family = fmt::format("RRDBNet ({} keys)", variant);
  c.arch = "rrdb";
  c.arch_config = {{"channels", channels}, {"num_features", features}, {"num_blocks", blocks},
                   {"num_grow", grow}, {"up_steps", up_steps}, {"unshuffle", unshuffle}};
  c.task = "real";
  c.tensors = given;
  return {c, result};
}

using Detector = Outcome (*)(const NamedTensors&);
constexpr Detector detectors[] = {detect_dncnn, detect_srvgg,  detect_basicsr_edsr,
                                  detect_rcan,  detect_swinir, detect_rrdb};

}  // namespace

std::vector<std::string> known_families() {
  return {"DnCNN", "FDnCNN", "FFDNet", "SRVGGNetCompact", "EDSR (BasicSR)", "RCAN (BasicSR)", "SwinIR",
          "RRDBNet"};
}

Detection detect_family(const NamedTensors& tensors) {
  Detection detection;
  double best = -1;
  for (Detector detector : detectors) {
    Outcome outcome = detector(tensors);
    if (outcome.conversion) {
      detection.conversion = std::move(outcome.conversion);
      return detection;
    }
    const Mismatch& m = outcome.mismatch;
    const double score = m.expected == 0 ? 0.0 : double(m.matched) / double(m.expected + m.problems.size());
    if (score > best) {
      best = score;
      detection.nearest = m;
    }
  }
  return detection;
}

}  // namespace restora::importer

#include "compression/tensor_codec.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "compression/tiling.h"
#include "nn/precision.h"
#include "restora/errors.h"

namespace restora::compression {
namespace {

constexpr int multiple = codec_size_multiple;

int padding_for(int size) { return (multiple - size % multiple) % multiple; }

std::vector<int32_t> to_values(const torch::Tensor& tensor) {
  const auto flat = tensor.to(torch::kInt32).contiguous().view(-1);
  return {flat.data_ptr<int32_t>(), flat.data_ptr<int32_t>() + flat.numel()};
}

// Table of every z value: its channel's (NCHW order, as coded).
std::vector<uint16_t> z_table_of(int64_t channels, int64_t plane) {
  std::vector<uint16_t> table_of(channels * plane);
  for (int64_t c = 0; c < channels; ++c)
    std::fill_n(table_of.begin() + c * plane, plane, static_cast<uint16_t>(c));
  return table_of;
}

std::vector<uint16_t> y_table_of(const CodecModel& model, const torch::Tensor& log_scale) {
  const auto flat = log_scale.contiguous().view(-1);
  const int64_t* s = flat.data_ptr<int64_t>();
  std::vector<uint16_t> table_of(flat.numel());
  for (size_t i = 0; i < table_of.size(); ++i)
    table_of[i] = static_cast<uint16_t>(model.tables.y_table_for(s[i]));
  return table_of;
}

// Bits a value costs in a table (the escape's as a bound outside its range).
double bits_of(const codec::SymbolTable& table, int64_t value) {
  const int64_t slot = value - table.offset;
  const int64_t last = table.symbols() - 1;
  const auto width = [&](int64_t k) { return static_cast<double>(table.cdf[k + 1] - table.cdf[k]); };
  if (slot < 0 || slot >= last) return 16.0 - std::log2(width(last)) + 17.0;
  return 16.0 - std::log2(width(slot));
}

// Latents y (float64) minus their means, quantized: the symbols coded, within int32. Plain
// rounding, or with `weights` (per channel: the cost of a squared latent error in bits) the
// cheaper of the two integers around each value in distortion·weight + its bits in the table
// that codes it (`tables[table_of[i]]`).
torch::Tensor symbols_of(const torch::Tensor& y, const FixedPointParameters& p, int fraction_bits,
                         const std::vector<codec::SymbolTable>& tables,
                         const std::vector<uint16_t>& table_of, const std::vector<double>& weights) {
  const auto means = p.mean.to(torch::kFloat64) * std::ldexp(1.0, -fraction_bits);
  const auto residual = (y - means).clamp(INT32_MIN + 1.0, INT32_MAX - 1.0).contiguous();
  if (weights.empty()) return torch::round(residual).to(torch::kLong);
  auto symbols = torch::empty(residual.sizes(), torch::kLong);
  const double* r = residual.data_ptr<double>();
  int64_t* q = symbols.data_ptr<int64_t>();
  const int64_t channels = residual.size(1), plane = residual.numel() / channels;
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t i = c * plane; i < (c + 1) * plane; ++i) {
      const auto& table = tables[table_of[i]];
      const int64_t low = static_cast<int64_t>(std::floor(r[i])), high = low + 1;
      const double cost_low = weights[c] * (r[i] - low) * (r[i] - low) + bits_of(table, low);
      const double cost_high = weights[c] * (high - r[i]) * (high - r[i]) + bits_of(table, high);
      q[i] = cost_low <= cost_high ? low : high;
    }
  return symbols;
}

// ẑ (integers) -> h_s's output in fixed point, 1×2M×h×w.
torch::Tensor hyper_output(const CodecModel& model, const torch::Tensor& z_hat) {
  return model.hyper.run(z_hat * (int64_t{1} << model.hyper.fraction_bits()));
}

// The values of a 1×C×h×w grid at the positions where `at` (h×w bool) is true: 1×C×N, the
// positions in row-major order.
torch::Tensor at_positions(const torch::Tensor& grid, const torch::Tensor& at) {
  return grid.flatten(2).index_select(2, at.flatten().nonzero().squeeze(1));
}

// 1×C×N values put back at those positions of a zero 1×C×h×w grid.
torch::Tensor on_grid(const torch::Tensor& values, const torch::Tensor& at) {
  auto grid = torch::zeros({1, values.size(1), at.numel()}, values.options());
  grid.index_copy_(2, at.flatten().nonzero().squeeze(1), values);
  return grid.view({1, values.size(1), at.size(0), at.size(1)});
}

// With a checkerboard context: the latents' parameters at the positions `at` from h_s's output
// and a context grid (zero for the anchors' pass, from the decoded anchors for the rest).
FixedPointParameters refined_at(const CodecModel& model, const torch::Tensor& hyper,
                                const torch::Tensor& context, const torch::Tensor& at) {
  return split_parameters(at_positions(hyper, at) +
                          model.parameters->run_at(torch::cat({hyper, context}, 1), at));
}

// Codes one pass's latents, at the positions where `at` (h×w bool) is true, slice by slice (one
// slice without a channel context): `symbols_for(k, parameters)` codes or decodes slice k, a
// section of its own, with its parameters: `base`'s channels of the slice (1×C×N), corrected by
// the channel context from the slices decoded before it, on a grid that holds their values at
// this pass's positions and `known` (1×M×h×w, fixed point; zero where nothing is decoded yet)
// elsewhere.
// The pass's symbols and parameters, 1×M×N.
CodedLatents code_pass(const CodecModel& model, const FixedPointParameters& base, const torch::Tensor& at,
                    const torch::Tensor& known,
                    const std::function<torch::Tensor(int64_t, const FixedPointParameters&)>& symbols_for) {
  const int64_t slices = static_cast<int64_t>(model.channel_context.size()) + 1;
  const int64_t one = int64_t{1} << model.hyper.fraction_bits();
  const auto means = base.mean.chunk(slices, 1), log_scales = base.log_scale.chunk(slices, 1);
  const auto known_slices = known.chunk(slices, 1);
  std::vector<torch::Tensor> symbols, mean, log_scale, given;
  for (int64_t k = 0; k < slices; ++k) {
    FixedPointParameters parameters{means[k], log_scales[k]};
    if (k > 0) {
      auto inputs = given;
      inputs.push_back(on_grid(parameters.mean, at));
      inputs.push_back(on_grid(parameters.log_scale, at));
      const auto correction = split_parameters(model.channel_context[k - 1].run_at(torch::cat(inputs, 1), at));
      parameters = {parameters.mean + correction.mean, parameters.log_scale + correction.log_scale};
    }
    symbols.push_back(symbols_for(k, parameters));
    given.push_back(on_grid(symbols.back() * one + parameters.mean, at) + known_slices[k]);
    mean.push_back(parameters.mean);
    log_scale.push_back(parameters.log_scale);
  }
  return {torch::cat(symbols, 1), {torch::cat(mean, 1), torch::cat(log_scale, 1)}};
}

// The ŷ a pass at `at` decoded, in fixed point (symbol·2^bits + mean), on a zero grid.
torch::Tensor decoded_grid(const CodecModel& model, const CodedLatents& pass, const torch::Tensor& at) {
  return on_grid(pass.symbols * (int64_t{1} << model.hyper.fraction_bits()) + pass.parameters.mean, at);
}

// The second pass's context: the decoded anchors' grid through the context network, at the
// other positions.
torch::Tensor context_of(const CodecModel& model, const torch::Tensor& decoded_anchors,
                         const torch::Tensor& anchors) {
  const auto others = ~anchors;
  return on_grid(model.context->run_at(decoded_anchors, others), others);
}

// Sections the model's files hold: ẑ, then ŷ in one pass, or in two (anchors, the rest) of one
// section per channel slice.
size_t sections_of(const CodecModel& model) {
  return model.context ? 1 + 2 * (model.channel_context.size() + 1) : 2;
}

constexpr int64_t latent_stride = 16;

// Rows [top, bottom) and columns [left, right) of latents of a 1×C×H×W grid with `scale` values
// per latent.
torch::Tensor latent_area(const torch::Tensor& grid, int64_t top, int64_t bottom, int64_t left,
                          int64_t right, int64_t scale) {
  return grid.slice(2, top * scale, bottom * scale).slice(3, left * scale, right * scale);
}

// Runs `transform` over every tile of `input` (`in_scale` values per latent; compression/tiling.h)
// into `output` (`out_scale` per latent), keeping each tile's centre.
template <typename Transform>
void run_tiled(HyperpriorCodecImpl& network, const torch::Tensor& input, int64_t in_scale,
               torch::Tensor& output, int64_t out_scale, Transform&& transform) {
  const auto tiles = tiles_for(input.size(2) / in_scale, input.size(3) / in_scale,
                               tile_context_latents(network.shape()));
  const auto layout = nn::preferred_layout(nn::Precision::fp32, input.device());
  for (const auto& rows : tiles.rows)
    for (const auto& cols : tiles.cols) {
      const auto result = transform(nn::in_layout(
          latent_area(input, rows.begin, rows.end, cols.begin, cols.end, in_scale), layout));
      latent_area(output, rows.begin + rows.keep_begin, rows.begin + rows.keep_end,
                  cols.begin + cols.keep_begin, cols.begin + cols.keep_end, out_scale)
          .copy_(latent_area(result, rows.keep_begin, rows.keep_end, cols.keep_begin, cols.keep_end, out_scale));
    }
}

// image: 1×3×H×W, H and W multiples of 64 -> y·gain, 1×M×H/16×W/16, float.
torch::Tensor analyze(HyperpriorCodecImpl& network, const torch::Tensor& image, int level) {
  auto y = torch::empty({1, network.shape().latent_channels, image.size(2) / latent_stride,
                         image.size(3) / latent_stride});
  run_tiled(network, image, latent_stride, y, 1,
            [&](const torch::Tensor& tile) { return network.analysis(tile, level); });
  return y;
}

// y_hat: 1×M×h×w -> the image, 1×3×16h×16w, float.
torch::Tensor synthesize(HyperpriorCodecImpl& network, const torch::Tensor& y_hat, int level) {
  auto image = torch::empty({1, 3, y_hat.size(2) * latent_stride, y_hat.size(3) * latent_stride});
  run_tiled(network, y_hat, 1, image, latent_stride,
            [&](const torch::Tensor& tile) { return network.synthesis(tile, level); });
  return image;
}

// The price in bits of a squared error of each latent channel at `level` (0-based), from the
// training loss λ·255²·MSE + bpp. A latent error e in channel c adds about G_c·e² to the image's
// squared error; G_c, the energy of g_s's response to the channel (estimated by a backward pass
// on three Kodak24 images at levels 1, 5 and 10), came out 0.025-0.09 times the square of the
// channel's inverse gain in every case, so the price follows the inverse gain, times `price`.
std::vector<double> distortion_weights(HyperpriorCodecImpl& network, int level, double price) {
  const auto weights = (network.inverse_gains(level).to(torch::kFloat64).square() *
                        (price * network.shape().lambdas[level] * 255.0 * 255.0)).contiguous();
  return {weights.data_ptr<double>(), weights.data_ptr<double>() + weights.numel()};
}

void require_level(const CodecModel& model, int level) {
  if (level < 1 || level > model.levels())
    throw InvalidArgument(fmt::format("quality level {} is not available; model '{}' has levels 1-{}",
                                      level, model.meta.name, model.levels()));
}

}  // namespace

codec::Container file_header(const CodecModel& model, int width, int height,
                             codec::ColorFormat color, int level) {
  require_level(model, level);
  if (width < 1 || height < 1) throw InvalidArgument("compress: the image is empty");
  if (static_cast<int64_t>(width) * height > codec::max_pixels)
    throw InvalidArgument(fmt::format("compress: a {}x{} image is larger than the {} pixels a "
                                      "codec file may hold", width, height, codec::max_pixels));
  codec::Container file;
  file.model = model.meta.name;
  file.fingerprint = model.fingerprint;
  file.level = level;
  file.width = width;
  file.height = height;
  file.color = color;
  file.pad_right = padding_for(width);
  file.pad_bottom = padding_for(height);
  return file;
}

std::vector<uint8_t> compress_tensor(CodecModel& model, const torch::Tensor& padded, int width,
                                     int height, codec::ColorFormat color, int level,
                                     Quantization quantization, double distortion_price) {
  auto file = file_header(model, width, height, color, level);
  if (!(distortion_price >= 0.0 && std::isfinite(distortion_price)))
    throw InvalidArgument(fmt::format("compress: distortion price {} must be finite and >= 0", distortion_price));
  if (padded.dim() != 4 || padded.size(0) != 1 || padded.size(1) != 3 ||
      padded.size(2) != height + file.pad_bottom || padded.size(3) != width + file.pad_right)
    throw InvalidArgument(fmt::format("compress: the image tensor must be 1x3x{}x{} (padded)",
                                      height + file.pad_bottom, width + file.pad_right));

  torch::NoGradGuard no_grad;
  auto& network = *model.network;
  const auto y = analyze(network, padded.to(torch::kFloat32), level - 1).to(torch::kFloat64);
  const auto z_hat = torch::round(network.hyper_analysis(y.to(torch::kFloat32)))
                         .clamp(INT32_MIN + 1.0, INT32_MAX - 1.0).to(torch::kInt64);
  const auto hyper = hyper_output(model, z_hat);
  const int bits = model.hyper.fraction_bits();
  const auto weights = quantization == Quantization::rate_distortion
                           ? distortion_weights(network, level - 1, distortion_price)
                           : std::vector<double>{};
  file.sections.push_back(codec::encode_values(
      to_values(z_hat), z_table_of(z_hat.size(1), z_hat.size(2) * z_hat.size(3)),
      model.tables.z_tables));
  // Quantizes latents against their parameters and codes them as the next section; they are
  // channels first_channel… of the M, for their distortion weights.
  const auto code = [&](const torch::Tensor& latents, const FixedPointParameters& parameters,
                        int64_t first_channel) {
    const auto table_of = y_table_of(model, parameters.log_scale);
    const auto channel_weights =
        weights.empty() ? weights
                        : std::vector<double>(weights.begin() + first_channel,
                                              weights.begin() + first_channel + latents.size(1));
    const auto symbols =
        symbols_of(latents, parameters, bits, model.tables.y_tables, table_of, channel_weights);
    file.sections.push_back(codec::encode_values(to_values(symbols), table_of, model.tables.y_tables));
    return symbols;
  };
  if (!model.context) {
    code(y, split_parameters(hyper), 0);
  } else {
    const auto anchors = anchor_mask(y.size(2), y.size(3), torch::kBool)[0][0];
    // Codes a pass's latents, 1×M×N at its positions, slice by slice.
    const auto code_slices = [&](const torch::Tensor& latents) {
      const auto slices = latents.chunk(static_cast<int64_t>(model.channel_context.size()) + 1, 1);
      return [&, slices](int64_t k, const FixedPointParameters& parameters) {
        return code(slices[k], parameters, k * slices[0].size(1));
      };
    };
    const auto nothing = torch::zeros_like(y, torch::kLong);
    const auto first = code_pass(model, refined_at(model, hyper, nothing, anchors), anchors, nothing,
                                 code_slices(at_positions(y, anchors)));
    const auto known = decoded_grid(model, first, anchors);
    code_pass(model, refined_at(model, hyper, context_of(model, known, anchors), ~anchors), ~anchors,
              known, code_slices(at_positions(y, ~anchors)));
  }
  return codec::write_container(file);
}

codec::Container read_header(const std::vector<uint8_t>& bytes) {
  auto file = codec::read_container(bytes.data(), bytes.size());
  if (file.pad_right != padding_for(file.width) || file.pad_bottom != padding_for(file.height))
    throw FormatError(fmt::format("padding {}x{} does not match a {}x{} image", file.pad_right,
                                  file.pad_bottom, file.width, file.height));
  if (file.sections.size() < 2)
    throw FormatError("1 section where the codec writes ẑ and at least one of latents");
  return file;
}

CodedLatents decode_latents(CodecModel& model, const codec::Container& file) {
  if (file.model != model.meta.name || file.fingerprint != model.fingerprint)
    throw ModelMismatch(fmt::format("the file was made with model '{}' ({:08x}), not with '{}' ({:08x})",
                                    file.model, file.fingerprint, model.meta.name, model.fingerprint));
  if (file.level > model.levels())
    throw FormatError(fmt::format("quality level {} is beyond the model's {}", file.level,
                                  model.levels()));
  if (file.sections.size() != sections_of(model))
    throw FormatError(fmt::format("{} sections where model '{}' writes {}", file.sections.size(),
                                  model.meta.name, sections_of(model)));
  const auto& shape = model.network->shape();
  const int64_t height = (file.height + file.pad_bottom), width = (file.width + file.pad_right);
  const int64_t zh = height / multiple, zw = width / multiple;

  const auto z_values = codec::decode_values(
      file.sections[0], z_table_of(shape.hyper_channels, zh * zw), model.tables.z_tables);
  const auto z_hat = torch::from_blob(const_cast<int32_t*>(z_values.data()),
                                      {1, shape.hyper_channels, zh, zw}, torch::kInt32)
                         .to(torch::kInt64);
  const auto hyper = hyper_output(model, z_hat);
  const auto decode_symbols = [&](size_t section, const torch::Tensor& log_scale) {
    auto values = codec::decode_values(file.sections[section], y_table_of(model, log_scale),
                                       model.tables.y_tables);
    return torch::from_blob(values.data(), {static_cast<int64_t>(values.size())}, torch::kInt32)
        .to(torch::kInt64);
  };
  if (!model.context) {
    const auto parameters = split_parameters(hyper);
    return {decode_symbols(1, parameters.log_scale).view(parameters.mean.sizes()), parameters};
  }
  const int64_t m = hyper.size(1) / 2;
  const auto anchors = anchor_mask(hyper.size(2), hyper.size(3), torch::kBool)[0][0];
  size_t section = 1;
  const auto decode_slice = [&](int64_t, const FixedPointParameters& parameters) {
    return decode_symbols(section++, parameters.log_scale).view(parameters.mean.sizes());
  };
  const auto nothing = torch::zeros({1, m, hyper.size(2), hyper.size(3)}, torch::kLong);
  const auto first =
      code_pass(model, refined_at(model, hyper, nothing, anchors), anchors, nothing, decode_slice);
  const auto known = decoded_grid(model, first, anchors);
  const auto second = code_pass(model, refined_at(model, hyper, context_of(model, known, anchors), ~anchors),
                                ~anchors, known, decode_slice);
  const auto join = [&](const torch::Tensor& at_anchors, const torch::Tensor& at_others) {
    return on_grid(at_anchors, anchors) + on_grid(at_others, ~anchors);
  };
  return {join(first.symbols, second.symbols),
          {join(first.parameters.mean, second.parameters.mean),
           join(first.parameters.log_scale, second.parameters.log_scale)}};
}

torch::Tensor reconstruct(CodecModel& model, const CodedLatents& coded, int level) {
  require_level(model, level);
  const int bits = model.hyper.fraction_bits();
  const auto to_float = [&](const torch::Tensor& fixed) {
    return (fixed.to(torch::kFloat64) * std::ldexp(1.0, -bits)).to(torch::kFloat32);
  };
  const auto& means = coded.parameters.mean;
  const auto y_hat = (coded.symbols.to(torch::kFloat64) + means.to(torch::kFloat64) * std::ldexp(1.0, -bits))
                         .to(torch::kFloat32);

  torch::NoGradGuard no_grad;
  const auto predicted =
      model.network->predict_latent(y_hat, {to_float(means), to_float(coded.parameters.log_scale)});
  return synthesize(*model.network, predicted, level - 1).clamp(0.0, 1.0);
}

}  // namespace restora::compression

#include "compression/codec_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

#include <algorithm>
#include <cmath>

#include "nn/weights.h"
#include "restora/errors.h"

namespace restora::compression {
namespace {

constexpr int fraction_bits = 10;
// Gaussian tables: 64 scales, log-spaced from min_scale to 256 (beyond it the escape codes).
constexpr int scale_tables = 64;
constexpr double max_scale = 256.0;
// Mass left to a table's escape: values this improbable are coded by the bypass.
constexpr double tail_mass = 1e-9;

std::vector<codec::SymbolTable> gaussian_tables(const codec::CodingTables& rule) {
  std::vector<codec::SymbolTable> tables;
  for (int k = 0; k < scale_tables; ++k) {
    const double scale =
        std::exp(std::ldexp(static_cast<double>(rule.log_scale_first + k * rule.log_scale_step),
                            -rule.fraction_bits));
    // Φ⁻¹(tail/2) ≈ −6.1 for 1e-9: the range holds all but the tail.
    const int radius = static_cast<int>(std::ceil(scale * 6.2)) + 1;
    std::vector<double> pmf;
    for (int v = -radius; v <= radius; ++v)
      pmf.push_back(0.5 * (std::erfc(-(v + 0.5) / (scale * std::sqrt(2.0))) -
                           std::erfc(-(v - 0.5) / (scale * std::sqrt(2.0)))));
    tables.push_back(codec::quantize_pmf(pmf, -radius));
  }
  return tables;
}

std::vector<codec::SymbolTable> factorized_tables(FactorizedDensityImpl& density) {
  torch::NoGradGuard no_grad;
  constexpr int reach = 512;  // z values considered; beyond them the escape codes
  const auto points = torch::arange(-reach, reach + 1, torch::kFloat32);
  const int64_t channels = density.channels();
  const auto grid = points.view({1, 1, -1, 1}).expand({1, channels, points.size(0), 1}).contiguous();
  const auto lower = torch::sigmoid(density.logits_cumulative(grid - 0.5)).to(torch::kFloat64);
  const auto upper = torch::sigmoid(density.logits_cumulative(grid + 0.5)).to(torch::kFloat64);
  const auto pmf = (upper - lower).clamp_min(0.0).view({channels, -1});
  std::vector<codec::SymbolTable> tables;
  for (int64_t c = 0; c < channels; ++c) {
    const auto row = pmf[c].contiguous();
    const double* p = row.data_ptr<double>();
    const int64_t n = row.size(0);
    // The narrowest range leaving at most tail_mass on each side.
    int64_t first = 0, last = n - 1;
    for (double below = 0.0; first < last && below + p[first] <= tail_mass; ++first) below += p[first];
    for (double above = 0.0; last > first && above + p[last] <= tail_mass; --last) above += p[last];
    tables.push_back(codec::quantize_pmf(std::vector<double>(p + first, p + last + 1),
                                         static_cast<int32_t>(first - reach)));
  }
  return tables;
}

// The float networks stored only in integer form: their module names, the names of their
// integer copies, their layers, and the channels a zero probe goes in and comes out with on a
// `side`× grid. h_s first, then the checkerboard context's two and the channel context's ones,
// where the network has them.
struct IntegerCoded {
  std::string module, prefix;
  torch::nn::Sequential layers;
  int64_t in, out, side;
};
std::vector<IntegerCoded> integer_coded(const HyperpriorCodecImpl& network) {
  const auto& shape = network.shape();
  const int64_t m = shape.latent_channels, slice = m / shape.channel_slices;
  std::vector<IntegerCoded> coded = {
      {"hyper_synthesis", "coding.hyper", network.hyper_synthesis_layers, shape.hyper_channels, 2 * m, 4}};
  if (network.context_layers) {
    coded.push_back({"context", "coding.context", network.context_layers, m, m, 1});
    coded.push_back({"parameters", "coding.parameters", network.parameter_layers, 3 * m, 2 * m, 1});
  }
  for (size_t k = 1; k <= network.channel_context_layers.size(); ++k)
    coded.push_back({fmt::format("channel_context{}", k), fmt::format("coding.channel_context{}", k),
                     network.channel_context_layers[k - 1], static_cast<int64_t>(k + 2) * slice, 2 * slice, 1});
  return coded;
}

// Reads the integer copy of `coded`, writes its dequantized weights into the float layers, and
// checks its input and output channels with a zero probe.
IntegerNetwork load_integer_network(const model_file::Safetensors& file, const std::string& path,
                                    IntegerCoded& coded, int fraction_bits) {
  auto integer = IntegerNetwork::from_file(file, coded.prefix, path);
  try {
    integer.dequantize_into(coded.layers);
    if (integer.fraction_bits() != fraction_bits)
      throw FormatError("it and the coding tables disagree on the fixed point");
    const auto probe = integer.run(torch::zeros({1, coded.in, 1, 1}, torch::kLong));
    if (probe.size(1) != coded.out || probe.size(2) != coded.side)
      throw FormatError(fmt::format("it maps {} channels to {}, not {}", coded.in, probe.size(1), coded.out));
  } catch (const Error& error) {
    throw FormatError(fmt::format("model file '{}': {}: {}", path, coded.prefix, error.what()));
  }
  return integer;
}

// Convolution kernels, nearly all of the file, are stored in F16 and widened again on loading:
// half the size, each weight rounded to 11 significant bits, and no effect on decoding's
// integer decisions (h_s and the tables are integers; g_a and h_a only steer the encoder).
// Biases, GDN, gains and the density stay F32.
model_file::Tensor stored(model_file::Tensor tensor) {
  if (tensor.dtype != model_file::DType::f32 || tensor.shape.size() != 4) return tensor;
  return nn::to_file_tensor(tensor.name, nn::from_file_tensor(tensor).to(torch::kFloat16));
}

std::vector<model_file::Tensor> make_coding_tensors(HyperpriorCodecImpl& network) {
  codec::CodingTables tables;
  tables.fraction_bits = fraction_bits;
  const double first = std::log(min_scale), last = std::log(max_scale);
  tables.log_scale_first = std::llround(std::ldexp(first, fraction_bits));
  tables.log_scale_step =
      std::llround(std::ldexp((last - first) / (scale_tables - 1), fraction_bits));
  tables.y_tables = gaussian_tables(tables);
  tables.z_tables = factorized_tables(*network.z_density);
  auto tensors = codec::to_tensors(tables);
  for (const auto& coded : integer_coded(network))
    for (auto& tensor : IntegerNetwork::quantize(coded.layers, coded.prefix, fraction_bits).to_tensors())
      tensors.push_back(std::move(tensor));
  return tensors;
}

}  // namespace

model_file::ModelFile make_codec_model_file(HyperpriorCodecImpl& network, const std::string& name,
                                            const std::string& description) {
  model_file::ModelFile file;
  auto& meta = file.meta;
  meta.name = name;
  meta.description = description;
  meta.arch = "hyperprior_codec";
  meta.arch_config = network.shape().to_json();
  meta.task = "codec";
  meta.scales = {1};
  meta.in_channels = meta.out_channels = 3;
  meta.color_space = model_file::ColorSpace::rgb;
  meta.precision = {model_file::Precision::fp32};
  meta.size_multiple = codec_size_multiple;
  meta.tile_overlap = 0;
  meta.created = model_file::today_utc();
  const auto coded = integer_coded(network);
  const auto is_integer_coded = [&](const std::string& tensor_name) {
    return std::any_of(coded.begin(), coded.end(), [&](const IntegerCoded& integer) {
      return tensor_name.rfind(integer.module + ".", 0) == 0;
    });
  };
  for (auto& tensor : nn::export_weights(network))
    if (!is_integer_coded(tensor.name)) file.tensors.push_back(stored(std::move(tensor)));
  for (auto& tensor : make_coding_tensors(network)) file.tensors.push_back(std::move(tensor));
  return file;
}

CodecModel load_codec_model(const std::filesystem::path& path) {
  const auto file = model_file::read_safetensors(path);
  CodecModel model;
  model.meta = model_file::parse_model_meta(file.metadata, path.string());
  model.path = path;
  if (model.meta.task != "codec")
    throw ModelMismatch(fmt::format("model '{}' is a {} model, not a codec", model.meta.name,
                                    model.meta.task));
  if (model.meta.arch != "hyperprior_codec")
    throw FormatError(fmt::format("model file '{}': unknown codec arch '{}'", path.string(),
                                  model.meta.arch));
  try {
    model.network = HyperpriorCodec(CodecShape::from_json(model.meta.arch_config));
  } catch (const InvalidArgument& error) {
    throw FormatError(fmt::format("model file '{}': {}", path.string(), error.what()));
  }
  model.tables = codec::tables_from_tensors(file, path.string());
  const auto& shape = model.network->shape();
  // The entropy-model networks are stored only in integer form: their float weights come from
  // there (placeholders first, overwritten by dequantize_into), the rest from the file.
  std::vector<model_file::Tensor> weights;
  auto& network = *model.network;
  auto coded = integer_coded(network);
  for (const auto& integer : coded)
    for (auto& tensor : nn::export_weights(*integer.layers)) {
      tensor.name = integer.module + "." + tensor.name;
      weights.push_back(std::move(tensor));
    }
  for (const auto& tensor : file.tensors)
    if (tensor.name.rfind("coding.", 0) != 0) weights.push_back(tensor);
  nn::import_weights(network, weights, path.string());
  const int bits = model.tables.fraction_bits;
  model.hyper = load_integer_network(file, path.string(), coded[0], bits);
  if (shape.checkerboard_context) {
    model.context = load_integer_network(file, path.string(), coded[1], bits);
    model.parameters = load_integer_network(file, path.string(), coded[2], bits);
  }
  for (size_t k = 3; k < coded.size(); ++k)  // the channel context's, after the checkerboard's
    model.channel_context.push_back(load_integer_network(file, path.string(), coded[k], bits));
  model.network->eval();
  if (static_cast<int64_t>(model.tables.z_tables.size()) != shape.hyper_channels)
    throw FormatError(fmt::format("model file '{}': {} z tables for {} channels", path.string(),
                                  model.tables.z_tables.size(), shape.hyper_channels));
  model.fingerprint = codec::coding_fingerprint(file.tensors);
  return model;
}

}  // namespace restora::compression

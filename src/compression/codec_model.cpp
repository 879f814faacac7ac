#include "compression/codec_model.h"

#include <fmt/format.h>
#include <torch/torch.h>

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

bool is_float_hyper_synthesis(const std::string& tensor_name) {
  return tensor_name.rfind("hyper_synthesis.", 0) == 0;
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
  for (auto& tensor : IntegerHyperSynthesis::quantize(network.hyper_synthesis_layers, fraction_bits)
                          .to_tensors())
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
  for (auto& tensor : nn::export_weights(network))
    if (!is_float_hyper_synthesis(tensor.name)) file.tensors.push_back(std::move(tensor));
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
  model.hyper = IntegerHyperSynthesis::from_file(file, path.string());
  // The float h_s is stored only in integer form: take it from there, the rest from the file.
  std::vector<model_file::Tensor> weights;
  for (auto& tensor : nn::export_weights(*model.network->hyper_synthesis_layers)) {
    tensor.name = "hyper_synthesis." + tensor.name;  // placeholders, overwritten just below
    weights.push_back(std::move(tensor));
  }
  for (const auto& tensor : file.tensors)
    if (tensor.name.rfind("coding.", 0) != 0) weights.push_back(tensor);
  nn::import_weights(*model.network, weights, path.string());
  try {
    model.hyper.dequantize_into(model.network->hyper_synthesis_layers);
  } catch (const FormatError& error) {
    throw FormatError(fmt::format("model file '{}': {}", path.string(), error.what()));
  }
  model.network->eval();
  if (model.hyper.fraction_bits() != model.tables.fraction_bits)
    throw FormatError(fmt::format("model file '{}': hyper-synthesis and tables disagree on the "
                                  "fixed point", path.string()));
  if (static_cast<int64_t>(model.tables.z_tables.size()) != model.network->shape().hyper_channels)
    throw FormatError(fmt::format("model file '{}': {} z tables for {} channels", path.string(),
                                  model.tables.z_tables.size(), model.network->shape().hyper_channels));
  const auto probe = model.hyper.run(torch::zeros({1, model.network->shape().hyper_channels, 1, 1}, torch::kLong));
  if (probe.mean.size(1) != model.network->shape().latent_channels || probe.mean.size(2) != 4)
    throw FormatError(fmt::format("model file '{}': the hyper-synthesis does not produce the "
                                  "latents' parameters", path.string()));
  model.fingerprint = codec::coding_fingerprint(file.tensors);
  return model;
}

}  // namespace restora::compression

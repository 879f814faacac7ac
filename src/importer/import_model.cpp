#include "importer/import_model.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "archs/network.h"
#include "image/tiles.h"
#include "importer/families.h"
#include "importer/unwrap.h"
#include "nn/weights.h"
#include "pth/state_dict.h"
#include "restora/errors.h"
#include "tasks/task.h"

namespace restora::importer {
namespace {

// The first problems of the nearest family, enough to see what is wrong in one line.
constexpr size_t problems_shown = 6;

// The floating-point tensors in fp32 (f64/f16/bf16 converted); counters such as BN's
// num_batches_tracked carry no weights and are left out.
NamedTensors to_torch(const std::vector<model_file::Tensor>& tensors) {
  NamedTensors out;
  for (const auto& tensor : tensors) {
    const auto value = nn::from_file_tensor(tensor);
    if (value.is_floating_point()) out[tensor.name] = value.to(torch::kFloat32);
  }
  return out;
}

std::string describe(const Mismatch& nearest) {
  std::vector<std::string> shown(nearest.problems.begin(),
                                 nearest.problems.begin() +
                                     static_cast<ptrdiff_t>(std::min(problems_shown, nearest.problems.size())));
  const size_t more = nearest.problems.size() - shown.size();
  return fmt::format("nearest: {} ({} of {} expected tensors fit; {}{})", nearest.family,
                     nearest.matched, nearest.expected, fmt::join(shown, "; "),
                     more > 0 ? fmt::format("; {} more", more) : "");
}

}  // namespace

model_file::ModelFile import_model(const std::filesystem::path& path, const ImportOptions& options) {
  const pth::StateDict dict = pth::read_state_dict(path);
  std::vector<std::string> removed;
  const NamedTensors tensors = to_torch(unwrap(dict.tensors, &removed));
  if (tensors.empty()) {
    throw FormatError(fmt::format("cannot import '{}': it holds no floating-point tensors", path.string()));
  }
  const Detection detection = detect_family(tensors);
  if (!detection.conversion) {
    throw FormatError(fmt::format("cannot import '{}': no known architecture ({}) matches; {}",
                                  path.string(), fmt::join(known_families(), ", "),
                                  describe(detection.nearest)));
  }
  const Conversion& c = *detection.conversion;
  const tasks::Task task = tasks::find_task(options.task.empty() ? c.task : options.task);

  auto network = archs::build_network(c.arch, c.arch_config);
  std::vector<model_file::Tensor> weights;
  for (const auto& [name, tensor] : c.tensors) weights.push_back(nn::to_file_tensor(name, tensor));
  nn::import_weights(*network, weights, path.string());
  const archs::NetworkTraits traits = network->traits();

  model_file::ModelFile model;
  auto& meta = model.meta;
  meta.name = options.name.empty() ? path.stem().string() : options.name;
  meta.description = fmt::format("{} imported from {}", c.family, path.filename().string());
  meta.arch = c.arch;
  meta.arch_config = c.arch_config;
  meta.task = task->id();
  meta.scales = traits.scales;
  meta.in_channels = meta.out_channels = traits.channels;
  meta.color_space = traits.channels == 1 ? model_file::ColorSpace::gray : model_file::ColorSpace::rgb;
  meta.conditioning = c.conditioning;
  meta.size_multiple = traits.size_multiple;
  // The whole receptive radius, so tiled output equals untiled output as for every model (an
  // RRDBNet's is large: 349 pixels for ESRGAN's 23 blocks).
  meta.tile_overlap = static_cast<int>(round_up(traits.receptive_radius, traits.size_multiple));
  meta.precision = {model_file::Precision::fp32};
  meta.created = model_file::today_utc();
  meta.recipe = {{"imported", {{"file", path.filename().string()},
                               {"container", pth::container_format_name(dict.format)},
                               {"family", c.family},
                               {"wrappers_removed", removed}}}};
  model.tensors = nn::export_weights(*network);
  return model;
}

}  // namespace restora::importer

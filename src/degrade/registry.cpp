// The degradation registry: one line per kind, ids are stable strings written in configs,
// chains and model recipes.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <memory>

#include "degrade/degradation.h"
#include "degrade/kinds.h"
#include "restora/errors.h"

namespace restora {
namespace {

const std::vector<std::unique_ptr<DegradationKind>>& registry() {
  static const auto entries = [] {
    std::vector<std::unique_ptr<DegradationKind>> kinds;
    kinds.push_back(kinds::make_gaussian_noise());  // AWGN, σ (denoising protocol)
    kinds.push_back(kinds::make_poisson_noise());   // shot noise
    kinds.push_back(kinds::make_camera_noise());    // signal-dependent noise through a camera pipeline
    kinds.push_back(kinds::make_blur());            // Gaussian / generalized / plateau kernels
    kinds.push_back(kinds::make_motion_blur());     // random camera-shake trajectories
    kinds.push_back(kinds::make_sinc());            // ringing and overshoot
    kinds.push_back(kinds::make_kernel_blur());     // the deblurring models' seeded kernels
    kinds.push_back(kinds::make_resize());          // relative resize, any interpolation
    kinds.push_back(kinds::make_resize_to());       // resize to the ground truth's size / scale
    kinds.push_back(kinds::make_bd());              // video SR's BD: Gaussian σ 0.4·scale, subsample
    kinds.push_back(kinds::make_bicubic_down());    // MATLAB bicubic x s (SR protocol)
    kinds.push_back(kinds::make_jpeg());            // JPEG round trip (JPEG protocol)
    kinds.push_back(kinds::make_mask());            // missing regions + a per-pixel mask map
    kinds.push_back(kinds::make_damage());          // painted old-print damage + a damage map
    kinds.push_back(kinds::make_none());            // no damage (compression)
    kinds.push_back(kinds::make_recorded());        // a paired test set's own damage
    return kinds;
  }();
  return entries;
}

}  // namespace

const DegradationKind& find_degradation(const std::string& id) {
  for (const auto& kind : registry())
    if (kind->id() == id) return *kind;
  throw InvalidArgument(fmt::format("unknown degradation '{}'; known: {}", id,
                                    fmt::join(known_degradations(), ", ")));
}

std::vector<std::string> known_degradations() {
  std::vector<std::string> ids;
  for (const auto& kind : registry()) ids.push_back(kind->id());
  return ids;
}

std::string DegradationKind::parameter() const {
  const auto infos = parameters();
  return infos.empty() ? "" : infos.front().name;
}

double DegradationKind::value(const Degradation& setting) const {
  const auto name = parameter();
  return name.empty() ? 0.0 : setting.at(name);
}

Degradation DegradationKind::with_value(double value) const {
  const auto name = parameter();
  return name.empty() ? make({}) : make({{name, value}});
}

double DegradationKind::typical_value() const {
  const auto infos = parameters();
  return infos.empty() ? 0.0 : infos.front().default_value;
}

}  // namespace restora

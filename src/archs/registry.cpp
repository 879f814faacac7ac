// The architecture registry: one line per family, ids are stable strings written in model files.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <functional>
#include <utility>

#include "archs/basicsr_edsr.h"
#include "archs/dncnn.h"
#include "archs/edsr.h"
#include "archs/ffdnet.h"
#include "archs/network.h"
#include "archs/resunet.h"
#include "archs/rcan.h"
#include "archs/recurrent.h"
#include "archs/rrdb.h"
#include "archs/srvgg.h"
#include "archs/swinir.h"
#include "archs/unrolled.h"
#include "restora/errors.h"

namespace restora::archs {
namespace {

using Factory = std::function<RestorationNetwork(const nlohmann::json&)>;

const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> entries = {
      {"basicsr_edsr", make_basicsr_edsr},  // imported BasicSR EDSR: mean shift, ×2/×3 steps
      {"dncnn", make_dncnn},      // denoising / JPEG: plain residual CNN
      {"edsr", make_edsr},        // super-resolution: residual blocks + pixel shuffle
      {"ffdnet", make_ffdnet},    // imported KAIR FFDNet: unshuffled input + noise map
      {"resunet", make_resunet},  // denoising / JPEG: residual U-Net
      {"rcan", make_rcan},        // imported BasicSR RCAN: residual groups of channel attention
      {"recurrent", make_recurrent},  // video: RRN-style recurrent network, optional learned flow
      {"rrdb", make_rrdb},        // imported ESRGAN / Real-ESRGAN / BSRGAN: RRDBNet
      {"srvgg", make_srvgg},      // imported Real-ESRGAN compact: SRVGGNetCompact
      {"swinir", make_swinir},    // imported SwinIR: shifted-window attention (classical, lightweight)
      {"unrolled", make_unrolled},  // non-blind deblurring: FFT data step + U-Net prior
  };
  return entries;
}

}  // namespace

RestorationNetwork build_network(const std::string& arch, const nlohmann::json& config) {
  for (const auto& [id, factory] : registry())
    if (id == arch) return factory(config);
  throw InvalidArgument(
      fmt::format("unknown arch '{}'; known: {}", arch, fmt::join(known_archs(), ", ")));
}

std::vector<std::string> known_archs() {
  std::vector<std::string> ids;
  for (const auto& entry : registry()) ids.push_back(entry.first);
  return ids;
}

}  // namespace restora::archs

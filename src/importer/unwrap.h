// The wrappers people put around a state dict, removed before the layout is recognised:
// {"params_ema": ...} and {"params": ...} (BasicSR; the EMA weights preferred), {"state_dict":
// ...}, {"model": ...}, {"net": ...}, {"generator": ...}, and DataParallel's "module." prefix.
#pragma once

#include <string>
#include <vector>

#include "model_file/safetensors.h"

namespace restora::importer {

// The tensors of the network inside, renamed without the wrappers; `removed` (when given) lists
// what was removed ("params_ema", "module."). Other entries beside a chosen wrapper (an
// optimizer's state, "params" when "params_ema" exists) are dropped.
std::vector<model_file::Tensor> unwrap(std::vector<model_file::Tensor> tensors,
                                       std::vector<std::string>* removed = nullptr);

}  // namespace restora::importer

#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_basicsr_edsr(const nlohmann::json& config);
}

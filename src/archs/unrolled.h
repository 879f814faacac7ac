#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_unrolled(const nlohmann::json& config);
}

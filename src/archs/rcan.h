#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_rcan(const nlohmann::json& config);
}

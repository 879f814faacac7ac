#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_ffdnet(const nlohmann::json& config);
}

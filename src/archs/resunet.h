#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_resunet(const nlohmann::json& config);
}

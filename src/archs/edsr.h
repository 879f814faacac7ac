#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_edsr(const nlohmann::json& config);
}

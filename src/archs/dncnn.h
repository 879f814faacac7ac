#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_dncnn(const nlohmann::json& config);
}

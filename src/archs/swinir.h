#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_swinir(const nlohmann::json& config);
}

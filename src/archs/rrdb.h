#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_rrdb(const nlohmann::json& config);
}

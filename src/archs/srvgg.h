#pragma once
#include "archs/network.h"
namespace restora::archs {
RestorationNetwork make_srvgg(const nlohmann::json& config);
}

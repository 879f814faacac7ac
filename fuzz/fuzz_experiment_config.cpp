// libFuzzer target: the experiment config reader (JSON with comments, then every section's typed
// and range-checked reading, the degradation chain's text, the task registry) on any bytes.
// Allowed outcomes: a config or a restora::Error (InvalidArgument for a bad config).
#include <cstddef>
#include <cstdint>
#include <string>

#include "config/json_reader.h"
#include "restora/errors.h"
#include "train/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const auto json = restora::config::parse_json_text(
        std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
    restora::train::parse_experiment(json, "fuzz.json");
  } catch (const restora::Error&) {
  }
  return 0;
}

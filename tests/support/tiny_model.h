// Tiny randomly initialised model files for tests: the real loader, engine and CLI run end to
// end without any trained weights or shared data.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "model_file/model_meta.h"

namespace restora::testing {

// Metadata of a small network for `task` ("denoise", "dejpeg", "super_resolution", ...; the video
// tasks get a recurrent network, "video_sr" x4 with learned flow, "video_denoise" without).
model_file::ModelMeta tiny_meta(const std::string& task, int channels,
                                const std::string& name = "tiny");

// Writes a model file with weights from torch::manual_seed(seed); returns its path.
std::filesystem::path write_tiny_model(const std::filesystem::path& path,
                                       const model_file::ModelMeta& meta, uint64_t seed = 1);

// Writes a small random learned-codec model file (3 quality levels) named `name`.
std::filesystem::path write_tiny_codec(const std::filesystem::path& path, const std::string& name,
                                       uint64_t seed = 1);

// An untrained detector marks all or nothing at most thresholds: the threshold at which the
// detector file marks about a fifth of `image_u8`'s pixels (bisection), so tests see a
// partial mask.
double partial_threshold(const std::filesystem::path& detector, const cv::Mat& image_u8);

// A fresh empty folder under the system temp dir, removed by the caller if wanted.
std::filesystem::path make_temp_dir(const std::string& prefix);

}  // namespace restora::testing

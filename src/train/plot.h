// A PNG picture of a training log: loss and validation PSNR against the step.
#pragma once

#include <filesystem>
#include <string>

namespace restora::train {

// Reads log.csv (step,loss,learning_rate,steps_per_second,validation_psnr,validation_ssim) and
// writes a two-panel plot. A log with no rows yet writes nothing.
void plot_curves(const std::filesystem::path& csv, const std::filesystem::path& png,
                 const std::string& title);

}  // namespace restora::train

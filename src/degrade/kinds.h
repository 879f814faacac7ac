// The factories of the degradation kinds, one per family file; registry.cpp lists them. Private to
// src/degrade.
#pragma once

#include <memory>

#include "degrade/degradation.h"

namespace restora::kinds {

// degradation.cpp: the benchmark protocols' kinds.
std::unique_ptr<DegradationKind> make_gaussian_noise();
std::unique_ptr<DegradationKind> make_jpeg();
std::unique_ptr<DegradationKind> make_bicubic_down();
std::unique_ptr<DegradationKind> make_none();
std::unique_ptr<DegradationKind> make_recorded();
// blur_kinds.cpp
std::unique_ptr<DegradationKind> make_blur();
std::unique_ptr<DegradationKind> make_motion_blur();
std::unique_ptr<DegradationKind> make_sinc();
std::unique_ptr<DegradationKind> make_kernel_blur();
// resize_kinds.cpp
std::unique_ptr<DegradationKind> make_resize();
std::unique_ptr<DegradationKind> make_resize_to();
std::unique_ptr<DegradationKind> make_bd();
// mask_kinds.cpp
std::unique_ptr<DegradationKind> make_mask();
std::unique_ptr<DegradationKind> make_damage();
// noise_kinds.cpp
std::unique_ptr<DegradationKind> make_poisson_noise();
std::unique_ptr<DegradationKind> make_camera_noise();

// Helpers the kinds share.
// The state's image as CV_32F in [0,1]-nominal (8-bit samples are divided by 255).
cv::Mat float_image(const DegradedImage& state);
// The state's image as 8-bit samples (float ones clipped and rounded).
cv::Mat u8_image(const DegradedImage& state);
// Replaces the image with one of another size, resizing the maps with it.
void replace_image(DegradedImage& state, cv::Mat image);
// A parameter of the setting as an int (make() has checked it is one).
int int_at(const Degradation& setting, const std::string& name);

}  // namespace restora::kinds

// MATLAB-compatible bicubic resize: the degradation of the super-resolution
// protocol (LR = imresize(modcrop(HR, s), 1/s, 'bicubic')) and its bicubic
// upscaling baseline.
#pragma once

#include <opencv2/core.hpp>

namespace restora {

// Reimplements MATLAB imresize(image, scale, 'bicubic') exactly: cubic kernel
// a = -0.5, widened by 1/scale when downscaling (antialiasing), weights in
// double normalised per output pixel, mirrored borders, rows resized first
// and then columns.
// image: H×W CV_8U or CV_32F with 1..4 channels (the channel order does not
//        matter: channels are resized independently).
// scale: > 0; the output is ceil(H*scale) × ceil(W*scale) of the same type.
// CV_8U: each one-dimensional pass is rounded half away from zero and
//        saturated to uint8, as MATLAB's imresizemex does, which makes the
//        result bit-identical to MATLAB's. CV_32F: sums in double, each pass
//        stored as float (MATLAB's single), never rounded or clipped.
cv::Mat imresize_matlab(const cv::Mat& image, double scale);

// Crops the bottom rows and right columns so that both sides are multiples
// of scale (>= 1). Returns a copy; an image smaller than scale -> InvalidArgument.
cv::Mat modcrop(const cv::Mat& image, int scale);

}  // namespace restora

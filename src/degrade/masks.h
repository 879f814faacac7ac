// Seeded generators of inpainting masks (CV_8UC1, 255 = missing, 0 = kept), the damage the
// inpainting and repair models are trained on and measured with (docs/INPAINT.md). Sizes are
// relative to the image's shorter side, so a family looks alike at any resolution; the
// scratches' width is absolute (1-3 pixels, like an old print's).
//
//   cv::Mat mask = restora::random_mask(MaskFamily::strokes, {768, 512}, 0.15, rng);
//   double covered = restora::mask_coverage(mask);   // ≈ 0.15, at least the target
#pragma once

#include <opencv2/core.hpp>
#include <string>

#include "degrade/random.h"

namespace restora {

enum class MaskFamily {
  strokes,    // free-form brush strokes: polylines of 4-10 segments, 2-6 % of the side wide
  scratches,  // long thin curves 1-3 px wide, mostly along one direction, like a print's
  blobs,      // irregular blobs (overlapping ellipses) of 2-10 % of the side
  boxes,      // axis-aligned rectangles of 5-30 % of the side
  large       // large irregular holes: very wide strokes and big blobs together
};

// The family's name as chains and reports write it ("strokes", ...), and back (InvalidArgument
// for an unknown name).
std::string mask_family_name(MaskFamily family);
MaskFamily mask_family(const std::string& name);

// Elements of `family` drawn from rng until at least `coverage` (0 < coverage < 1) of the pixels
// are masked (at most 400 elements). Every draw comes from rng. Element sizes are fractions of
// `side` (0: the image's shorter side), so training patches can show the holes of a larger image.
cv::Mat random_mask(MaskFamily family, cv::Size size, double coverage, Rng& rng, double side = 0);

// The coverage a training sample of `family` aims at when none is given: uniform in the
// family's range (strokes 5-30 %, scratches 1-8 %, blobs 3-20 %, boxes 5-30 %, large 20-45 %).
double random_coverage(MaskFamily family, Rng& rng);

// Fraction of non-zero pixels.
double mask_coverage(const cv::Mat& mask);

}  // namespace restora

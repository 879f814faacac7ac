// Seeded synthetic damage of old prints, painted over clean images: what automatic repair
// (restora repair) is trained to find and measured on (docs/REPAIR.md). Four kinds, their sizes
// fractions of a reference side so a training patch shows a photo's damage:
//   scratches  long thin curves 1-3 px wide (masks.h's scratch geometry), bright or dark paint
//   dust       specks 0.2-0.8 % of the side across, bright or dark, tens to hundreds of them
//   cracks     jagged branching dark lines 1-2 px wide (random walks that fork)
//   stains     soft-edged blotches of a tint (sepia, brown or grey) at partial opacity
// Each kind paints layers: a layer's elements share one colour and opacity, edges softened by a
// small blur; the composite is image·(1 − α) + colour·α. The mask holds every pixel where some
// layer's α exceeds 1/4 (what repair must replace); the pixels outside it change by at most a
// quarter of the way to the paint.
//
//   Rng rng(seed);
//   restora::Damage damage = restora::random_damage(clean_f32, rng, 512, 0.5);
//   // damage.image: the damaged photo, damage.mask: CV_8UC1, 255 = damaged
#pragma once

#include <opencv2/core.hpp>

#include "degrade/random.h"

namespace restora {

// The four kinds, in the order of Damage::kinds.
inline constexpr const char* damage_kind_names[4] = {"scratches", "dust", "cracks", "stains"};

struct Damage {
  cv::Mat image;  // CV_32F, the input's channels, in [0, 1]
  cv::Mat mask;   // CV_8UC1, 255 where damaged
  // The mask split by kind (scratches, dust, cracks, stains): CV_8UC1, 255 where a layer of that
  // kind exceeds the mask's opacity (kinds may overlap; their union is `mask`).
  cv::Mat kinds[4];
};

// image: CV_32FC1 or CV_32FC3 in [0, 1]. side: the image side element sizes refer to (0: this
// image's shorter side). amount in (0, 1] scales how many elements each kind draws (1: heavy
// damage, up to about 10 % of the pixels); 0 draws it uniformly in [0.1, 1]. Each kind is
// present with probability 0.7 (at least one always is); its element counts are proportional
// to the image's area in reference squares (side²), so a small patch of a large image may show
// none. Every draw comes from rng.
Damage random_damage(const cv::Mat& image, Rng& rng, double side = 0, double amount = 0);

}  // namespace restora

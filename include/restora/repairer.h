// Automatic repair of old photos: a detector finds the damage (scratches, dust, cracks, stains)
// and the inpainting model fills what it found; every other pixel comes back exactly as it went in.
//
//   #include <restora/repairer.h>
//
//   restora::Repairer repairer;                     // the shipped 'repair' and 'inpaint' models
//   restora::Repaired result = repairer.repair(restora::read_image("old.png"));
//   restora::write_image(result.image, "repaired.png");
//   // result.mask: CV_8UC1, 255 where damage was found and filled
#pragma once

#include <memory>

#include "restora/restorer.h"

namespace restora {

struct RepairOptions {
  RestoreOptions detector;   // the detector's model ("" = 'repair'), threshold, tiles, threads...
  std::string inpaint_model;  // "" = 'inpaint'; the detector's other options apply to it too
  // Pixels the found mask is widened by on every side before filling, so that the soft edges
  // of the damage are replaced too (0-16).
  int grow = 1;
};

struct Repaired {
  Image image;  // the input with the damage filled (its bit depth and alpha)
  cv::Mat mask;   // what was filled: CV_8UC1, 255 = damage (after growing)
  cv::Mat found;  // what the detector marked, before growing
};

class Repairer {
 public:
  // Throws as Restorer does for bad options or models; InvalidArgument for grow outside 0-16.
  explicit Repairer(RepairOptions options = {});
  ~Repairer();
  Repairer(Repairer&&) noexcept;
  Repairer& operator=(Repairer&&) noexcept;

  // No damage found: a copy of the input and an all-black mask. Damage everywhere (nothing left
  // to fill from): InvalidArgument.
  Repaired repair(const Image& input);
  // The two models' summaries for an image of `channels` channels.
  ModelSummary detector_for(int channels);
  ModelSummary inpainter_for(int channels);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace restora

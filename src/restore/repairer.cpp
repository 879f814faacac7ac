// restora::Repairer: the detector's mask, grown, handed to the inpainting model.
#include "restora/repairer.h"

#include <fmt/format.h>

#include <opencv2/imgproc.hpp>

namespace restora {

struct Repairer::State {
  Restorer detector, inpainter;
  int grow = 1;
};

namespace {

RestoreOptions inpainter_options(const RepairOptions& options) {
  auto inpaint = options.detector;
  inpaint.model = options.inpaint_model;
  return inpaint;
}

}  // namespace

Repairer::Repairer(RepairOptions options)
    : state_(std::make_unique<State>(State{Restorer("repair", options.detector),
                                           Restorer("inpaint", inpainter_options(options)), options.grow})) {
  if (options.grow < 0 || options.grow > 16)
    throw InvalidArgument(fmt::format("grow {} is not in 0..16 pixels", options.grow));
}

Repairer::~Repairer() = default;
Repairer::Repairer(Repairer&&) noexcept = default;
Repairer& Repairer::operator=(Repairer&&) noexcept = default;

ModelSummary Repairer::detector_for(int channels) { return state_->detector.model_for(channels); }
ModelSummary Repairer::inpainter_for(int channels) { return state_->inpainter.model_for(channels); }

Repaired Repairer::repair(const Image& input) {
  Repaired result;
  result.found = state_->detector.detect(input);
  result.mask = result.found.clone();
  if (state_->grow > 0) {
    const int side = 2 * state_->grow + 1;
    cv::dilate(result.mask, result.mask, cv::getStructuringElement(cv::MORPH_ELLIPSE, {side, side}));
  }
  if (cv::countNonZero(result.mask) == static_cast<int>(result.mask.total()))
    throw InvalidArgument("damage was found everywhere: no pixel is left to fill from");
  result.image = state_->inpainter.restore(input, result.mask);  // an empty mask: a copy
  return result;
}

}  // namespace restora

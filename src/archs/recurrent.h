// Recurrent video restoration: a network that restores a clip frame by frame and carries what it
// has seen in a hidden state, so a clip of any length streams through it in constant memory.
//
//   auto network = archs::build_network("recurrent", config);      // traits().recurrent
//   auto& video = dynamic_cast<archs::RecurrentNetworkImpl&>(*network);
//   archs::RecurrentState state;                                    // empty: a clip starts
//   for (frame : clip) out = video.step(frame, scale, state);       // N×C×sH×sW per frame
#pragma once

#include "archs/network.h"

namespace restora::archs {

// What a recurrent network carries between frames, all at the input's size (N×·×H×W).
// Undefined tensors mean the clip starts here.
struct RecurrentState {
  torch::Tensor previous_lq;   // the previous input frame
  torch::Tensor hidden;        // the hidden features
  torch::Tensor previous_out;  // the previous output, folded to the input's size (C·s² channels)
  bool empty() const { return !hidden.defined(); }
};

class RecurrentNetworkImpl : public RestorationNetworkImpl {
 public:
  // One frame N×C×H×W -> its restoration N×C×sH×sW; updates `state`.
  virtual torch::Tensor step(const torch::Tensor& lq, int scale, RecurrentState& state) = 0;
  // NetworkInput::lq is a clip N×T×C×H×W (-> N×T×C×sH×sW, from an empty state) or one frame
  // N×C×H×W (restored as a clip of one frame).
  torch::Tensor forward(const NetworkInput& input) override;
};

// RRN-style network (Isobe et al. 2020, "Revisiting temporal modeling for video
// super-resolution"), config: channels, num_features, num_blocks, scale, alignment.
// Per frame: [lq_t, lq_{t-1}, hidden_{t-1}, out_{t-1} folded] -> conv -> residual blocks ->
// (a) pixel-shuffle head on a nearest anchor of lq_t: out_t, (b) conv + ReLU: hidden_t.
// alignment "flow": a small network estimates the motion from lq_{t-1} to lq_t and the hidden
// state and previous output are warped along it first (learned without flow supervision);
// "none": the network aligns implicitly through its receptive field.
RestorationNetwork make_recurrent(const nlohmann::json& config);

}  // namespace restora::archs

#include "codec/rans.h"

#include <algorithm>

#include "restora/errors.h"

namespace restora::codec {
namespace {

constexpr uint32_t state_low = 1u << 23;  // the state stays in [state_low, state_low << 8)

}  // namespace

void RansEncoder::put(uint32_t start, uint32_t frequency) {
  if (frequency == 0 || start + frequency > probability_total)
    throw InvalidArgument("rANS: a symbol's slot must be non-empty and inside 2^16");
  slots_.push_back(start << probability_bits | (frequency - 1));
}

std::vector<uint8_t> RansEncoder::finish() {
  std::vector<uint8_t> reversed;
  reversed.reserve(slots_.size() / 2 + 8);
  uint32_t state = state_low;
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) {
    const uint32_t start = *it >> probability_bits;
    const uint32_t frequency = (*it & (probability_total - 1)) + 1;
    const uint32_t limit = ((state_low >> probability_bits) << 8) * frequency;
    while (state >= limit) {
      reversed.push_back(static_cast<uint8_t>(state & 0xff));
      state >>= 8;
    }
    state = ((state / frequency) << probability_bits) + (state % frequency) + start;
  }
  for (int i = 0; i < 4; ++i) {
    reversed.push_back(static_cast<uint8_t>(state & 0xff));
    state >>= 8;
  }
  slots_.clear();
  // Bytes were produced last-first; the decoder reads them first-first.
  return {reversed.rbegin(), reversed.rend()};
}

RansDecoder::RansDecoder(const uint8_t* data, size_t size) : data_(data), size_(size) {
  if (size < 4) throw FormatError("entropy-coded section shorter than its 4-byte state");
  for (int i = 0; i < 4; ++i) state_ = state_ << 8 | data_[position_++];
  if (state_ < state_low) throw FormatError("entropy-coded section starts with an invalid state");
}

void RansDecoder::advance(uint32_t start, uint32_t frequency) {
  state_ = frequency * (state_ >> probability_bits) + (state_ & (probability_total - 1)) - start;
  while (state_ < state_low) {
    if (position_ == size_) throw FormatError("entropy-coded section ends too early");
    state_ = state_ << 8 | data_[position_++];
  }
}

void RansDecoder::finish() const {
  if (position_ != size_ || state_ != state_low)
    throw FormatError("entropy-coded section does not end where its symbols do (corrupted)");
}

}  // namespace restora::codec

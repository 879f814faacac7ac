// rANS entropy coding (Duda 2013), byte-wise renormalization as in Giesen's rans_byte: a 32-bit
// state kept in [2^23, 2^31), symbols given as slots [start, start + frequency) of a 2^16 total.
// Pure integer arithmetic, so every machine makes the same decisions.
//
//   RansEncoder encoder;
//   encoder.put(start, frequency);   // in the order the decoder will read them
//   std::vector<uint8_t> bytes = encoder.finish();
//   RansDecoder decoder(bytes.data(), bytes.size());
//   uint32_t slot = decoder.peek();  // find the symbol whose slot holds it, then
//   decoder.advance(start, frequency);
//   decoder.finish();                // throws unless the stream ended exactly here
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace restora::codec {

constexpr int probability_bits = 16;
constexpr uint32_t probability_total = 1u << probability_bits;

class RansEncoder {
 public:
  // Queues one symbol; 0 < frequency, start + frequency <= probability_total.
  void put(uint32_t start, uint32_t frequency);
  // Codes the queued symbols (rANS codes last-in first-out, so it runs them backwards).
  std::vector<uint8_t> finish();
  size_t queued() const { return slots_.size(); }

 private:
  std::vector<uint32_t> slots_;  // start << 16 | (frequency − 1)
};

class RansDecoder {
 public:
  // Throws FormatError when the stream is too short to hold a state.
  RansDecoder(const uint8_t* data, size_t size);
  uint32_t peek() const { return state_ & (probability_total - 1); }
  // Consumes the symbol whose slot holds peek(); throws FormatError when the stream runs out.
  void advance(uint32_t start, uint32_t frequency);
  // Throws FormatError unless every byte was read and the state is back at its start value.
  void finish() const;

 private:
  const uint8_t* data_;
  size_t size_, position_ = 0;
  uint32_t state_ = 0;
};

}  // namespace restora::codec

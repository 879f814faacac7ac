#include "degrade/random.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <sstream>

#include "restora/errors.h"

namespace restora {
namespace {

constexpr uint64_t kGoldenGamma = 0x9E3779B97F4A7C15ULL;
constexpr const char* kStateTag = "xoshiro256ss-v1";

// The SplitMix64 output function (Steele, Lea & Flood 2014).
uint64_t splitmix64_finalize(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rotate_left(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t double_bits(double value) {
  uint64_t bits = 0;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

double bits_double(uint64_t bits) {
  double value = 0.0;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t counter = seed;
  for (uint64_t& word : state_) {
    counter += kGoldenGamma;
    word = splitmix64_finalize(counter);
  }
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotate_left(state_[1] * 5, 7) * 9;
  const uint64_t shifted = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= shifted;
  state_[3] = rotate_left(state_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next_u64() >> 11) * 0x1.0p-53; }

double Rng::uniform(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi) || lo > hi) {
    throw InvalidArgument(fmt::format("uniform range [{}, {}) is invalid", lo, hi));
  }
  return lo + (hi - lo) * uniform();
}

int Rng::uniform_int(int lo, int hi) {
  if (lo > hi) {
    throw InvalidArgument(fmt::format("uniform_int range [{}, {}] is empty", lo, hi));
  }
  const uint64_t range = static_cast<uint64_t>(static_cast<int64_t>(hi) - lo) + 1;
  // Accept only the top whole multiple of range below 2^64: (2^64 - range) % range
  // raw values are rejected, so every residue is equally likely.
  const uint64_t rejected_below = (0 - range) % range;
  uint64_t raw = next_u64();
  while (raw < rejected_below) raw = next_u64();
  return static_cast<int>(static_cast<int64_t>(lo) + static_cast<int64_t>(raw % range));
}

double Rng::normal() {
  if (has_spare_normal_) {
    has_spare_normal_ = false;
    return spare_normal_;
  }
  double u = 0.0, v = 0.0, radius2 = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    radius2 = u * u + v * v;
  } while (radius2 >= 1.0 || radius2 == 0.0);
  const double factor = std::sqrt(-2.0 * std::log(radius2) / radius2);
  spare_normal_ = v * factor;
  has_spare_normal_ = true;
  return u * factor;
}

bool Rng::coin() { return (next_u64() >> 63) != 0; }

std::string Rng::save_state() const {
  return fmt::format("{} {:016x} {:016x} {:016x} {:016x} {:d} {:016x}", kStateTag, state_[0],
                     state_[1], state_[2], state_[3], has_spare_normal_ ? 1 : 0,
                     double_bits(spare_normal_));
}

Rng Rng::restore_state(const std::string& state) {
  std::istringstream stream(state);
  std::string tag;
  Rng rng;
  int has_spare = -1;
  uint64_t spare_bits = 0;
  stream >> tag >> std::hex >> rng.state_[0] >> rng.state_[1] >> rng.state_[2] >> rng.state_[3] >>
      std::dec >> has_spare >> std::hex >> spare_bits;
  std::string rest;
  if (tag != kStateTag || stream.fail() || (stream >> rest) || (has_spare != 0 && has_spare != 1)) {
    throw FormatError(fmt::format("invalid Rng state '{}': expected '{} <4 hex words> <0|1> <hex>'",
                                  state, kStateTag));
  }
  if (rng.state_ == std::array<uint64_t, 4>{}) {
    throw FormatError(fmt::format("invalid Rng state '{}': all-zero xoshiro state", state));
  }
  rng.has_spare_normal_ = has_spare == 1;
  rng.spare_normal_ = bits_double(spare_bits);
  return rng;
}

uint64_t Rng::mix(uint64_t a, uint64_t b) {
  return splitmix64_finalize(splitmix64_finalize(a + kGoldenGamma) ^ (b + 2 * kGoldenGamma));
}

}  // namespace restora

// Rng: the seeded random generator every degradation sampler takes.
//
//   restora::Rng rng(restora::Rng::mix(seed, step));
//   double sigma = rng.uniform(5.0, 50.0);
//   std::string saved = rng.save_state();  // ... later: Rng::restore_state(saved)
//
// Algorithms are fixed here rather than taken from <random>, whose
// distributions differ between libstdc++ and libc++: SplitMix64 seeding,
// xoshiro256** (Blackman & Vigna 2018) for the 64-bit stream, 53-bit
// uniforms, rejection sampling for integers and the Marsaglia polar method
// for normals. The integer stream, uniform() and uniform_int() are
// bit-identical on every platform; normal() also depends on std::log and
// std::sqrt, so it is bit-identical wherever libm's log rounds the same way
// (e.g. every glibc build).
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace restora {

class Rng {
 public:
  explicit Rng(uint64_t seed);

  // The next raw 64-bit output of xoshiro256**.
  uint64_t next_u64();

  // Uniform in [0, 1) with 53 random bits: (next_u64() >> 11) * 2^-53.
  double uniform();

  // lo + (hi - lo) * uniform(), in [lo, hi) up to rounding; lo <= hi, both
  // finite, else InvalidArgument.
  double uniform(double lo, double hi);

  // Uniform integer in [lo, hi] inclusive, without modulo bias (rejection).
  // lo <= hi, else InvalidArgument.
  int uniform_int(int lo, int hi);

  // Standard normal N(0, 1), Marsaglia polar method; the second value of
  // each pair is kept for the next call (and in save_state()).
  double normal();

  // Fair coin: the top bit of next_u64().
  bool coin();

  // One-line text holding the complete state; restore_state() of it
  // continues the exact same stream. A malformed string -> FormatError.
  std::string save_state() const;
  static Rng restore_state(const std::string& state);

  // Derives a well-spread seed from two values, e.g. mix(mix(seed, step), sample),
  // so that neighbouring inputs give unrelated streams. Not symmetric:
  // mix(a, b) != mix(b, a) in general. Not cryptographic.
  static uint64_t mix(uint64_t a, uint64_t b);

 private:
  Rng() = default;

  std::array<uint64_t, 4> state_{};
  bool has_spare_normal_ = false;
  double spare_normal_ = 0.0;
};

}  // namespace restora

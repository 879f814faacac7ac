"""Independent Python implementation of restora::Rng for golden values.

SplitMix64 seeding, xoshiro256** (Blackman & Vigna), 53-bit uniforms,
rejection-sampled integers and the Marsaglia polar method, written from the
published algorithms. Run with Debian's python:
    /usr/bin/python3 tests/degrade/reference/random_reference.py
and paste the printed values into tests/degrade/test_random.cpp.
"""
import math

MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def splitmix64_finalize(z):
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def rotl(x, k):
    return ((x << k) | (x >> (64 - k))) & MASK


class Rng:
    def __init__(self, seed):
        self.s = []
        counter = seed
        for _ in range(4):
            counter = (counter + GOLDEN_GAMMA) & MASK
            self.s.append(splitmix64_finalize(counter))
        self.spare = None

    def next_u64(self):
        s = self.s
        result = (rotl((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rotl(s[3], 45)
        return result

    def uniform(self):
        return (self.next_u64() >> 11) * 2.0**-53

    def uniform_int(self, lo, hi):
        span = hi - lo + 1
        threshold = (2**64 - span) % span
        while True:
            raw = self.next_u64()
            if raw >= threshold:
                return lo + raw % span

    def normal(self):
        if self.spare is not None:
            value, self.spare = self.spare, None
            return value
        while True:
            u = 2.0 * self.uniform() - 1.0
            v = 2.0 * self.uniform() - 1.0
            r2 = u * u + v * v
            if 0.0 < r2 < 1.0:
                break
        factor = math.sqrt(-2.0 * math.log(r2) / r2)
        self.spare = v * factor
        return u * factor


def mix(a, b):
    return splitmix64_finalize(splitmix64_finalize((a + GOLDEN_GAMMA) & MASK) ^ ((b + 2 * GOLDEN_GAMMA) & MASK))


def main():
    rng = Rng(1)
    print("next_u64, seed 1:", ", ".join(f"0x{rng.next_u64():016X}ULL" for _ in range(4)))
    rng = Rng(1)
    print("uniform, seed 1:", ", ".join(repr(rng.uniform()) for _ in range(3)))
    rng = Rng(1)
    print("uniform_int(1, 6), seed 1:", ", ".join(str(rng.uniform_int(1, 6)) for _ in range(10)))
    rng = Rng(1)
    print("uniform_int(-2147483648, 2147483647), seed 1:",
          ", ".join(str(rng.uniform_int(-2**31, 2**31 - 1)) for _ in range(3)))
    rng = Rng(1)
    print("normal, seed 1:", ", ".join(repr(rng.normal()) for _ in range(5)))
    print("mix(1, 2):", f"0x{mix(1, 2):016X}ULL", " mix(2, 1):", f"0x{mix(2, 1):016X}ULL")
    print("next_u64, seed 0:", f"0x{Rng(0).next_u64():016X}ULL")


if __name__ == "__main__":
    main()

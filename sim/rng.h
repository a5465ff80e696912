// Deterministic pseudo-random helpers (SplitMix64). Pure functions and a tiny
// generator object; no global state. Not thread-safe per object; share seeds,
// not generators.
#pragma once

#include <cmath>
#include <cstdint>

namespace di::sim {

// One SplitMix64 step: a well-mixed 64-bit hash of X.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Hash of several values, order-sensitive.
inline uint64_t HashOf(uint64_t a, uint64_t b) { return Mix64(Mix64(a) ^ (b * 0x632be59bd9b4e019ULL)); }
inline uint64_t HashOf(uint64_t a, uint64_t b, uint64_t c) { return HashOf(HashOf(a, b), c); }

// A small deterministic generator seeded from a hash.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t Next() { return Mix64(state_++ * 0x9e3779b97f4a7c15ULL + 0x7f4a7c15ULL); }
  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * (1.0 / 9007199254740992.0); }
  // Uniform integer in [lo, hi]. REQUIRES: lo <= hi.
  int64_t Range(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool Chance(double p) { return Uniform() < p; }
  // Standard normal (Box-Muller).
  double Normal() {
    double u1 = Uniform();
    double u2 = Uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  // Picks an index by cumulative weights (last element is the total).
  template <typename Vec>
  size_t PickWeighted(const Vec& cumulative) {
    double x = Uniform() * cumulative.back();
    size_t lo = 0, hi = cumulative.size() - 1;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (cumulative[mid] > x)
        hi = mid;
      else
        lo = mid + 1;
    }
    return lo;
  }

 private:
  uint64_t state_;
};

}  // namespace di::sim

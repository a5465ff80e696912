// Real inventory shape for planner tests and the benchmark: offer counts per
// total-price band of the February 2026 Nivoda natural-feed scan. Immutable data;
// thread-safe.
#pragma once

#include <cstdint>
#include <vector>

namespace di::plan::testing {

// Offers priced from `from` to `to` whole dollars, both inclusive.
struct DensityBand {
  int64_t from = 0;
  int64_t to = 0;
  int64_t count = 0;
};

// 57 bands from $0 to $249,999 (428,771 offers).
const std::vector<DensityBand>& Nivoda2026DollarValueBands();
// The scan's total ("baseline"): the bands plus offers at $250,000 and above.
constexpr int64_t kNivoda2026Baseline = 437849;

}  // namespace di::plan::testing

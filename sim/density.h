// Density: the shape of an inventory by total price, read from a density file
// (`{"timestamp", "baseline", "dollar_value": [{"from","to","count"}...]}`, the
// format of ../shared/data/nivoda-density-*.json), and PriceSampler, which
// draws prices in cents from it. Immutable after load; thread-safe to share.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/rng.h"

namespace di::sim {

struct DensityBand {
  int64_t from = 0;  // whole dollars, inclusive
  int64_t to = 0;    // whole dollars, inclusive
  int64_t count = 0;
};

struct Density {
  std::string timestamp;           // ISO-8601 of the scan (may be empty)
  int64_t baseline = 0;            // total offers of the scan (>= sum of bands)
  std::vector<DensityBand> bands;  // dollar_value bands, any order
};

// Parses the JSON text of a density file.
Result<Density> ParseDensity(const std::string& json_text);
// Reads and parses FILE.
Result<Density> LoadDensity(const std::string& path);

// Draws total prices in cents. Band weights are counts; offers the bands do not
// cover (baseline - sum of counts, about 2% in the February 2026 scan) are drawn
// from a Pareto tail (alpha 1.3) above the highest band, capped at $20,000,000.
// A drawn price is a whole dollar with probability whole_dollar_fraction, else
// it has 1..99 cents. A band starting at $0 never yields a free offer: $0.00
// draws become $1.00 (no real offer is free; the consolidator rejects price 0).
class PriceSampler {
 public:
  PriceSampler(const Density& density, double whole_dollar_fraction);
  int64_t SampleCents(Rng& rng) const;
  // Fraction of draws that come from the tail above the highest band.
  double tail_fraction() const { return tail_fraction_; }

 private:
  std::vector<DensityBand> bands_;
  std::vector<double> cumulative_;
  double tail_fraction_ = 0;
  int64_t tail_from_ = 0;
  double whole_dollar_fraction_;
};

}  // namespace di::sim

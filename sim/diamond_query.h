// DiamondQuery: the filter of a count or page request, coerced from the
// GraphQL `query` argument, and the predicate that applies it to an offer.
// Semantics where NIVODA.md is silent are in sim/README.md. Plain value type;
// Matches is pure.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/inputs.h"
#include "sim/offer.h"

namespace di::sim {

// Inclusive bounds; an absent end is open. Inverted ranges (from > to) are
// `ignored`: they match every offer, as the real service returns arbitrary
// offers for them.
struct Bounds {
  int64_t lo = INT64_MIN;
  int64_t hi = INT64_MAX;
  bool ignored = false;
  bool Contains(int64_t v) const { return ignored || (v >= lo && v <= hi); }
};

struct DiamondQuery {
  std::optional<Bounds> price_cents;       // dollar_value {from,to}: [from*100, to*100+99]
  std::optional<Bounds> ppc_cents;         // dollar_per_carat, same rule
  std::optional<Bounds> updated_ms;        // updated {from,to}: ISO-8601, inclusive
  std::optional<Bounds> carat_hundredths;  // sizes {from,to}: carats rounded to 0.01
  std::optional<bool> labgrown;            // absent: both feeds
  std::optional<bool> has_image;           // true: with image only; false: without only
  std::optional<bool> has_v360;
  bool exclude_fair_poor_cuts = false;
  bool hide_memo = false;
  std::vector<int> shapes;        // catalog indexes; -1 = an unknown name (matches nothing)
  std::vector<int> availability;  // catalog indexes; -1 = unknown
  bool has_shapes = false;        // a non-empty shapes list was given
  bool has_availability = false;

  bool Matches(const Offer& offer) const;
  // True when only dollar_value and labgrown are set: counts come from the
  // sorted price index by binary search.
  bool PriceOnly() const;
};

// Coerces the `query: DiamondQuery!` argument. Unknown input fields, wrong
// types and malformed timestamps are errors.
Result<DiamondQuery> CoerceDiamondQuery(const gql::Value* value, const Inputs& inputs);

}  // namespace di::sim

// TailCounts: what the planner knows of T(x) = the number of offers priced >= x
// dollars, learned through open-ended count queries {from: x}.
//
// Any half-open price interval is a difference of two tails:
// count(x <= p < y) = T(x) - T(y), so partition sizes computed from known tails are
// exact and telescope to T(0). Fetch() sends the unknown points of a request as
// one batch (one round). Counts from a live API can disagree slightly when the
// inventory changes between queries; Tail() repairs that by taking the largest
// count known at or above x, so T stays non-increasing and no size is negative.
//
// Not thread-safe: one planner owns one TailCounts.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "plan/plan_types.h"

namespace di::plan {

class TailCounts {
 public:
  explicit TailCounts(const CountBatchFn* count_batch);

  // Queries T(x) for every x in xs (x >= 0) not yet known, as one batch; no-op
  // (and no round) when all are known. Errors from the count function are
  // returned unchanged; a reply of the wrong size or with a negative count is
  // kInternal / kCorrupt.
  Status Fetch(const std::vector<int64_t>& xs);

  bool Known(int64_t x) const { return raw_.count(x) > 0; }
  // REQUIRES: Known(x). Monotone-repaired T(x).
  int64_t Tail(int64_t x) const;
  // Offers with x <= p < y. REQUIRES: Known(x), Known(y), x <= y.
  int64_t Between(int64_t x, int64_t y) const { return Tail(x) - Tail(y); }

  // Known points in increasing price, with repaired tails.
  std::vector<std::pair<int64_t, int64_t>> Points() const;

  int queries() const { return queries_; }
  int rounds() const { return rounds_; }

 private:
  void Repair();

  const CountBatchFn* count_batch_;
  std::map<int64_t, int64_t> raw_;       // as answered
  std::map<int64_t, int64_t> repaired_;  // running max from the right
  int queries_ = 0;
  int rounds_ = 0;
};

}  // namespace di::plan

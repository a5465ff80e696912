// Plan types: price ranges, partitions, the count interface and a plan.
//
// Prices are total offer prices. Nivoda prices offers in cents but filters them
// with whole-dollar bounds, both ends inclusive: a range {from, to} matches an
// offer priced p dollars (p may be fractional, e.g. 1999.50) iff from <= p <= to;
// an open-ended range {from, nullopt} matches iff from <= p.
//
// Partitions overlap by their boundary dollar: partition i is [B_i, B_{i+1}] and
// partition i+1 starts at B_{i+1}, so an offer at 1999.50 is never lost between
// [.., 1999] and [2000, ..]. expected_records of a partition counts the offers
// with B_i <= p < B_{i+1} (half-open; the last partition counts p >= B_last), so
// the expected records of a plan sum exactly to the total: an offer priced at
// exactly B_{i+1}.00 is fetched by both neighbours but counted once, by the upper.
//
// All types are plain values; nothing here is internally synchronised.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace di::plan {

// A dollar_value filter: whole dollars, both ends inclusive; no `to` = open-ended.
struct PriceRange {
  int64_t from_dollars = 0;
  std::optional<int64_t> to_dollars;

  bool operator==(const PriceRange&) const = default;
};

// Answers a batch of count queries (diamonds_by_query_count with dollar_value set
// to each range, plus whatever fixed filters the caller binds, e.g. `updated` for
// an incremental run). The I/O layer may run the queries of one batch
// concurrently; the planner waits for the whole batch, so planning wall time
// follows the number of batches ("rounds"), not the number of queries.
// Contract: returns one non-negative count per range, in order, or a non-ok
// Status (which the planner returns unchanged). May be called from one thread at
// a time; the planner never calls it concurrently.
using CountBatchFn = std::function<Result<std::vector<int64_t>>(const std::vector<PriceRange>&)>;

// One work item's price range: [price_min, price_max] inclusive as a query, with
// price_max unset for the last (open-ended) partition. See the header comment for
// how expected_records is attributed.
struct Partition {
  int id = 0;
  int64_t price_min = 0;
  std::optional<int64_t> price_max;
  int64_t expected_records = 0;

  bool operator==(const Partition&) const = default;
};

// Told of partitions that are final before planning ends (the adaptive
// algorithm; see adaptive_planner.h): each call carries partitions of the final
// plan not reported before, with their final ids and expected_records, in price
// order within the call; never every partition (at least two are left for the
// end of planning). TOTAL is the plan's total_records. A non-ok Status stops
// planning and is returned unchanged. A reported partition is the final plan's
// except in the rare case adaptive_planner.h names: compare before relying on it.
using FinalPartitionsFn = std::function<Status(int64_t total, const std::vector<Partition>& partitions)>;

// One bar of the density histogram: `count` offers with from <= p < to (to unset:
// p >= from). The seed algorithm's samples are its scanned chunks {from, to - 1},
// inclusive, which leave out offers priced strictly between to - 1 and to.
struct DensitySample {
  int64_t from_dollars = 0;
  std::optional<int64_t> to_dollars;
  int64_t count = 0;
};

// Limits of one plan. Full runs use the defaults; incremental runs 10 partitions.
struct PlanOptions {
  int max_partitions = 30;                   // HEATMAP_MAX_WORKERS
  int64_t min_records_per_partition = 1000;  // HEATMAP_MIN_RECORDS_PER_WORKER
};

inline PlanOptions FullRunPlanOptions() { return PlanOptions{}; }
inline PlanOptions IncrementalRunPlanOptions() { return PlanOptions{10, 1000}; }

// The outcome of planning. An empty `partitions` means zero offers: the caller
// warns and records a run with no work items.
struct Plan {
  std::string algorithm;              // "adaptive" or "seed"
  std::vector<Partition> partitions;  // contiguous, from $0, last open-ended
  int64_t total_records = 0;          // == sum of expected_records
  int count_queries = 0;              // count queries sent, all rounds
  int count_rounds = 0;               // batches sent (sequential round trips)
  // Of count_queries, those spent after the density scan only to make
  // expected_records exact (the seed algorithm's scan cannot); 0 for adaptive.
  int attribution_queries = 0;
  std::vector<DensitySample> density;  // what the scan learned, by price
};

// Largest expected_records over the mean; 0 for an empty plan.
double LargestOverMean(const Plan& plan);

}  // namespace di::plan

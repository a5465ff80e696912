// RunChangeList: what one run's consolidation did to `diamonds`, stone by stone:
// the stones it added, changed, soft-deleted and undeleted (table
// diamond_changes, written by the consolidator in the same transactions as
// the changes; docs/SCHEMA.md), each with its current row's shape, carats,
// colour, clarity, price and status. What `diamond-ingest changes --run-id`
// prints.
//
// LoadRunChanges() only reads. FormatRunChanges() is pure: a summary line,
// then one tab-separated line per stone under a header line.
// Thread-safety: plain values and free functions; LoadRunChanges uses the
// given connection from the calling thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di {

// The kinds of change, in listing order.
inline constexpr const char* kChangeKinds[] = {"added", "changed", "deleted", "undeleted"};

struct ChangedStone {
  std::string change;  // one of kChangeKinds
  std::string supplier_stone_id;
  // The stone's row in `diamonds` now (not as it was at the run).
  std::optional<std::string> shape, carats, color, clarity;
  std::optional<int64_t> price_cents;
  std::string status;  // active | deleted
};

struct RunChangeList {
  std::string run_id, feed, run_type, status;
  int64_t counts[4] = {0, 0, 0, 0};  // per kChangeKinds, distinct stones
  std::vector<ChangedStone> stones;  // ordered by kind, then stone id
  // Consolidated before changes were recorded (the diamond_changes migration).
  bool consolidated_before_recording = false;
};

struct ChangesRequest {
  std::string run_id;
  std::string change;  // "" = every kind, else one of kChangeKinds
  int64_t limit = 0;   // stones listed at most; 0 = all
};

// The run's changes; nullopt when the run is unknown. kInvalidArgument for a
// change kind that is not one of kChangeKinds.
Result<std::optional<RunChangeList>> LoadRunChanges(pg::Connection& conn, const ChangesRequest& request);

// "run ID (feed, type, status): N added, N changed, N deleted, N undeleted\n"
// then "change\tstone\tshape\tcarats\tcolor\tclarity\tprice_usd\tstatus\n"
// and one such line per stone (empty fields for NULLs; the price in dollars).
std::string FormatRunChanges(const RunChangeList& changes);

}  // namespace di

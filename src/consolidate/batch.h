// Batch: one transaction of a run's consolidation.
//
// Claims up to `limit` raw rows of the feed that are not consolidated
// (FOR UPDATE SKIP LOCKED, so several consolidators share the work), marks
// them consolidated (consolidated_hash = payload_hash), maps each payload
// (MapOffer), writes the rows into `diamonds` (stones new to it with COPY,
// known ones with an upsert on (feed, supplier_stone_id) replacing every
// column; the raw row locks keep any other transaction from inserting the
// same stone meanwhile), records the rows that cannot be mapped in
// consolidation_failures, and adds the counts to the run's
// consolidation_stats, all in that one transaction: a crash at any point
// leaves either the whole batch or none of it.
//
// A claimed row whose payload hash equals the hash of its last consolidation
// (the payload came back to a version already consolidated) is only marked.
// Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::consolidate {

struct BatchCounts {
  int64_t claimed = 0;   // raw rows taken by this batch
  int64_t mapped = 0;    // upserted into diamonds (= inserted + updated)
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t failed = 0;    // recorded in consolidation_failures
  int64_t same_hash = 0; // only marked: payload equal to the last consolidated one
  int64_t changed = 0;   // mapped or failed rows last seen by the run being consolidated
  int64_t map_us = 0;    // time spent in MapOffer (microseconds)

  void Add(const BatchCounts& o);
};

// Runs one batch for RUN_ID over up to LIMIT unconsolidated raw rows of FEED
// (whichever the index gives first). claimed == 0 means no row was free (none
// left, or all locked by others).
// REQUIRES: no open transaction on CONN; LIMIT > 0.
Result<BatchCounts> ConsolidateBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                     int limit);

// The stone ids of FEED's unconsolidated raw rows, in heap order: a pass walks
// this list in slices (ConsolidateListed) instead of re-scanning the partial
// index from its start for every batch, which grows quadratic as the index
// fills with entries of rows already consolidated.
Result<std::vector<std::string>> ListUnconsolidated(pg::Connection& conn, const std::string& feed);

// Runs one batch over STONES[BEGIN, END): those still unconsolidated and not
// locked by another transaction (the others are skipped; a later listing
// finds them again if they are still unconsolidated).
// REQUIRES: no open transaction on CONN.
Result<BatchCounts> ConsolidateListed(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                      const std::vector<std::string>& stones, size_t begin, size_t end);


}  // namespace di::consolidate

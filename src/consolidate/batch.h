// Batch: one transaction of a run's consolidation. Claims up to `limit` of the
// feed's unconsolidated raw rows (FOR UPDATE SKIP LOCKED, so consolidators share
// the work), maps each payload, writes `diamonds` rows with their payload_hash,
// records the rows that cannot be mapped, and adds the counts to the run's
// consolidation_stats: a crash leaves the whole batch or none of it. The raw rows
// are never written; a stone another consolidator wrote meanwhile is neither
// written nor counted twice. What "unconsolidated" means, the flow and the race
// handling: src/consolidate/README.md.
// Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::consolidate {

struct BatchCounts {
  int64_t claimed = 0;  // raw rows taken by this batch
  int64_t mapped = 0;   // upserted into diamonds (= inserted + updated)
  int64_t inserted = 0;
  int64_t updated = 0;
  int64_t failed = 0;    // recorded in consolidation_failures
  int64_t changed = 0;   // mapped or failed rows last seen by the run being consolidated
  int64_t raced = 0;     // claims repeated plus rows skipped because another consolidator wrote them first
  int64_t settled = 0;   // pending notes removed (raw_pending): their payload is consolidated
  int64_t map_us = 0;    // time spent in MapOffer (microseconds)
  int64_t claim_us = 0;  // time spent in the claim statement
  int64_t write_us = 0;  // COPY, upsert, counts and commit

  void Add(const BatchCounts& o);
};

// Runs one batch for RUN_ID over up to LIMIT unconsolidated raw rows of FEED
// (whichever the index gives first). claimed == 0 means no row was free (none
// left, or all locked by others).
// REQUIRES: no open transaction on CONN; LIMIT > 0.
Result<BatchCounts> ConsolidateBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                     int limit);

// FEED's pending notes (raw_pending, sql/019): every unconsolidated raw row
// has one, and a note may name a consolidated one (ConsolidateListed settles
// it). A pass walks this list in slices (ConsolidateListed) instead of
// searching per batch.
struct PendingNotes {
  std::vector<std::string> stones;  // supplier_stone_id of each note
  std::vector<std::string> tids;    // its tuple id ("(page,item)") when listed
  size_t size() const { return stones.size(); }
};
// REQUIRES: no open transaction on CONN.
Result<PendingNotes> ListUnconsolidated(pg::Connection& conn, const std::string& feed);

// Runs one batch over NOTES[BEGIN, END): those still unconsolidated and not
// locked by another transaction (the others are skipped; a later listing
// finds them again if they are still unconsolidated), then removes the notes
// of those whose payload is consolidated (settled).
// REQUIRES: no open transaction on CONN.
Result<BatchCounts> ConsolidateListed(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                      const PendingNotes& notes, size_t begin, size_t end);

}  // namespace di::consolidate

// Raw index upkeep: every full run moves every raw row's run_id (the run that
// last saw the stone), so the two indexes of raw_diamonds_nivoda on run_id get
// a new entry per stone and full run. Their keys only increase (run ids begin
// with the run's time), so vacuum frees the old entries but a page keeps the
// few stones no later run saw and is never reused: after 30 simulated days
// their leaf density is 5% and 10% (docs/SCHEMA.md, bench_table_health).
// RebuildRawRunIndexes rebuilds them with REINDEX INDEX CONCURRENTLY (reads
// and writes go on meanwhile); the consolidator calls it after every complete
// full run it consolidates.
//
// Thread-safety: takes its own connection from the pool; two calls at once
// are safe (the second waits for the first's lock, then rebuilds again).
#pragma once

#include <cstdint>

#include "common/clock.h"
#include "store/pool.h"

namespace di {

struct IndexRebuild {
  int64_t bytes_before = 0;  // both indexes
  int64_t bytes_after = 0;
  int64_t ms = 0;
};

// Rebuilds raw_diamonds_run and raw_diamonds_run_price_stone, waiting at most
// LOCK_TIMEOUT for each lock. On failure, drops the invalid copy a failed
// concurrent rebuild leaves behind and returns the error; the old index stays.
Result<IndexRebuild> RebuildRawRunIndexes(pg::Pool& pool, Millis lock_timeout = Millis(60000));

}  // namespace di

// The writes bench_storefront runs beside the searches: raw offers of a run
// for the real consolidator, re-mapping existing stones and adding new ones.
// The `diamonds` rows themselves come from tests/support/storefront_rows.h.
// Functions take a Connection: as thread-safe as that connection.
#pragma once

#include <cstdint>
#include <string>

#include "store/pg.h"

namespace di::bench {

// Raw natural offers of RUN_ID: CHANGED stones natural-(FIRST+1).. that exist
// in `diamonds` (a new payload each: price, carats, colour, clarity, shape)
// and ADDED new ones, made from the natural nivoda-sim item of the mapping
// fixtures; then VACUUM ANALYZE raw_diamonds_nivoda.
void WriteRawOffers(pg::Connection& conn, const std::string& run_id, int64_t first, int64_t changed, int64_t added);

}  // namespace di::bench

// StorefrontRows: `diamonds` rows in the shape of the real inventory, for the
// storefront test and bench_storefront (src/store/storefront.h), generated in
// PostgreSQL from a fixed seed.
//
// Shapes by popularity (ROUND 52%, OVAL 9.5%, eight others 4.75% each); carats
// log-normal around 0.8 (0.18..15, two decimals); colours D..M and clarities
// FL..I1 weighted as offered; cuts EX/VG/GD; prices from carats, colour and
// clarity with noise (lab-grown at 15%); 5% soft-deleted; of the rest 90%
// available, 7% on hold, 3% sold. Functions take a Connection: as thread-safe
// as that connection.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "store/pg.h"

namespace di::testing {

// Inserts NATURAL + LABGROWN rows into `diamonds` ("natural-0000001", ...,
// "labgrown-0000001", ...). The secondary indexes are dropped for the load and
// built again after it (as they were), then VACUUM ANALYZE.
Status LoadStorefrontRows(pg::Connection& conn, int64_t natural, int64_t labgrown);

}  // namespace di::testing

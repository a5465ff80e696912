#include "ingest/raw_partition_sink.h"

namespace di::ingest {
namespace {
// Counted in the database: a partition of 30,000 stones is not brought over
// the wire (its prices were 20 MB of result at the peak of the worker's memory).
constexpr const char* kStoredStones =
    "SELECT count(*) FROM raw_diamonds_nivoda"
    " WHERE run_id = $1 AND price_cents >= $2 AND ($3::bigint IS NULL OR price_cents <= $3::bigint)";
}

Result<int64_t> RawPartitionSink::StoredStones(const Cell& cell) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  std::optional<int64_t> hi;
  if (cell.to) hi = *cell.to * 100;
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kStoredStones, {pg::P(target_.run_id), pg::P(cell.from * 100), pg::P(hi)}));
  return r.GetInt64(0, 0);
}

}  // namespace di::ingest

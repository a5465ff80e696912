#include "ingest/raw_partition_sink.h"

namespace di::ingest {
namespace {
constexpr const char* kStoredPrices =
    "SELECT price_cents FROM raw_diamonds_nivoda"
    " WHERE run_id = $1 AND price_cents >= $2 AND ($3::bigint IS NULL OR price_cents <= $3::bigint)"
    " ORDER BY price_cents";
}

Result<std::vector<int64_t>> RawPartitionSink::StoredPrices(const Cell& cell) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  std::optional<int64_t> hi;
  if (cell.to) hi = *cell.to * 100;
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kStoredPrices, {pg::P(target_.run_id), pg::P(cell.from * 100), pg::P(hi)}));
  std::vector<int64_t> prices;
  prices.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) prices.push_back(r.GetInt64(i, 0));
  return prices;
}

}  // namespace di::ingest

#include "roles/raw_index_upkeep.h"

#include <string>

#include "common/log.h"

namespace di {
namespace {

// Fixed identifiers of sql/001 and sql/004 (REINDEX takes no parameters).
constexpr const char* kIndexes[] = {"raw_diamonds_run", "raw_diamonds_run_price_stone"};

constexpr const char* kSizes =
    "SELECT coalesce(sum(pg_relation_size(c.oid)), 0)::bigint FROM pg_class c"
    " WHERE c.relname IN ('raw_diamonds_run', 'raw_diamonds_run_price_stone') AND c.relkind = 'i'"
    " AND c.relnamespace = current_schema()::regnamespace";
// What a failed REINDEX CONCURRENTLY leaves: an invalid index named <index>_ccnew[N].
constexpr const char* kLeftovers =
    "SELECT quote_ident(c.relname) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " WHERE i.indrelid = 'raw_diamonds_nivoda'::regclass AND NOT i.indisvalid AND c.relname LIKE '%\\_ccnew%'";

Status DropLeftovers(pg::Connection& conn) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kLeftovers));
  for (int i = 0; i < r.rows(); ++i) {
    DI_RETURN_IF_ERROR(conn.Exec("DROP INDEX CONCURRENTLY IF EXISTS " + r.GetString(i, 0)).status());
  }
  return Status::Ok();
}

}  // namespace

Result<IndexRebuild> RebuildRawRunIndexes(pg::Pool& pool, Millis lock_timeout) {
  const int64_t started = DefaultClock().MonotonicMs();
  IndexRebuild out;
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  DI_ASSIGN_OR_RETURN(pg::QueryResult before, conn->Exec(kSizes));
  out.bytes_before = before.GetInt64(0, 0);
  DI_RETURN_IF_ERROR(
      conn->Exec("SELECT set_config('lock_timeout', $1, false)", {pg::P(std::to_string(lock_timeout.count()) + "ms")})
          .status());
  Status rebuilt = Status::Ok();
  for (const char* index : kIndexes) {
    rebuilt = conn->Exec(std::string("REINDEX INDEX CONCURRENTLY ") + index).status();
    if (!rebuilt.ok()) break;
  }
  if (!rebuilt.ok()) (void)DropLeftovers(*conn);
  (void)conn->Exec("RESET lock_timeout");
  if (!rebuilt.ok()) return rebuilt;
  DI_ASSIGN_OR_RETURN(pg::QueryResult after, conn->Exec(kSizes));
  out.bytes_after = after.GetInt64(0, 0);
  out.ms = DefaultClock().MonotonicMs() - started;
  log::Info("raw run indexes rebuilt",
            {{"bytes_before", out.bytes_before}, {"bytes_after", out.bytes_after}, {"ms", out.ms}});
  return out;
}

}  // namespace di

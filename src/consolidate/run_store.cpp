#include "consolidate/run_store.h"

#include <chrono>

namespace di::consolidate {
namespace {

constexpr const char* kBegin =
    "UPDATE run_metadata SET status = 'consolidating',"
    "  consolidation_started_at = coalesce(consolidation_started_at, now()),"
    "  consolidation_forced = consolidation_forced OR $2::boolean"
    " WHERE run_id = $1 AND status <> 'completed'";

constexpr const char* kLockRun = "SELECT status FROM run_metadata WHERE run_id = $1 FOR UPDATE";

// Undeleted stones are logged in diamond_changes, in the same statement.
// Driven from the feed's deleted rows (few; each probes the raw row of its
// stone), not from the run's raw rows (all of them).
constexpr const char* kUndelete =
    "WITH undeleted AS (UPDATE diamonds d SET status = 'active', deleted_at = NULL, last_run_id = $2,"
    "   updated_at = now()"
    " WHERE d.feed = $1 AND d.status = 'deleted' AND EXISTS (SELECT 1 FROM raw_diamonds_nivoda r"
    "   WHERE r.supplier_stone_id = d.supplier_stone_id AND r.run_id = $2)"
    "   RETURNING d.supplier_stone_id),"
    " logged AS (INSERT INTO diamond_changes (run_id, change, supplier_stone_ids)"
    "   SELECT $2, 'undeleted', array_agg(supplier_stone_id) FROM undeleted HAVING count(*) > 0)"
    " SELECT count(*) FROM undeleted";

// A complete full run (not forced): the feed's active stones the run did not
// see (no raw row of the run) are soft-deleted and logged in diamond_changes.
// Rows the run saw are not written: "the run that last saw a stone" is its raw
// row's run_id, so an unchanged run leaves `diamonds` untouched (one hash
// anti-join). Run with nested loops off (FinalizeRun): `diamonds`' statistics
// may still say "empty" after a first run's inserts, and a nested-loop
// anti-join then probes the raw table once per stone (3.1 s at 900,000).
constexpr const char* kSoftDeleteUnseen =
    "WITH deleted AS (UPDATE diamonds d SET status = 'deleted', deleted_at = now(), updated_at = now()"
    "   WHERE d.feed = $1 AND d.status = 'active' AND NOT EXISTS (SELECT 1 FROM raw_diamonds_nivoda r"
    "     WHERE r.run_id = $2 AND r.supplier_stone_id = d.supplier_stone_id)"
    "   RETURNING d.supplier_stone_id),"
    " logged AS (INSERT INTO diamond_changes (run_id, change, supplier_stone_ids)"
    "   SELECT $2, 'deleted', array_agg(supplier_stone_id) FROM deleted HAVING count(*) > 0)"
    " SELECT count(*) FROM deleted";

// The run's own price histogram (run_price_bins, sql/011), while the raw rows
// still name it (later runs take over the rows of the stones they see), and
// the stones it saw, in one read of the run's index entries (a run's raw rows
// are all of its feed: run_id alone reads the index). A stone without a price
// (or a negative one) is seen but in no bin.
constexpr const char* kClearBins = "DELETE FROM run_price_bins WHERE run_id = $1";
constexpr const char* kSeenAndBins =
    "WITH bins AS (SELECT CASE WHEN price_cents >= 0 THEN floor(log(1 + price_cents::float8 / 100) * 24)::int END"
    "   AS bin, count(*) AS offers FROM raw_diamonds_nivoda WHERE run_id = $1 GROUP BY 1),"
    " recorded AS (INSERT INTO run_price_bins (run_id, bin, offers) SELECT $1, bin, offers FROM bins"
    "   WHERE bin IS NOT NULL)"
    " SELECT coalesce(sum(offers), 0)::bigint FROM bins";

constexpr const char* kFinalStats =
    "UPDATE run_metadata SET consolidation_stats = coalesce(consolidation_stats, '{}'::jsonb) || jsonb_build_object("
    "  'seen', $2::bigint,"
    "  'unchanged', greatest(0, $2::bigint - coalesce((consolidation_stats->>'changed')::bigint, 0)),"
    "  'deleted', coalesce((consolidation_stats->>'deleted')::bigint, 0) + $3::bigint,"
    "  'undeleted', coalesce((consolidation_stats->>'undeleted')::bigint, 0) + $4::bigint)"
    " WHERE run_id = $1";

constexpr const char* kComplete =
    "UPDATE run_metadata SET status = 'completed', completed_at = coalesce(completed_at, now()),"
    "  consolidation_completed_at = now(),"
    "  watermark_after = CASE WHEN $2::boolean THEN updated_to ELSE watermark_after END"
    " WHERE run_id = $1";

}  // namespace

Result<std::optional<RunState>> LoadRunState(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(std::optional<store::RunRow> row, store::ReadRun(conn, run_id, /*count_stored=*/false));
  if (!row) return std::optional<RunState>();
  RunState s;
  s.run_id = run_id;
  s.feed = row->feed;
  s.run_type = row->run_type;
  s.status = row->status;
  s.updated_to = std::chrono::floor<Millis>(row->updated_to);  // the watermark keeps milliseconds
  s.partitions = row->partitions;
  s.in_progress = row->partitions_pending + row->partitions_running;
  s.failed = row->partitions_failed;
  return std::optional<RunState>(std::move(s));
}

Status BeginConsolidation(pg::Connection& conn, const std::string& run_id, bool force) {
  return conn.Exec(kBegin, {pg::P(run_id), pg::P(force)}).status();
}

Result<FinalizeCounts> FinalizeRun(pg::Connection& conn, const std::string& run_id, const std::string& feed,
                                   bool soft_delete) {
  FinalizeCounts out;
  pg::Transaction tx(conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(pg::QueryResult run, conn.Exec(kLockRun, {pg::P(run_id)}));
  if (run.rows() == 0) return Status(Code::kNotFound, "no run " + run_id);
  if (run.Get(0, 0) == "completed") {
    out.already_completed = true;
    return out;
  }
  // Scans of the whole feed: compiling them (JIT) would cost more than it
  // saves; the soft delete's hash of the stones seen (~60 MB at 900,000) fits.
  DI_RETURN_IF_ERROR(conn.ExecScript("SET LOCAL jit = off; SET LOCAL work_mem = '128MB'"));
  DI_ASSIGN_OR_RETURN(pg::QueryResult undeleted, conn.Exec(kUndelete, {pg::P(feed), pg::P(run_id)}));
  out.undeleted = undeleted.GetInt64(0, 0);
  if (soft_delete) {
    DI_RETURN_IF_ERROR(conn.ExecScript("SET LOCAL enable_nestloop = off"));
    DI_ASSIGN_OR_RETURN(pg::QueryResult deleted, conn.Exec(kSoftDeleteUnseen, {pg::P(feed), pg::P(run_id)}));
    DI_RETURN_IF_ERROR(conn.ExecScript("RESET enable_nestloop"));
    out.deleted = deleted.GetInt64(0, 0);
  }
  DI_RETURN_IF_ERROR(conn.Exec(kClearBins, {pg::P(run_id)}).status());
  DI_ASSIGN_OR_RETURN(pg::QueryResult seen, conn.Exec(kSeenAndBins, {pg::P(run_id)}));
  DI_RETURN_IF_ERROR(
      conn.Exec(kFinalStats, {pg::P(run_id), pg::P(seen.GetInt64(0, 0)), pg::P(out.deleted), pg::P(out.undeleted)})
          .status());
  DI_RETURN_IF_ERROR(tx.Commit());
  return out;
}

Status CompleteRun(pg::Connection& conn, const std::string& run_id, bool watermark_advanced) {
  return conn.Exec(kComplete, {pg::P(run_id), pg::P(watermark_advanced)}).status();
}

Result<ConsolidationStats> ReadStats(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(std::optional<store::RunRow> row, store::ReadRun(conn, run_id, /*count_stored=*/false));
  return row ? row->consolidation : ConsolidationStats{};
}

}  // namespace di::consolidate

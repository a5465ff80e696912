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
// see are soft-deleted and logged in diamond_changes. Rows the run saw are not
// written: "the run that last saw a stone" is its raw row's run_id.
//
// Driven from the raw rows, not from `diamonds`: every active row of
// `diamonds` has a raw row of its feed (raw rows are never deleted while their
// stone is active, and a stone that changes feeds leaves its old one: the
// triggers of sql/021), so the active stones this run did not see are those
// whose raw row names another run. Only the runs since the feed's previous
// complete full run can be named by such a row (KRunsToCheck): that run's
// finalize deleted every active stone whose raw row named an older run, and
// only a later run can make a stone active again (by seeing it, which moves
// its raw row's run_id). Runs of a feed do not overlap (`schedule` refuses
// while one is in flight), and retention keeps every run since the latest
// complete full run (RunsToPrune). Without such a run (the first full run, or
// history written before it), every run id the feed's raw rows name is checked
// (kRawRunsToCheck: one index descent per run id). The cost follows the stones
// the run did not see, not the feed's size: a first or unchanged run checks
// nothing (the anti-join of all active rows against the run's raw rows it
// replaces read 1.2-1.4 GB at 900,000 stones: 3.1-3.7 s).
constexpr const char* kLastFullRun =
    "SELECT started_at FROM run_metadata WHERE feed = $1 AND run_id <> $2 AND run_type = 'full'"
    " AND status = 'completed' AND NOT consolidation_forced ORDER BY started_at DESC LIMIT 1";
constexpr const char* kRunsToCheck =
    "SELECT coalesce(array_agg(run_id), '{}') FROM run_metadata"
    " WHERE feed = $1 AND run_id <> $2 AND started_at >= $3::timestamptz";
constexpr const char* kRawRunsToCheck =
    "WITH RECURSIVE runs AS ((SELECT run_id FROM raw_diamonds_nivoda WHERE feed = $1 ORDER BY run_id LIMIT 1)"
    " UNION ALL SELECT (SELECT r.run_id FROM raw_diamonds_nivoda r WHERE r.feed = $1 AND r.run_id > runs.run_id"
    "   ORDER BY r.run_id LIMIT 1) FROM runs WHERE runs.run_id IS NOT NULL)"
    " SELECT coalesce(array_agg(run_id), '{}') FROM runs WHERE run_id IS NOT NULL AND run_id <> $2";
// $3: the runs to check (text[]). Run with sequential scans, hash and merge
// joins off (FinalizeRun): the statistics may still say most raw rows name
// the previous full run, and the plan must stay an index walk of the runs'
// raw rows with one probe of `diamonds` each.
constexpr const char* kSoftDeleteUnseen =
    "WITH deleted AS (UPDATE diamonds d SET status = 'deleted', deleted_at = now(), updated_at = now()"
    "   FROM raw_diamonds_nivoda r WHERE r.run_id = ANY ($3::text[]) AND r.run_id <> $2"
    "   AND d.feed = $1 AND d.supplier_stone_id = r.supplier_stone_id AND d.status = 'active'"
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

// The soft delete of a complete full run (kSoftDeleteUnseen): the stones it
// did not see, found from the raw rows of the runs that may name them.
Result<int64_t> SoftDeleteUnseen(pg::Connection& conn, const std::string& run_id, const std::string& feed) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult last_full, conn.Exec(kLastFullRun, {pg::P(feed), pg::P(run_id)}));
  pg::QueryResult runs;
  if (last_full.rows() > 0) {
    DI_ASSIGN_OR_RETURN(runs, conn.Exec(kRunsToCheck, {pg::P(feed), pg::P(run_id), pg::P(last_full.GetString(0, 0))}));
  } else {
    DI_ASSIGN_OR_RETURN(runs, conn.Exec(kRawRunsToCheck, {pg::P(feed), pg::P(run_id)}));
  }
  if (runs.GetString(0, 0) == "{}") return 0;
  DI_RETURN_IF_ERROR(conn.ExecScript(
      "SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off"));
  DI_ASSIGN_OR_RETURN(pg::QueryResult deleted,
                      conn.Exec(kSoftDeleteUnseen, {pg::P(feed), pg::P(run_id), pg::P(runs.GetString(0, 0))}));
  DI_RETURN_IF_ERROR(conn.ExecScript("RESET enable_seqscan; RESET enable_hashjoin; RESET enable_mergejoin"));
  return deleted.GetInt64(0, 0);
}

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
  // The histogram reads all of the run's index entries: compiling it (JIT)
  // would cost more than it saves.
  DI_RETURN_IF_ERROR(conn.ExecScript("SET LOCAL jit = off"));
  DI_ASSIGN_OR_RETURN(pg::QueryResult undeleted, conn.Exec(kUndelete, {pg::P(feed), pg::P(run_id)}));
  out.undeleted = undeleted.GetInt64(0, 0);
  if (soft_delete) {
    DI_ASSIGN_OR_RETURN(int64_t deleted, SoftDeleteUnseen(conn, run_id, feed));
    out.deleted = deleted;
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

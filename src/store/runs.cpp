#include "store/runs.h"

namespace di::store {
namespace {

constexpr const char* kInsertRun =
    "INSERT INTO run_metadata (run_id, feed, run_type, expected_partitions, expected_records, count_queries,"
    "  watermark_before, updated_from, updated_to, planning)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7::timestamptz, $8::timestamptz, $9::timestamptz, $10)";
constexpr const char* kAddExpectedPartitions =
    "UPDATE run_metadata SET expected_partitions = expected_partitions + $2 WHERE run_id = $1 AND planning";
constexpr const char* kFinishPlanning =
    "UPDATE run_metadata r SET planning = false, count_queries = $2,"
    "   expected_partitions = (SELECT count(*) FROM partition_runs p WHERE p.run_id = r.run_id)"
    " WHERE run_id = $1 AND planning RETURNING 1";
constexpr const char* kRunsStillPlanning =
    "SELECT run_id FROM run_metadata WHERE planning AND status = 'running' AND ($1::text IS NULL OR run_id = $1)"
    " ORDER BY started_at FOR UPDATE";
constexpr const char* kStopPlanning = "UPDATE run_metadata SET planning = false WHERE run_id = $1";
constexpr const char* kInsertPartitionRun =
    "INSERT INTO partition_runs (run_id, partition_id, work_item_payload) VALUES ($1, $2, $3::jsonb)";
constexpr const char* kInsertProgress =
    "INSERT INTO partition_progress (run_id, partition_id, price_min, price_max, expected_records)"
    " VALUES ($1, $2, $3, $4, $5)";
constexpr const char* kInFlight =
    "SELECT run_id FROM run_metadata WHERE feed = $1 AND status IN ('running', 'consolidating')"
    " ORDER BY started_at DESC LIMIT 1";
constexpr const char* kClaim =
    "UPDATE partition_runs SET status = 'running', worker_id = $3, attempts = attempts + 1,"
    "   started_at = coalesce(started_at, now())"
    " WHERE run_id = $1 AND partition_id = $2 AND status IN ('pending', 'running')"
    " RETURNING 1";
constexpr const char* kExists = "SELECT status FROM partition_runs WHERE run_id = $1 AND partition_id = $2";
constexpr const char* kLoadCheckpoint =
    "SELECT next_offset, phase, pages_fetched, records_fetched FROM partition_progress"
    " WHERE run_id = $1 AND partition_id = $2";
constexpr const char* kSaveCheckpoint =
    "UPDATE partition_progress SET next_offset = CASE"
    "     WHEN $4 = 'suffix' AND phase = 'suffix' THEN least(next_offset, $3)"
    "     WHEN $4 <> phase THEN $3 ELSE greatest(next_offset, $3) END,"
    "   phase = $4,"
    "   pages_fetched = greatest(pages_fetched, $5), records_fetched = greatest(records_fetched, $6),"
    "   updated_at = now()"
    " WHERE run_id = $1 AND partition_id = $2";
constexpr const char* kEndPartition =
    "UPDATE partition_runs SET status = $3, records_processed = $4, error_message = nullif($5, ''),"
    "   completed_at = now()"
    " WHERE run_id = $1 AND partition_id = $2 AND status IN ('pending', 'running')"
    " RETURNING 1";
constexpr const char* kBumpCompleted =
    "UPDATE run_metadata SET completed_partitions = completed_partitions + 1 WHERE run_id = $1"
    " RETURNING expected_partitions, completed_partitions, failed_partitions";
constexpr const char* kBumpFailed =
    "UPDATE run_metadata SET failed_partitions = failed_partitions + 1 WHERE run_id = $1"
    " RETURNING expected_partitions, completed_partitions, failed_partitions";
constexpr const char* kSetStatus =
    "UPDATE run_metadata SET status = $2, error_message = coalesce(nullif($3, ''), error_message),"
    "   completed_at = CASE WHEN $2 IN ('completed', 'failed', 'cancelled') THEN now() ELSE completed_at END"
    " WHERE run_id = $1";
constexpr const char* kResetFailed =
    "UPDATE partition_runs SET status = 'pending', error_message = NULL, completed_at = NULL"
    " WHERE run_id = $1 AND status = 'failed' AND ($2::int IS NULL OR partition_id = $2::int)"
    " RETURNING partition_id, attempts, work_item_payload::text";
constexpr const char* kUndoFailed =
    "UPDATE run_metadata SET failed_partitions = failed_partitions - $2, status = 'running', completed_at = NULL,"
    "  error_message = NULL"
    " WHERE run_id = $1";

constexpr const char* kLockRun = "SELECT status FROM run_metadata WHERE run_id = $1 FOR UPDATE";
constexpr const char* kFailAwaitingConsolidation =
    "UPDATE run_metadata r SET status = 'failed', error_message = $2, completed_at = now()"
    " WHERE run_id = $1 AND (status = 'consolidating' OR (status = 'running' AND NOT EXISTS"
    "   (SELECT 1 FROM partition_runs p WHERE p.run_id = r.run_id AND p.status IN ('pending', 'running'))))"
    " RETURNING 1";
constexpr const char* kCancelPartitions =
    "UPDATE partition_runs SET status = 'cancelled', completed_at = now()"
    " WHERE run_id = $1 AND status IN ('pending', 'running')";
constexpr const char* kLastCompleteFull =
    "SELECT extract(epoch FROM max(updated_to)) * 1000 FROM run_metadata"
    " WHERE feed = $1 AND run_type = 'full' AND status = 'completed' AND NOT consolidation_forced";

}  // namespace

namespace {

Status InsertPartitions(pg::Connection& conn, const std::string& run_id, const std::vector<NewPartition>& partitions) {
  for (const auto& p : partitions) {
    DI_RETURN_IF_ERROR(
        conn.Exec(kInsertPartitionRun, {pg::P(run_id), pg::P(p.partition_id), pg::P(p.work_item_json)}).status());
    DI_RETURN_IF_ERROR(conn.Exec(kInsertProgress, {pg::P(run_id), pg::P(p.partition_id), pg::P(p.price_min),
                                                   pg::P(p.price_max), pg::P(p.expected_records)})
                           .status());
  }
  return Status::Ok();
}

}  // namespace

Status InsertRun(pg::Connection& conn, const NewRun& run, const std::vector<NewPartition>& partitions) {
  int64_t expected = 0;
  for (const auto& p : partitions) expected += p.expected_records;
  const int expected_partitions = static_cast<int>(partitions.size()) + (run.planning ? 1 : 0);
  DI_RETURN_IF_ERROR(conn.Exec(kInsertRun, {pg::P(run.run_id), pg::P(run.feed), pg::P(run.run_type),
                                            pg::P(expected_partitions), pg::P(run.expected_records.value_or(expected)),
                                            pg::P(run.count_queries), pg::P(run.watermark_before),
                                            pg::P(run.updated_from), pg::P(run.updated_to), pg::P(run.planning)})
                         .status());
  return InsertPartitions(conn, run.run_id, partitions);
}

Status AddPartitions(pg::Connection& conn, const std::string& run_id, const std::vector<NewPartition>& partitions) {
  DI_ASSIGN_OR_RETURN(auto r,
                      conn.Exec(kAddExpectedPartitions, {pg::P(run_id), pg::P(static_cast<int>(partitions.size()))}));
  if (r.Affected() != 1) return Status(Code::kConflict, "run " + run_id + " is not planning");
  return InsertPartitions(conn, run_id, partitions);
}

Status FinishPlanning(pg::Connection& conn, const std::string& run_id, int count_queries) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kFinishPlanning, {pg::P(run_id), pg::P(count_queries)}));
  if (r.rows() != 1) return Status(Code::kConflict, "run " + run_id + " is not planning");
  return Status::Ok();
}

Result<std::vector<std::string>> FailRunsStillPlanning(pg::Connection& conn, const std::string& error_message,
                                                       const std::optional<std::string>& run_id) {
  pg::Transaction tx(conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kRunsStillPlanning, {pg::P(run_id)}));
  std::vector<std::string> ids;
  for (int i = 0; i < r.rows(); ++i) ids.push_back(r.GetString(i, 0));
  for (const auto& id : ids) {
    DI_RETURN_IF_ERROR(CancelOpenPartitions(conn, id).status());
    DI_RETURN_IF_ERROR(conn.Exec(kStopPlanning, {pg::P(id)}).status());
    DI_RETURN_IF_ERROR(SetRunStatus(conn, id, "failed", error_message));
  }
  DI_RETURN_IF_ERROR(tx.Commit());
  return ids;
}

Result<std::optional<std::string>> RunInFlight(pg::Connection& conn, const std::string& feed) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kInFlight, {pg::P(feed)}));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.GetString(0, 0));
}

Result<ClaimResult> ClaimPartition(pg::Connection& conn, const std::string& run_id, int partition_id,
                                   const std::string& worker_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kClaim, {pg::P(run_id), pg::P(partition_id), pg::P(worker_id)}));
  if (r.rows() == 1) return ClaimResult::kClaimed;
  DI_ASSIGN_OR_RETURN(auto e, conn.Exec(kExists, {pg::P(run_id), pg::P(partition_id)}));
  return e.rows() == 0 ? ClaimResult::kUnknown : ClaimResult::kAlreadyEnded;
}

Result<Checkpoint> LoadCheckpoint(pg::Connection& conn, const std::string& run_id, int partition_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kLoadCheckpoint, {pg::P(run_id), pg::P(partition_id)}));
  if (r.rows() == 0)
    return Status(Code::kNotFound, "no progress row for " + run_id + "/" + std::to_string(partition_id));
  return Checkpoint{r.GetInt64(0, 0), r.GetString(0, 1), r.GetInt64(0, 2), r.GetInt64(0, 3)};
}

Status SaveCheckpoint(pg::Connection& conn, const std::string& run_id, int partition_id, const Checkpoint& cp) {
  return conn
      .Exec(kSaveCheckpoint, {pg::P(run_id), pg::P(partition_id), pg::P(cp.next_offset), pg::P(cp.phase),
                              pg::P(cp.pages_fetched), pg::P(cp.records_fetched)})
      .status();
}

Result<std::optional<RunCountersRow>> EndPartition(pg::Connection& conn, const std::string& run_id, int partition_id,
                                                   bool succeeded, int64_t records, const std::string& error_message) {
  DI_ASSIGN_OR_RETURN(auto ended, conn.Exec(kEndPartition, {pg::P(run_id), pg::P(partition_id),
                                                            pg::P(succeeded ? "completed" : "failed"), pg::P(records),
                                                            pg::P(error_message)}));
  if (ended.rows() == 0) return std::optional<RunCountersRow>();
  DI_ASSIGN_OR_RETURN(auto c, conn.Exec(succeeded ? kBumpCompleted : kBumpFailed, {pg::P(run_id)}));
  if (c.rows() == 0) return Status(Code::kNotFound, "run " + run_id + " not found");
  return std::optional<RunCountersRow>(RunCountersRow{
      static_cast<int>(c.GetInt64(0, 0)), static_cast<int>(c.GetInt64(0, 1)), static_cast<int>(c.GetInt64(0, 2))});
}

Status SetRunStatus(pg::Connection& conn, const std::string& run_id, const std::string& status,
                    const std::string& error_message) {
  return conn.Exec(kSetStatus, {pg::P(run_id), pg::P(status), pg::P(error_message)}).status();
}

Result<std::optional<std::string>> LockRunStatus(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kLockRun, {pg::P(run_id)}));
  if (r.rows() == 0) return std::optional<std::string>();
  return std::optional<std::string>(r.GetString(0, 0));
}

Result<bool> FailRunAwaitingConsolidation(pg::Connection& conn, const std::string& run_id,
                                          const std::string& error_message) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kFailAwaitingConsolidation, {pg::P(run_id), pg::P(error_message)}));
  return r.rows() == 1;
}

Result<int> CancelOpenPartitions(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kCancelPartitions, {pg::P(run_id)}));
  return static_cast<int>(r.Affected());
}

Result<std::optional<WallTime>> LastCompleteFullRun(pg::Connection& conn, const std::string& feed) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kLastCompleteFull, {pg::P(feed)}));
  if (r.rows() == 0 || r.IsNull(0, 0)) return std::optional<WallTime>();
  return std::optional<WallTime>(WallTime(Millis(static_cast<int64_t>(r.GetDouble(0, 0)))));
}

Result<std::vector<FailedPartition>> ResetFailedPartitions(pg::Connection& conn, const std::string& run_id,
                                                           std::optional<int> partition) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kResetFailed, {pg::P(run_id), pg::P(partition)}));
  std::vector<FailedPartition> out;
  for (int i = 0; i < r.rows(); ++i) {
    out.push_back({static_cast<int>(r.GetInt64(i, 0)), static_cast<int>(r.GetInt64(i, 1)), r.GetString(i, 2)});
  }
  if (!out.empty()) {
    DI_RETURN_IF_ERROR(conn.Exec(kUndoFailed, {pg::P(run_id), pg::P(static_cast<int>(out.size()))}).status());
  }
  return out;
}

}  // namespace di::store

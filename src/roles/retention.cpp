#include "roles/retention.h"

#include <algorithm>
#include <map>

#include "common/log.h"

namespace di {
namespace {

constexpr const char* kRunFacts =
    "SELECT run_id, feed, run_type, status, (extract(epoch FROM started_at) * 1000)::bigint, consolidation_forced"
    " FROM run_metadata";
constexpr const char* kWatermarkRuns = "SELECT last_run_id FROM watermarks";

// $1: run ids separated by newlines. The status is checked again: a run
// retried since it was read is running and stays.
constexpr const char* kDeleteRuns =
    "DELETE FROM run_metadata WHERE run_id = ANY (string_to_array($1, E'\\n'))"
    " AND status IN ('completed', 'failed', 'cancelled') RETURNING run_id";
constexpr const char* kDeleteRunChanges =
    "DELETE FROM diamond_changes WHERE run_id = ANY (string_to_array($1, E'\\n'))";
constexpr const char* kDeleteRunOfferFailures =
    "DELETE FROM raw_offer_failures WHERE run_id = ANY (string_to_array($1, E'\\n'))";
constexpr const char* kDeleteRunRequestSeconds =
    "DELETE FROM request_seconds WHERE run_id = ANY (string_to_array($1, E'\\n'))";

// $1: cutoff (epoch ms), $2: batch size.
constexpr const char* kDeleteRequestSeconds =
    "DELETE FROM request_seconds WHERE ctid = ANY (ARRAY("
    "  SELECT s.ctid FROM request_seconds s WHERE s.second < to_timestamp($1::double precision / 1000)"
    "  AND NOT EXISTS (SELECT 1 FROM run_metadata r WHERE r.run_id = s.run_id"
    "                  AND r.status IN ('running', 'consolidating'))"
    "  LIMIT $2))";
constexpr const char* kDeleteDeadLetters =
    "DELETE FROM queue_dead_letters WHERE id = ANY (ARRAY("
    "  SELECT id FROM queue_dead_letters WHERE dead_lettered_at < to_timestamp($1::double precision / 1000)"
    "  AND handled_at IS NOT NULL ORDER BY id LIMIT $2))";

bool Ended(const std::string& status) { return status == "completed" || status == "failed" || status == "cancelled"; }

std::optional<WallTime> Before(WallTime now, Millis age) {
  if (age.count() <= 0) return std::nullopt;
  return now - age;
}

int64_t EpochMs(WallTime t) { return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count(); }

std::string Joined(const std::vector<std::string>& ids, size_t begin, size_t end) {
  std::string out;
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out += '\n';
    out += ids[i];
  }
  return out;
}

// Deletes rows by STATEMENT ($1 cutoff, $2 batch) until a batch comes back short.
Status DeleteOlder(pg::Connection& conn, const char* statement, WallTime cutoff, int batch, int64_t* deleted,
                   int64_t* transactions) {
  for (;;) {
    DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(statement, {pg::P(EpochMs(cutoff)), pg::P(batch)}));
    ++*transactions;
    *deleted += r.Affected();
    if (r.Affected() < batch) return Status::Ok();
  }
}

Status DeleteRuns(pg::Connection& conn, const std::vector<std::string>& ids, int batch, PruneCounts* counts) {
  for (size_t begin = 0; begin < ids.size(); begin += static_cast<size_t>(batch)) {
    const size_t end = std::min(ids.size(), begin + static_cast<size_t>(batch));
    pg::Transaction tx(conn);
    DI_RETURN_IF_ERROR(tx.begin_status());
    DI_ASSIGN_OR_RETURN(pg::QueryResult gone, conn.Exec(kDeleteRuns, {pg::P(Joined(ids, begin, end))}));
    std::vector<std::string> deleted;
    for (int i = 0; i < gone.rows(); ++i) deleted.push_back(gone.GetString(i, 0));
    const std::string list = Joined(deleted, 0, deleted.size());
    DI_ASSIGN_OR_RETURN(pg::QueryResult changes, conn.Exec(kDeleteRunChanges, {pg::P(list)}));
    DI_ASSIGN_OR_RETURN(pg::QueryResult failures, conn.Exec(kDeleteRunOfferFailures, {pg::P(list)}));
    DI_ASSIGN_OR_RETURN(pg::QueryResult seconds, conn.Exec(kDeleteRunRequestSeconds, {pg::P(list)}));
    DI_RETURN_IF_ERROR(tx.Commit());
    counts->runs += gone.rows();
    counts->diamond_changes += changes.Affected();
    counts->offer_failures += failures.Affected();
    counts->request_seconds += seconds.Affected();
    ++counts->transactions;
  }
  return Status::Ok();
}

}  // namespace

RetentionPolicy MakeRetentionPolicy(const Config& config) {
  RetentionPolicy p;
  p.run_history = config.run_history_retention;
  p.keep_runs = config.run_history_keep_runs;
  p.request_seconds = config.request_seconds_retention;
  p.dead_letters = config.dead_letter_retention;
  return p;
}

RetentionCutoffs CutoffsAt(WallTime now, const RetentionPolicy& policy) {
  return {Before(now, policy.run_history), Before(now, policy.request_seconds), Before(now, policy.dead_letters)};
}

std::vector<std::string> RunsToPrune(const std::vector<RunFacts>& runs, const std::set<std::string>& watermark_runs,
                                     std::optional<WallTime> cutoff, int keep_runs) {
  if (!cutoff) return {};
  std::map<std::string, std::vector<const RunFacts*>> by_feed;
  for (const RunFacts& r : runs) by_feed[r.feed].push_back(&r);
  std::set<std::string> kept;
  for (auto& [feed, list] : by_feed) {
    std::stable_sort(list.begin(), list.end(),
                     [](const RunFacts* a, const RunFacts* b) { return a->started_at > b->started_at; });
    bool latest_completed = false, latest_full = false;
    for (size_t i = 0; i < list.size(); ++i) {
      const RunFacts& r = *list[i];
      if (static_cast<int64_t>(i) < keep_runs) kept.insert(r.run_id);
      if (r.status != "completed") continue;
      if (!latest_completed) kept.insert(r.run_id);
      latest_completed = true;
      if (!latest_full && r.run_type == "full" && !r.forced) {
        // It and every run since: a full run's soft delete checks the raw
        // rows they last saw (consolidate/run_store.cpp, kRunsToCheck).
        for (size_t j = 0; j <= i; ++j) kept.insert(list[j]->run_id);
        latest_full = true;
      }
    }
  }
  std::vector<std::string> out;
  for (const RunFacts& r : runs) {
    if (r.started_at >= *cutoff || !Ended(r.status) || kept.count(r.run_id) || watermark_runs.count(r.run_id)) {
      continue;
    }
    out.push_back(r.run_id);
  }
  return out;
}

Result<PruneCounts> PruneHistory(pg::Pool& pool, const RetentionPolicy& policy, WallTime now) {
  return PruneOlderThan(pool, policy, CutoffsAt(now, policy));
}

Result<PruneCounts> PruneOlderThan(pg::Pool& pool, const RetentionPolicy& policy, const RetentionCutoffs& cutoffs) {
  const int batch = std::max(1, policy.batch_size);
  PruneCounts counts;
  DI_ASSIGN_OR_RETURN(auto conn, pool.Acquire());
  if (cutoffs.runs_started_before) {
    DI_ASSIGN_OR_RETURN(pg::QueryResult rows, conn->Exec(kRunFacts));
    std::vector<RunFacts> runs;
    runs.reserve(static_cast<size_t>(rows.rows()));
    for (int i = 0; i < rows.rows(); ++i) {
      runs.push_back({rows.GetString(i, 0), rows.GetString(i, 1), rows.GetString(i, 2), rows.GetString(i, 3),
                      WallTime(Millis(rows.GetInt64(i, 4))), rows.GetBool(i, 5)});
    }
    DI_ASSIGN_OR_RETURN(pg::QueryResult marks, conn->Exec(kWatermarkRuns));
    std::set<std::string> watermark_runs;
    for (int i = 0; i < marks.rows(); ++i) watermark_runs.insert(marks.GetString(i, 0));
    const std::vector<std::string> due =
        RunsToPrune(runs, watermark_runs, cutoffs.runs_started_before, policy.keep_runs);
    DI_RETURN_IF_ERROR(DeleteRuns(*conn, due, batch, &counts));
  }
  if (cutoffs.request_seconds_before) {
    DI_RETURN_IF_ERROR(DeleteOlder(*conn, kDeleteRequestSeconds, *cutoffs.request_seconds_before, batch,
                                   &counts.request_seconds, &counts.transactions));
  }
  if (cutoffs.dead_letters_before) {
    DI_RETURN_IF_ERROR(DeleteOlder(*conn, kDeleteDeadLetters, *cutoffs.dead_letters_before, batch, &counts.dead_letters,
                                   &counts.transactions));
  }
  // Info when something went, debug otherwise (the consolidator prunes after every run).
  const bool any = counts.runs + counts.request_seconds + counts.dead_letters > 0;
  log::Write(any ? log::Level::kInfo : log::Level::kDebug, "history pruned",
             {{"runs", counts.runs},
              {"diamond_changes", counts.diamond_changes},
              {"offer_failures", counts.offer_failures},
              {"request_seconds", counts.request_seconds},
              {"dead_letters", counts.dead_letters},
              {"transactions", counts.transactions}});
  return counts;
}

}  // namespace di

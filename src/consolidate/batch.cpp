#include "consolidate/batch.h"

#include <algorithm>
#include <chrono>
#include <string_view>
#include <vector>

#include "common/log.h"
#include "consolidate/mapping.h"
#include "consolidate/row_columns.h"

namespace di::consolidate {
namespace {

// Raw rows r of feed $1 with the payload_hash of their stone's row in
// `diamonds` (c.hash: the payload last mapped; '' for a row without one, NULL
// when there is no row), one index probe per raw row whatever the statistics
// say: joined, PostgreSQL hashed a whole table per batch, or scanned
// `diamonds` per raw row while its statistics still said "empty" (the trap
// cost 82-110 ms per batch once). OFFSET 0 keeps the probe a single one.
#define DI_RAW_AND_HASH                                                                                    \
  " raw_diamonds_nivoda r CROSS JOIN LATERAL (SELECT (SELECT coalesce(d.payload_hash, '') FROM diamonds d" \
  "   WHERE d.feed = r.feed AND d.supplier_stone_id = r.supplier_stone_id) AS hash OFFSET 0) c"
// ... whose payload is not consolidated: neither mapped (hash) nor recorded
// as failing to map.
#define DI_UNCONSOLIDATED                                                                                          \
  " r.feed = $1 AND r.payload_hash IS DISTINCT FROM c.hash AND NOT EXISTS (SELECT 1 FROM consolidation_failures f" \
  "   WHERE f.supplier_stone_id = r.supplier_stone_id AND f.payload_hash = r.payload_hash)"

// Claims unconsolidated raw rows through their pending notes (raw_pending,
// sql/019), locked FOR UPDATE SKIP LOCKED (consolidators sharing a run skip
// each other's), and returns what mapping needs and whether the stone is in
// `diamonds` already. Only the notes are locked, never the wide raw rows: the
// batch deletes the notes it settles anyway, where locking the raw rows wrote
// every raw page once more (1.8 GB at 900,000 offers). The row source is
// ClaimAny (the feed's notes, $2 = limit) or ClaimListed ($2 = the tuple ids
// of a listing's notes: read by id, without a descent of the notes' primary
// key per stone; a note rewritten since the listing has moved, is not read,
// and stays for the next listing).
// A stone another consolidator wrote and committed after this statement's
// snapshot but before the lock is claimed again. RunBatch handles that race:
// its upsert skips rows whose hash is already the one being written, and a
// stone it believes new but finds in `diamonds` (unique violation) makes it
// claim the slice again. A writer that changes a claimed stone meanwhile
// rewrites its note after this batch commits (its trigger waits on the lock):
// the note names the new hash and stays for the next listing.
#define DI_CLAIM_SQL(source)                                                                                      \
  "SELECT r.supplier_stone_id, r.run_id, r.payload_hash, r.payload, c.hash IS NOT NULL"                           \
  " FROM raw_pending p," DI_RAW_AND_HASH " WHERE r.supplier_stone_id = p.supplier_stone_id AND" DI_UNCONSOLIDATED \
  " AND " source " FOR UPDATE OF p SKIP LOCKED"
constexpr const char* kClaimAny = DI_CLAIM_SQL("p.feed = $1 LIMIT $2");
constexpr const char* kClaimListed = DI_CLAIM_SQL("p.ctid = ANY ($2::tid[])");
#undef DI_CLAIM_SQL

// The listing: the feed's pending notes (raw_pending, sql/019), in the order
// they were written (near the raw rows' heap order). A note may name a stone
// consolidated already (a payload that changed back, a stone another
// consolidator took): the claim skips it and Settle removes its note.
constexpr const char* kList = "SELECT supplier_stone_id, ctid FROM raw_pending WHERE feed = $1";
#undef DI_UNCONSOLIDATED
#undef DI_RAW_AND_HASH

// Removes the notes naming the payloads this batch claimed, stones $1 with
// hashes $2 (text[] each): consolidated by this transaction's commit (mapped,
// recorded as failing, or written by a consolidator it raced). A note a
// writer rewrote meanwhile names another hash and stays.
constexpr const char* kSettleClaimed =
    "DELETE FROM raw_pending p USING unnest($1::text[], $2::text[]) AS w(id, hash)"
    " WHERE p.supplier_stone_id = w.id AND p.payload_hash = w.hash";

// Removes the notes of stones $1 (a text[]) whose noted payload is
// consolidated: in `diamonds` (this transaction's writes included) or recorded
// as failing to map, or whose raw row is gone. A note rewritten by a writer
// meanwhile names a newer payload: it is re-checked on its new version (the
// row lock of DELETE) and stays.
constexpr const char* kSettle =
    "DELETE FROM raw_pending p WHERE p.supplier_stone_id = ANY ($1::text[]) AND ("
    "  EXISTS (SELECT 1 FROM diamonds d WHERE d.feed = p.feed AND d.supplier_stone_id = p.supplier_stone_id"
    "    AND d.payload_hash = p.payload_hash)"
    "  OR EXISTS (SELECT 1 FROM consolidation_failures f WHERE f.supplier_stone_id = p.supplier_stone_id"
    "    AND f.payload_hash = p.payload_hash)"
    "  OR NOT EXISTS (SELECT 1 FROM raw_diamonds_nivoda r WHERE r.supplier_stone_id = p.supplier_stone_id))";

// Only a new failure counts (Affected() == 1): a consolidator that raced
// another over the same payload finds its failure recorded already.
constexpr const char* kFailure =
    "INSERT INTO consolidation_failures AS f (run_id, feed, supplier_stone_id, payload_hash, reason, raw)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (run_id, supplier_stone_id) DO UPDATE SET payload_hash = EXCLUDED.payload_hash,"
    "   reason = EXCLUDED.reason, raw = EXCLUDED.raw, recorded_at = now()"
    " WHERE f.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash";

constexpr const char* kAddStats =
    "UPDATE run_metadata SET consolidation_stats = coalesce(consolidation_stats, '{}'::jsonb) || jsonb_build_object("
    "  'mapped',   coalesce((consolidation_stats->>'mapped')::bigint, 0) + $2::bigint,"
    "  'inserted', coalesce((consolidation_stats->>'inserted')::bigint, 0) + $3::bigint,"
    "  'updated',  coalesce((consolidation_stats->>'updated')::bigint, 0) + $4::bigint,"
    "  'failed',   coalesce((consolidation_stats->>'failed')::bigint, 0) + $5::bigint,"
    "  'changed',  coalesce((consolidation_stats->>'changed')::bigint, 0) + $6::bigint)"
    " WHERE run_id = $1";

// The staging table and the upsert are built from the column list of
// row_columns.h (identifiers only; every value travels through COPY).
const std::string& StageSql() {
  static const std::string sql = "CREATE TEMP TABLE IF NOT EXISTS consolidate_stage ON COMMIT DELETE ROWS AS SELECT " +
                                 ColumnList() + " FROM diamonds WITH NO DATA";
  return sql;
}

const std::string& CopySql() {
  static const std::string sql = "COPY consolidate_stage (" + ColumnList() + ") FROM STDIN";
  return sql;
}

// Stones not in `diamonds` yet go straight in: another consolidator skips
// their notes, locked by this batch; one that claimed a stone before this
// batch's snapshot and committed it since makes the COPY fail with a unique
// violation, and the batch claims again (RunBatchRetryingRaces).
const std::string& CopyNewSql() {
  static const std::string sql = "COPY diamonds (" + ColumnList() + ") FROM STDIN";
  return sql;
}

// The stones new to `diamonds` ($2, a text[]), logged as added by run $1.
constexpr const char* kLogAdded =
    "INSERT INTO diamond_changes (run_id, change, supplier_stone_ids) VALUES ($1, 'added', $2::text[])";

// A row whose hash `diamonds` holds already was written by a consolidator
// that raced this one: skipped, not counted. Returns the rows written and
// those last seen by run $1 ("changed"); every row written is logged as
// changed by run $1 (diamond_changes), in the same statement.
const std::string& UpsertSql() {
  static const std::string sql = [] {
    std::string set;
    ForEachColumn(DiamondRow{}, [&](std::string_view name, const auto&) {
      if (name == "feed" || name == "supplier_stone_id") return;
      set += std::string(name) + " = EXCLUDED." + std::string(name) + ", ";
    });
    return "WITH up AS (INSERT INTO diamonds AS d (" + ColumnList() + ") SELECT " + ColumnList() +
           " FROM consolidate_stage ON CONFLICT (feed, supplier_stone_id) DO UPDATE SET " + set +
           "updated_at = now() WHERE d.payload_hash IS DISTINCT FROM EXCLUDED.payload_hash"
           " RETURNING d.supplier_stone_id, d.last_run_id),"
           " logged AS (INSERT INTO diamond_changes (run_id, change, supplier_stone_ids)"
           "   SELECT $1, 'changed', array_agg(supplier_stone_id) FROM up HAVING count(*) > 0)"
           " SELECT count(*), count(*) FILTER (WHERE last_run_id = $1) FROM up";
  }();
  return sql;
}

}  // namespace

void BatchCounts::Add(const BatchCounts& o) {
  claimed += o.claimed;
  mapped += o.mapped;
  inserted += o.inserted;
  updated += o.updated;
  failed += o.failed;
  changed += o.changed;
  raced += o.raced;
  settled += o.settled;
  map_us += o.map_us;
  claim_us += o.claim_us;
  write_us += o.write_us;
}

namespace {

// A text[] literal: {"a","b"} with \ and " escaped.
std::string TextArray(const std::vector<std::string>& values, size_t begin, size_t end) {
  std::string out = "{";
  for (size_t i = begin; i < end; ++i) {
    if (i > begin) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  out.push_back('}');
  return out;
}

int64_t MicrosSince(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - since).count();
}

// The SQLSTATE of a stone new to `diamonds` when this batch started and
// inserted by another consolidator since (see DI_CLAIM_SQL).
constexpr const char* kUniqueViolation = "23505";

// The stones a batch was given (ConsolidateListed): STONES[BEGIN, END).
struct Listed {
  const std::vector<std::string>* stones = nullptr;
  size_t begin = 0, end = 0;
};

// Settles the notes of the listed stones the claim did not return (CLAIMED:
// the ids it did, sorted): consolidated already, or gone.
Status SettleUnclaimed(pg::Connection& conn, const Listed& listed, const std::vector<std::string>& claimed,
                       BatchCounts* counts) {
  if (listed.stones == nullptr) return Status::Ok();
  std::vector<std::string> rest;
  for (size_t i = listed.begin; i < listed.end; ++i) {
    const std::string& id = (*listed.stones)[i];
    if (!std::binary_search(claimed.begin(), claimed.end(), id)) rest.push_back(id);
  }
  if (rest.empty()) return Status::Ok();
  DI_ASSIGN_OR_RETURN(pg::QueryResult settled, conn.Exec(kSettle, {pg::P(TextArray(rest, 0, rest.size()))}));
  counts->settled += settled.Affected();
  return Status::Ok();
}

// Settles the notes of the claimed rows (CLAIMED) by their hashes, then of
// the listed stones not claimed.
Status Settle(pg::Connection& conn, const pg::QueryResult& claimed, const Listed& listed, BatchCounts* counts) {
  std::vector<std::string> ids, hashes;
  ids.reserve(static_cast<size_t>(claimed.rows()));
  hashes.reserve(static_cast<size_t>(claimed.rows()));
  for (int i = 0; i < claimed.rows(); ++i) {
    ids.emplace_back(claimed.Get(i, 0));
    hashes.emplace_back(claimed.Get(i, 2));
  }
  if (!ids.empty()) {
    DI_ASSIGN_OR_RETURN(
        pg::QueryResult settled,
        conn.Exec(kSettleClaimed, {pg::P(TextArray(ids, 0, ids.size())), pg::P(TextArray(hashes, 0, hashes.size()))}));
    counts->settled += settled.Affected();
  }
  std::sort(ids.begin(), ids.end());
  return SettleUnclaimed(conn, listed, ids, counts);
}

// One batch over the rows CLAIM_SQL claims with PARAMS; then settles the
// notes of the rows claimed and of the LISTED stones.
Result<BatchCounts> RunBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                             const char* claim_sql, const pg::Params& params, const Listed& listed) {
  BatchCounts counts;
  pg::Transaction tx(conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  // A batch's statements are planned once each and run for milliseconds: the
  // planner's cost of a 2,000-stone claim passes jit_above_cost, and compiling
  // it (every batch: the statements are not prepared) cost ~2.5% of the
  // consolidation's CPU (perf, 900,000 offers).
  DI_RETURN_IF_ERROR(conn.ExecScript("SET LOCAL jit = off"));
  auto started = std::chrono::steady_clock::now();
  DI_ASSIGN_OR_RETURN(pg::QueryResult claimed, conn.Exec(claim_sql, params));
  counts.claim_us = MicrosSince(started);
  counts.claimed = claimed.rows();
  if (counts.claimed == 0) {  // nothing to map; the listed notes may name consolidated payloads
    if (listed.stones == nullptr) return counts;
    DI_RETURN_IF_ERROR(SettleUnclaimed(conn, listed, {}, &counts));
    DI_RETURN_IF_ERROR(tx.Commit());
    return counts;
  }

  std::string fresh;               // COPY text of stones new to `diamonds`
  std::vector<std::string> added;  // ... their ids
  std::string copy;                // COPY text of stones to upsert
  fresh.reserve(static_cast<size_t>(counts.claimed) * 900);
  started = std::chrono::steady_clock::now();
  for (int i = 0; i < claimed.rows(); ++i) {
    const std::string_view raw_run = claimed.Get(i, 1);
    Result<DiamondRow> row = MapOffer({feed, raw_run, claimed.Get(i, 3), claimed.Get(i, 2)});
    if (row.ok()) {
      // The raw key is the stone's identity (it was taken from the same diamond.id).
      row->supplier_stone_id = std::string(claimed.Get(i, 0));
      const bool known = claimed.GetBool(i, 4);
      AppendCopyLine(known ? &copy : &fresh, *row);
      if (!known) {
        added.push_back(row->supplier_stone_id);
        ++counts.inserted;
        if (raw_run == run_id) ++counts.changed;
      }
      continue;
    }
    DI_ASSIGN_OR_RETURN(
        pg::QueryResult recorded,
        conn.Exec(kFailure, {pg::P(run_id), pg::P(feed), pg::P(claimed.Get(i, 0)), pg::P(claimed.Get(i, 2)),
                             pg::P(row.status().message()), pg::P(claimed.Get(i, 3))}));
    if (recorded.Affected() == 0) continue;  // recorded by a consolidator that raced this one
    ++counts.failed;
    if (raw_run == run_id) ++counts.changed;
  }
  counts.map_us = MicrosSince(started);

  started = std::chrono::steady_clock::now();
  if (!fresh.empty()) {
    Status copied = conn.CopyIn(CopyNewSql(), fresh);
    if (copied.sqlstate() == kUniqueViolation) {
      return Status(Code::kConflict, "a stone of this batch was inserted by another consolidator: " + copied.message(),
                    copied.sqlstate());
    }
    DI_RETURN_IF_ERROR(copied);
    DI_RETURN_IF_ERROR(conn.Exec(kLogAdded, {pg::P(run_id), pg::P(TextArray(added, 0, added.size()))}).status());
  }
  if (!copy.empty()) {
    DI_RETURN_IF_ERROR(conn.Exec(StageSql()).status());
    DI_RETURN_IF_ERROR(conn.CopyIn(CopySql(), copy));
    DI_ASSIGN_OR_RETURN(pg::QueryResult up, conn.Exec(UpsertSql(), {pg::P(run_id)}));
    counts.updated = up.GetInt64(0, 0);
    counts.changed += up.GetInt64(0, 1);
  }
  counts.mapped = counts.inserted + counts.updated;
  counts.raced = counts.claimed - counts.mapped - counts.failed;
  DI_RETURN_IF_ERROR(Settle(conn, claimed, listed, &counts));
  DI_RETURN_IF_ERROR(conn.Exec(kAddStats, {pg::P(run_id), pg::P(counts.mapped), pg::P(counts.inserted),
                                           pg::P(counts.updated), pg::P(counts.failed), pg::P(counts.changed)})
                         .status());
  DI_RETURN_IF_ERROR(tx.Commit());
  counts.write_us = MicrosSince(started);
  return counts;
}

// RunBatch, claiming again (a new snapshot) when another consolidator
// inserted one of its stones meanwhile: the stones it wrote are then
// consolidated and not claimed. Each retry needs one more such race.
Result<BatchCounts> RunBatchRetryingRaces(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                          const char* claim_sql, const pg::Params& params, const Listed& listed) {
  constexpr int kAttempts = 5;
  for (int attempt = 1;; ++attempt) {
    Result<BatchCounts> counts = RunBatch(conn, feed, run_id, claim_sql, params, listed);
    if (counts.ok()) counts->raced += attempt - 1;
    if (counts.ok() || counts.status().sqlstate() != kUniqueViolation || attempt == kAttempts) return counts;
    log::Info("consolidation batch raced another consolidator, claiming again",
              {{"run_id", run_id}, {"attempt", attempt}, {"error", counts.status().message()}});
  }
}

}  // namespace

Result<BatchCounts> ConsolidateBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                     int limit) {
  return RunBatchRetryingRaces(conn, feed, run_id, kClaimAny, {pg::P(feed), pg::P(limit)}, Listed{});
}

Result<BatchCounts> ConsolidateListed(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                      const PendingNotes& notes, size_t begin, size_t end) {
  if (begin >= end) return BatchCounts{};
  return RunBatchRetryingRaces(conn, feed, run_id, kClaimListed,
                               {pg::P(feed), pg::P(TextArray(notes.tids, begin, end))},
                               Listed{&notes.stones, begin, end});
}

Result<PendingNotes> ListUnconsolidated(pg::Connection& conn, const std::string& feed) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kList, {pg::P(feed)}));
  PendingNotes out;
  out.stones.reserve(static_cast<size_t>(r.rows()));
  out.tids.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) {
    out.stones.emplace_back(r.Get(i, 0));
    out.tids.emplace_back(r.Get(i, 1));
  }
  return out;
}

}  // namespace di::consolidate

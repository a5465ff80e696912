#include "consolidate/batch.h"

#include <chrono>
#include <string_view>
#include <vector>

#include "consolidate/mapping.h"
#include "consolidate/row_columns.h"

namespace di::consolidate {
namespace {

// (The last consolidated hash is a per-row probe, a scalar subquery: joined,
// PostgreSQL hashed the whole raw_consolidation table in every batch, growing
// to the feed's size during a first consolidation: 82-110 ms per batch of
// 2,000 at 200,000 stones, 32-34 ms as a probe.)
// Claims raw rows whose payload hash differs from the hash last consolidated
// (FOR UPDATE SKIP LOCKED on the raw rows, so consolidators sharing a run skip
// each other's), records the claimed hashes in raw_consolidation and returns
// what mapping needs. The raw rows are only locked, not updated, so a row
// another consolidator claimed and committed after this statement's snapshot
// is not skipped by the lock: the upsert's WHERE (which sees the latest
// committed hash) drops it, and only rows the upsert changed are returned. $1 feed; the row source is
// ClaimAny (any unconsolidated rows, $2 = limit) or ClaimListed ($2 = the stone
// ids of a listing).
#define DI_CLAIM_SQL(source)                                                                            \
  "WITH src AS (SELECT r.supplier_stone_id, r.run_id, r.payload_hash, r.payload"                        \
  "  FROM raw_diamonds_nivoda r"                                                                         \
  "  WHERE r.feed = $1 AND r.payload_hash IS DISTINCT FROM"                                              \
  "    (SELECT c.consolidated_hash FROM raw_consolidation c WHERE c.supplier_stone_id = r.supplier_stone_id)" \
  "    AND " source                                                                                          \
  "  FOR UPDATE OF r SKIP LOCKED),"                                                                     \
  " mark AS (INSERT INTO raw_consolidation AS m (supplier_stone_id, consolidated_hash)"                  \
  "  SELECT supplier_stone_id, payload_hash FROM src"                                                   \
  "  ON CONFLICT (supplier_stone_id) DO UPDATE SET consolidated_hash = EXCLUDED.consolidated_hash,"     \
  "    consolidated_at = now() WHERE m.consolidated_hash IS DISTINCT FROM EXCLUDED.consolidated_hash"      \
  "  RETURNING supplier_stone_id)"                                                                      \
  " SELECT s.supplier_stone_id, s.run_id, s.payload_hash, s.payload,"                                   \
  "   (SELECT d.id FROM diamonds d WHERE d.feed = $1 AND d.supplier_stone_id = s.supplier_stone_id) IS NOT NULL" \
  " FROM src s WHERE s.supplier_stone_id IN (SELECT supplier_stone_id FROM mark)"
constexpr const char* kClaimAny = DI_CLAIM_SQL("true LIMIT $2");
constexpr const char* kClaimListed = DI_CLAIM_SQL("r.supplier_stone_id = ANY ($2::text[])");
#undef DI_CLAIM_SQL

// Heap order of the raw table.
constexpr const char* kList =
    "SELECT supplier_stone_id FROM raw_consolidation_state WHERE feed = $1 AND NOT consolidated";

constexpr const char* kFailure =
    "INSERT INTO consolidation_failures (run_id, feed, supplier_stone_id, payload_hash, reason, raw)"
    " VALUES ($1, $2, $3, $4, $5, $6)"
    " ON CONFLICT (run_id, supplier_stone_id) DO UPDATE SET payload_hash = EXCLUDED.payload_hash,"
    "   reason = EXCLUDED.reason, raw = EXCLUDED.raw, recorded_at = now()";

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

// Stones not in `diamonds` yet go straight in: no other transaction can insert
// them meanwhile, because their raw rows are locked by this one.
const std::string& CopyNewSql() {
  static const std::string sql = "COPY diamonds (" + ColumnList() + ") FROM STDIN";
  return sql;
}

const std::string& UpsertSql() {
  static const std::string sql = [] {
    std::string set;
    ForEachColumn(DiamondRow{}, [&](std::string_view name, const auto&) {
      if (name == "feed" || name == "supplier_stone_id") return;
      set += std::string(name) + " = EXCLUDED." + std::string(name) + ", ";
    });
    return "WITH up AS (INSERT INTO diamonds AS d (" + ColumnList() + ") SELECT " + ColumnList() +
           " FROM consolidate_stage ON CONFLICT (feed, supplier_stone_id) DO UPDATE SET " + set +
           "updated_at = now() RETURNING 1) SELECT count(*) FROM up";
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
  map_us += o.map_us;
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

// One batch over the rows CLAIM_SQL claims with PARAMS.
Result<BatchCounts> RunBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                             const char* claim_sql, const pg::Params& params) {
  BatchCounts counts;
  pg::Transaction tx(conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(pg::QueryResult claimed, conn.Exec(claim_sql, params));
  counts.claimed = claimed.rows();
  if (counts.claimed == 0) return counts;  // rolled back: nothing to do

  std::string fresh;   // COPY text of stones new to `diamonds`
  std::string copy;    // COPY text of stones to upsert
  fresh.reserve(static_cast<size_t>(counts.claimed) * 900);
  auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < claimed.rows(); ++i) {
    const std::string_view raw_run = claimed.Get(i, 1);
    if (raw_run == run_id) ++counts.changed;
    Result<DiamondRow> row = MapOffer({feed, raw_run, claimed.Get(i, 3), claimed.Get(i, 2)});
    if (row.ok()) {
      // The raw key is the stone's identity (it was taken from the same diamond.id).
      row->supplier_stone_id = std::string(claimed.Get(i, 0));
      const bool known = claimed.GetBool(i, 4);
      AppendCopyLine(known ? &copy : &fresh, *row);
      ++(known ? counts.updated : counts.inserted);
      continue;
    }
    ++counts.failed;
    DI_RETURN_IF_ERROR(conn.Exec(kFailure, {pg::P(run_id), pg::P(feed), pg::P(claimed.Get(i, 0)),
                                            pg::P(claimed.Get(i, 2)), pg::P(row.status().message()),
                                            pg::P(claimed.Get(i, 3))})
                           .status());
  }
  counts.map_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();

  if (!fresh.empty()) {
    DI_RETURN_IF_ERROR(conn.CopyIn(CopyNewSql(), fresh));
  }
  if (!copy.empty()) {
    DI_RETURN_IF_ERROR(conn.Exec(StageSql()).status());
    DI_RETURN_IF_ERROR(conn.CopyIn(CopySql(), copy));
    DI_ASSIGN_OR_RETURN(pg::QueryResult up, conn.Exec(UpsertSql()));
    if (up.GetInt64(0, 0) != counts.updated) {
      return Status(Code::kInternal, "upsert wrote " + std::string(up.Get(0, 0)) + " rows of " +
                                         std::to_string(counts.updated));
    }
  }
  counts.mapped = counts.inserted + counts.updated;
  DI_RETURN_IF_ERROR(conn.Exec(kAddStats, {pg::P(run_id), pg::P(counts.mapped), pg::P(counts.inserted),
                                           pg::P(counts.updated), pg::P(counts.failed), pg::P(counts.changed)})
                         .status());
  DI_RETURN_IF_ERROR(tx.Commit());
  return counts;
}

}  // namespace

Result<BatchCounts> ConsolidateBatch(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                     int limit) {
  return RunBatch(conn, feed, run_id, kClaimAny, {pg::P(feed), pg::P(limit)});
}

Result<BatchCounts> ConsolidateListed(pg::Connection& conn, const std::string& feed, const std::string& run_id,
                                      const std::vector<std::string>& stones, size_t begin, size_t end) {
  if (begin >= end) return BatchCounts{};
  return RunBatch(conn, feed, run_id, kClaimListed, {pg::P(feed), pg::P(TextArray(stones, begin, end))});
}

Result<std::vector<std::string>> ListUnconsolidated(pg::Connection& conn, const std::string& feed) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kList, {pg::P(feed)}));
  std::vector<std::string> out;
  out.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.Get(i, 0));
  return out;
}


}  // namespace di::consolidate

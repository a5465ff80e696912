#include "ops/changes.h"

#include <cstdio>
#include <string_view>

namespace di {
namespace {

constexpr const char* kRun =
    "SELECT r.feed, r.run_type, r.status,"
    "  r.consolidation_completed_at < (SELECT min(applied_at) FROM schema_migrations"
    "    WHERE name LIKE '%\\_diamond\\_changes')"
    " FROM run_metadata r WHERE r.run_id = $1";

constexpr const char* kCounts =
    "SELECT change, count(DISTINCT supplier_stone_id) FROM diamond_change_stones WHERE run_id = $1 GROUP BY change";

// $2: a kind or NULL for all; $3: a limit or NULL for all.
constexpr const char* kStones =
    "SELECT c.change, c.supplier_stone_id, d.shape, d.carats::text, d.color, d.clarity, d.price_cents, d.status"
    " FROM (SELECT DISTINCT change, supplier_stone_id FROM diamond_change_stones"
    "       WHERE run_id = $1 AND ($2::text IS NULL OR change = $2)) c"
    " LEFT JOIN diamonds d ON d.feed = $4 AND d.supplier_stone_id = c.supplier_stone_id"
    " ORDER BY array_position(ARRAY['added', 'changed', 'deleted', 'undeleted'], c.change), c.supplier_stone_id"
    " LIMIT $3::bigint";

int KindIndex(std::string_view change) {
  for (int i = 0; i < 4; ++i) {
    if (change == kChangeKinds[i]) return i;
  }
  return -1;
}

std::string PriceUsd(const std::optional<int64_t>& cents) {
  if (!cents) return "";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%lld.%02lld", static_cast<long long>(*cents / 100),
                static_cast<long long>(*cents % 100));
  return buf;
}

}  // namespace

Result<std::optional<RunChangeList>> LoadRunChanges(pg::Connection& conn, const ChangesRequest& request) {
  if (!request.change.empty() && KindIndex(request.change) < 0) {
    return Status(Code::kInvalidArgument, "--change must be added, changed, deleted or undeleted");
  }
  DI_ASSIGN_OR_RETURN(pg::QueryResult run, conn.Exec(kRun, {pg::P(request.run_id)}));
  if (run.rows() == 0) return std::optional<RunChangeList>();
  RunChangeList out;
  out.run_id = request.run_id;
  out.feed = run.GetString(0, 0);
  out.run_type = run.GetString(0, 1);
  out.status = run.GetString(0, 2);
  out.consolidated_before_recording = run.GetBool(0, 3);
  DI_ASSIGN_OR_RETURN(pg::QueryResult counts, conn.Exec(kCounts, {pg::P(request.run_id)}));
  for (int i = 0; i < counts.rows(); ++i) {
    const int kind = KindIndex(counts.Get(i, 0));
    if (kind >= 0) out.counts[kind] = counts.GetInt64(i, 1);
  }
  const pg::Param change = request.change.empty() ? pg::Null() : pg::P(request.change);
  const pg::Param limit = request.limit > 0 ? pg::P(request.limit) : pg::Null();
  DI_ASSIGN_OR_RETURN(pg::QueryResult stones,
                      conn.Exec(kStones, {pg::P(request.run_id), change, limit, pg::P(out.feed)}));
  out.stones.reserve(static_cast<size_t>(stones.rows()));
  for (int i = 0; i < stones.rows(); ++i) {
    out.stones.push_back({stones.GetString(i, 0), stones.GetString(i, 1), stones.GetOptional(i, 2),
                          stones.GetOptional(i, 3), stones.GetOptional(i, 4), stones.GetOptional(i, 5),
                          stones.GetOptionalInt64(i, 6), stones.GetString(i, 7)});
  }
  return std::optional<RunChangeList>(std::move(out));
}

std::string FormatRunChanges(const RunChangeList& c) {
  std::string out = "run " + c.run_id + " (" + c.feed + ", " + c.run_type + ", " + c.status + "): ";
  for (int i = 0; i < 4; ++i) {
    out += std::to_string(c.counts[i]) + " " + kChangeKinds[i] + (i < 3 ? ", " : "\n");
  }
  if (c.consolidated_before_recording) {
    out += "(consolidated before changes were recorded: migration diamond_changes came later)\n";
  }
  out += "change\tstone\tshape\tcarats\tcolor\tclarity\tprice_usd\tstatus\n";
  for (const ChangedStone& s : c.stones) {
    out += s.change + "\t" + s.supplier_stone_id + "\t" + s.shape.value_or("") + "\t" + s.carats.value_or("") + "\t" +
           s.color.value_or("") + "\t" + s.clarity.value_or("") + "\t" + PriceUsd(s.price_cents) + "\t" + s.status +
           "\n";
  }
  return out;
}

}  // namespace di

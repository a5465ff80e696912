#include "table_health.h"

#include <chrono>
#include <cstdio>
#include <thread>

namespace di::bench {
namespace {

constexpr const char* kStats =
    "SELECT pg_relation_size(c.oid),"
    "  coalesce(pg_total_relation_size(nullif(c.reltoastrelid, 0)), 0),"
    "  pg_indexes_size(c.oid),"
    "  s.n_live_tup, s.n_dead_tup, s.n_tup_ins, s.n_tup_upd, s.n_tup_hot_upd, s.n_tup_del,"
    "  s.vacuum_count + s.autovacuum_count"
    " FROM pg_class c JOIN pg_stat_user_tables s ON s.relid = c.oid WHERE c.oid = $1::regclass";

constexpr const char* kExact =
    "SELECT tuple_count, dead_tuple_count, tuple_percent, dead_tuple_percent, free_percent"
    " FROM pgstattuple($1::regclass)";

constexpr const char* kIndexes =
    "SELECT i.indexrelid::regclass::text, pg_relation_size(i.indexrelid), am.amname = 'btree'"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am am ON am.oid = c.relam"
    " WHERE i.indrelid = $1::regclass ORDER BY 1";

constexpr const char* kLeafDensity = "SELECT avg_leaf_density FROM pgstatindex($1::regclass)";

double Mb(int64_t bytes) { return static_cast<double>(bytes) / (1024.0 * 1024.0); }

}  // namespace

bool EnablePgstattuple(pg::Connection& conn) {
  return conn.Exec("CREATE EXTENSION IF NOT EXISTS pgstattuple").ok();
}

Status RefreshStatistics(pg::Connection& conn) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  return conn.Exec("SELECT pg_stat_clear_snapshot()").status();
}

Result<TableHealth> ReadTableHealth(pg::Connection& conn, const std::string& table, bool exact) {
  TableHealth h;
  h.table = table;
  DI_ASSIGN_OR_RETURN(pg::QueryResult s, conn.Exec(kStats, {pg::P(table)}));
  if (s.rows() != 1) return Status(Code::kNotFound, "no statistics for table " + table);
  int64_t* fields[] = {&h.heap_bytes, &h.toast_bytes, &h.index_bytes, &h.live,        &h.dead,
                       &h.inserts,    &h.updates,     &h.hot_updates, &h.deletes,     &h.vacuums};
  for (int i = 0; i < 10; ++i) *fields[i] = s.GetInt64(0, i);
  if (exact) {
    DI_ASSIGN_OR_RETURN(pg::QueryResult e, conn.Exec(kExact, {pg::P(table)}));
    h.exact_live = e.GetInt64(0, 0);
    h.exact_dead = e.GetInt64(0, 1);
    h.live_percent = e.GetDouble(0, 2);
    h.dead_percent = e.GetDouble(0, 3);
    h.free_percent = e.GetDouble(0, 4);
  }
  DI_ASSIGN_OR_RETURN(pg::QueryResult idx, conn.Exec(kIndexes, {pg::P(table)}));
  for (int i = 0; i < idx.rows(); ++i) {
    IndexHealth ih{idx.GetString(i, 0), idx.GetInt64(i, 1), -1};
    if (exact && idx.GetBool(i, 2)) {
      DI_ASSIGN_OR_RETURN(pg::QueryResult d, conn.Exec(kLeafDensity, {pg::P(ih.name)}));
      if (!d.IsNull(0, 0)) ih.leaf_density = d.GetDouble(0, 0);
    }
    h.indexes.push_back(ih);
  }
  return h;
}

std::string Describe(const TableHealth& h) {
  char line[512];
  std::snprintf(line, sizeof line, "%s: heap %.1f MB, toast %.1f MB, indexes %.1f MB; live %lld, dead %lld (stats)",
                h.table.c_str(), Mb(h.heap_bytes), Mb(h.toast_bytes), Mb(h.index_bytes),
                static_cast<long long>(h.live), static_cast<long long>(h.dead));
  std::string out = line;
  if (h.exact_live >= 0) {
    std::snprintf(line, sizeof line, "; exact: live %lld, dead %lld; heap %.0f%% live, %.0f%% dead, %.0f%% free",
                  static_cast<long long>(h.exact_live), static_cast<long long>(h.exact_dead), h.live_percent,
                  h.dead_percent, h.free_percent);
    out += line;
  }
  for (const IndexHealth& i : h.indexes) {
    std::snprintf(line, sizeof line, "\n    %s %.1f MB", i.name.c_str(), Mb(i.bytes));
    out += line;
    if (i.leaf_density >= 0) {
      std::snprintf(line, sizeof line, ", leaf density %.0f%%", i.leaf_density);
      out += line;
    }
  }
  return out;
}

}  // namespace di::bench

#include "store/run_row.h"

#include <chrono>

namespace di::store {
namespace {

// Microseconds since the epoch of a timestamptz column named X (NULL stays NULL).
#define DI_US(x) "(extract(epoch FROM r." x ") * 1000000)::bigint AS " x

constexpr const char* kReadRuns =
    "SELECT r.run_id, r.feed, r.run_type, r.status, " DI_US("started_at") ", " DI_US("completed_at") ","
    "  r.expected_partitions, r.completed_partitions, r.failed_partitions, r.expected_records, r.count_queries, "
    DI_US("watermark_before") ", " DI_US("watermark_after") ", " DI_US("updated_from") ", " DI_US("updated_to") ","
    "  r.consolidation_forced, " DI_US("consolidation_started_at") ", " DI_US("consolidation_completed_at") ","
    "  r.error_message,"
    "  coalesce((s.j->>'seen')::bigint, 0) AS seen, coalesce((s.j->>'changed')::bigint, 0) AS changed,"
    "  coalesce((s.j->>'unchanged')::bigint, 0) AS unchanged, coalesce((s.j->>'mapped')::bigint, 0) AS mapped,"
    "  coalesce((s.j->>'inserted')::bigint, 0) AS inserted, coalesce((s.j->>'updated')::bigint, 0) AS updated,"
    "  coalesce((s.j->>'failed')::bigint, 0) AS failed, coalesce((s.j->>'deleted')::bigint, 0) AS deleted,"
    "  coalesce((s.j->>'undeleted')::bigint, 0) AS undeleted,"
    "  w.partitions, w.pending, w.running, w.failed_rows,"
    "  p.pages_fetched, (extract(epoch FROM p.last_progress_at) * 1000000)::bigint AS last_progress_at,"
    "  coalesce((s.j->>'seen')::bigint, CASE WHEN $4::boolean THEN"
    "    (SELECT count(*) FROM raw_diamonds_nivoda d WHERE d.feed = r.feed AND d.run_id = r.run_id) END, -1)"
    "    AS offers_stored,"
    "  u.unstorable_offers, u.unstorable_rows,"
    "  (extract(epoch FROM now()) * 1000000)::bigint AS read_at"
    " FROM run_metadata r"
    " CROSS JOIN LATERAL (SELECT r.consolidation_stats AS j) s"
    " CROSS JOIN LATERAL (SELECT count(*) AS partitions,"
    "    count(*) FILTER (WHERE status = 'pending') AS pending,"
    "    count(*) FILTER (WHERE status = 'running') AS running,"
    "    count(*) FILTER (WHERE status = 'failed') AS failed_rows"
    "    FROM partition_runs x WHERE x.run_id = r.run_id) w"
    " CROSS JOIN LATERAL (SELECT coalesce(sum(pages_fetched), 0) AS pages_fetched, max(updated_at) AS last_progress_at"
    "    FROM partition_progress y WHERE y.run_id = r.run_id) p"
    " CROSS JOIN LATERAL (SELECT count(DISTINCT md5(f.raw)) AS unstorable_offers, count(*) AS unstorable_rows"
    "    FROM raw_offer_failures f WHERE f.run_id = r.run_id) u"
    " WHERE ($1::text IS NULL OR r.run_id = $1) AND ($3::boolean IS FALSE OR r.status = 'running')"
    " ORDER BY r.started_at DESC, r.run_id LIMIT $2";

#undef DI_US

WallTime Micros(int64_t us) {
  return WallTime(std::chrono::duration_cast<WallTime::duration>(std::chrono::microseconds(us)));
}

// Decodes by column name.
class Row {
 public:
  Row(const pg::QueryResult& r, int row) : r_(r), row_(row) {}
  int Col(std::string_view name) const { return r_.Column(name); }
  std::string Text(std::string_view name) const { return r_.GetString(row_, Col(name)); }
  std::optional<std::string> OptionalText(std::string_view name) const { return r_.GetOptional(row_, Col(name)); }
  int64_t Int(std::string_view name) const { return r_.GetInt64(row_, Col(name)); }
  bool Bool(std::string_view name) const { return r_.GetBool(row_, Col(name)); }
  WallTime Time(std::string_view name) const { return Micros(Int(name)); }
  std::optional<WallTime> OptionalTime(std::string_view name) const {
    if (r_.IsNull(row_, Col(name))) return std::nullopt;
    return Time(name);
  }

 private:
  const pg::QueryResult& r_;
  int row_;
};

RunRow Decode(const Row& x) {
  RunRow run;
  run.run_id = x.Text("run_id");
  run.feed = x.Text("feed");
  run.run_type = x.Text("run_type");
  run.status = x.Text("status");
  run.started_at = x.Time("started_at");
  run.completed_at = x.OptionalTime("completed_at");
  run.expected_partitions = static_cast<int>(x.Int("expected_partitions"));
  run.completed_partitions = static_cast<int>(x.Int("completed_partitions"));
  run.failed_partitions = static_cast<int>(x.Int("failed_partitions"));
  run.expected_records = x.Int("expected_records");
  run.count_queries = static_cast<int>(x.Int("count_queries"));
  run.watermark_before = x.OptionalTime("watermark_before");
  run.watermark_after = x.OptionalTime("watermark_after");
  run.updated_from = x.OptionalTime("updated_from");
  run.updated_to = x.Time("updated_to");
  run.consolidation_forced = x.Bool("consolidation_forced");
  run.consolidation_started_at = x.OptionalTime("consolidation_started_at");
  run.consolidation_completed_at = x.OptionalTime("consolidation_completed_at");
  run.error_message = x.OptionalText("error_message");
  ConsolidationStats& s = run.consolidation;
  s.seen = x.Int("seen");
  s.changed = x.Int("changed");
  s.unchanged = x.Int("unchanged");
  s.mapped = x.Int("mapped");
  s.inserted = x.Int("inserted");
  s.updated = x.Int("updated");
  s.failed = x.Int("failed");
  s.deleted = x.Int("deleted");
  s.undeleted = x.Int("undeleted");
  run.partitions = static_cast<int>(x.Int("partitions"));
  run.partitions_pending = static_cast<int>(x.Int("pending"));
  run.partitions_running = static_cast<int>(x.Int("running"));
  run.partitions_failed = static_cast<int>(x.Int("failed_rows"));
  run.pages_fetched = x.Int("pages_fetched");
  run.last_progress_at = x.OptionalTime("last_progress_at");
  run.offers_stored = x.Int("offers_stored");
  run.offers_unstorable = x.Int("unstorable_offers");
  run.unstorable_sightings = x.Int("unstorable_rows");
  run.read_at = x.Time("read_at");
  return run;
}

Result<std::vector<RunRow>> Read(pg::Connection& conn, const std::optional<std::string>& run_id, int limit,
                                 bool running_only, bool count_stored) {
  DI_ASSIGN_OR_RETURN(pg::QueryResult r, conn.Exec(kReadRuns, {pg::P(run_id), pg::P(limit), pg::P(running_only),
                                                               pg::P(count_stored)}));
  std::vector<RunRow> runs;
  runs.reserve(static_cast<size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) runs.push_back(Decode(Row(r, i)));
  return runs;
}

}  // namespace

Result<std::optional<RunRow>> ReadRun(pg::Connection& conn, const std::string& run_id, bool count_stored) {
  DI_ASSIGN_OR_RETURN(std::vector<RunRow> runs, Read(conn, run_id, 1, false, count_stored));
  if (runs.empty()) return std::optional<RunRow>();
  return std::optional<RunRow>(std::move(runs.front()));
}

Result<std::vector<RunRow>> ReadRuns(pg::Connection& conn, const RunFilter& filter) {
  return Read(conn, std::nullopt, filter.limit, filter.running_only, true);
}

}  // namespace di::store

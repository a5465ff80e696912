#include "ops/status.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "common/strings.h"
#include "ops/report_table.h"
#include "store/run_row.h"

namespace di {
namespace {

// Times leave the database as ISO-8601 UTC text with seconds.
#define DI_ISO(x) "to_char((" x ") AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

constexpr const char* kPartitionsSql =
    "SELECT p.partition_id, p.price_min, p.price_max, coalesce(w.status, 'pending'), p.phase, p.next_offset, "
    "p.pages_fetched, p.records_fetched, p.expected_records, coalesce(w.attempts, 0), w.worker_id, "
    DI_ISO("w.started_at") ", " DI_ISO("w.completed_at") ", "
    "extract(epoch FROM w.started_at - r.started_at)::float8, "
    "extract(epoch FROM w.completed_at - r.started_at)::float8, " DI_ISO("p.updated_at") ", w.error_message "
    "FROM partition_progress p JOIN run_metadata r ON r.run_id = p.run_id "
    "LEFT JOIN partition_runs w ON w.run_id = p.run_id AND w.partition_id = p.partition_id "
    "WHERE p.run_id = $1 ORDER BY p.partition_id";

#undef DI_ISO

std::string Consolidation(const std::string& status, bool started, bool completed) {
  if (completed) return "done";
  if (started) return status == "failed" ? "failed" : "running";
  if (status == "running") return "waiting";
  if (status == "consolidating") return "queued";
  if (status == "failed" || status == "cancelled") return "skipped";
  return "none";
}

std::optional<double> OptionalDouble(const pg::QueryResult& r, int row, int col) {
  if (r.IsNull(row, col)) return std::nullopt;
  return r.GetDouble(row, col);
}

nlohmann::json Opt(const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(); }

nlohmann::json RunJson(const RunSummary& r) {
  return {
      {"run_id", r.run_id},
      {"feed", r.feed},
      {"run_type", r.run_type},
      {"status", r.status},
      {"started_at", r.started_at},
      {"completed_at", Opt(r.completed_at)},
      {"duration_seconds", std::round(r.duration_seconds)},
      {"partitions",
       {{"expected", r.expected_partitions},
        {"completed", r.completed_partitions},
        {"failed", r.failed_partitions},
        {"running", r.running_partitions},
        {"pending", r.pending_partitions}}},
      {"offers", {{"expected", r.expected_records}, {"fetched", r.records_fetched}}},
      {"count_queries", r.count_queries},
      {"consolidation", r.consolidation},
      {"watermark_before", Opt(r.watermark_before)},
      {"watermark_after", Opt(r.watermark_after)},
      {"updated_from", Opt(r.updated_from)},
      {"updated_to", r.updated_to},
      {"seconds_since_progress", std::round(r.seconds_since_progress)},
      {"stalled", r.stalled},
      {"error", Opt(r.error)},
  };
}

nlohmann::json PartitionJson(const PartitionStatus& p) {
  return {
      {"partition_id", p.partition_id},
      {"price_min", p.price_min},
      {"price_max", p.price_max ? nlohmann::json(*p.price_max) : nlohmann::json()},
      {"status", p.status},
      {"phase", p.phase},
      {"next_offset", p.next_offset},
      {"pages", p.pages},
      {"records", p.records},
      {"expected_records", p.expected_records},
      {"attempts", p.attempts},
      {"worker_id", Opt(p.worker_id)},
      {"started_at", Opt(p.started_at)},
      {"completed_at", Opt(p.completed_at)},
      {"progress_at", p.progress_at},
      {"error", Opt(p.error)},
  };
}

std::string Range(const PartitionStatus& p) {
  return FormatDollars(p.price_min) + " – " + (p.price_max ? FormatDollars(*p.price_max) : "∞");
}

// The first line of TEXT, at most MAX code points.
std::string Short(const std::string& text, size_t max) {
  std::string s = text.substr(0, text.find('\n'));
  if (DisplayWidth(s) <= max) return s;
  std::string out;
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80 && ++n > max - 1) break;
    out += static_cast<char>(c);
  }
  return out + "…";
}

std::string Emphasis(const std::string& text, bool color, const char* ansi) {
  return color ? std::string(ansi) + text + "\033[0m" : text;
}

}  // namespace

std::string FormatDuration(double seconds) {
  const int64_t s = std::max<int64_t>(0, std::llround(seconds));
  char buf[48];
  if (s >= 86400) {
    std::snprintf(buf, sizeof buf, "%lldd %02lldh", static_cast<long long>(s / 86400),
                  static_cast<long long>(s % 86400 / 3600));
  } else if (s >= 3600) {
    std::snprintf(buf, sizeof buf, "%lldh %02lldm", static_cast<long long>(s / 3600),
                  static_cast<long long>(s % 3600 / 60));
  } else if (s >= 60) {
    std::snprintf(buf, sizeof buf, "%lldm %02llds", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  } else {
    std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
  }
  return buf;
}

namespace {

// ISO-8601 UTC to the second ("2026-02-12T19:01:13Z"), as status has always shown times.
std::string IsoSeconds(WallTime t) {
  std::string text = FormatIso8601(std::chrono::floor<std::chrono::seconds>(t));
  const size_t dot = text.find('.');
  return dot == std::string::npos ? text : text.substr(0, dot) + "Z";
}

std::optional<std::string> IsoSeconds(const std::optional<WallTime>& t) {
  if (!t) return std::nullopt;
  return IsoSeconds(*t);
}

double Seconds(WallTime::duration d) { return std::chrono::duration<double>(d).count(); }

RunSummary Summarize(const store::RunRow& row, Millis stall_alert) {
  RunSummary s;
  s.run_id = row.run_id;
  s.feed = row.feed;
  s.run_type = row.run_type;
  s.status = row.status;
  s.started_at = IsoSeconds(row.started_at);
  s.completed_at = IsoSeconds(row.completed_at);
  s.started_epoch = Seconds(row.started_at.time_since_epoch());
  const WallTime end = row.consolidation_completed_at.value_or(row.completed_at.value_or(row.read_at));
  s.duration_seconds = Seconds(end - row.started_at);
  s.expected_partitions = row.expected_partitions;
  s.completed_partitions = row.completed_partitions;
  s.failed_partitions = row.failed_partitions;
  s.running_partitions = row.partitions_running;
  s.pending_partitions = row.partitions_pending;
  s.expected_records = row.expected_records;
  s.records_fetched = row.offers_stored;
  s.count_queries = row.count_queries;
  s.consolidation =
      Consolidation(s.status, row.consolidation_started_at.has_value(), row.consolidation_completed_at.has_value());
  s.watermark_before = IsoSeconds(row.watermark_before);
  s.watermark_after = IsoSeconds(row.watermark_after);
  s.updated_from = IsoSeconds(row.updated_from);
  s.updated_to = IsoSeconds(row.updated_to);
  s.seconds_since_progress = Seconds(row.read_at - row.last_progress_at.value_or(row.started_at));
  s.stalled = s.status == "running" && s.seconds_since_progress * 1000.0 >= static_cast<double>(stall_alert.count());
  s.error = row.error_message;
  return s;
}

Result<std::vector<RunSummary>> Summarize(Result<std::vector<store::RunRow>> rows, Millis stall_alert) {
  if (!rows.ok()) return rows.status();
  std::vector<RunSummary> runs;
  for (const store::RunRow& row : *rows) runs.push_back(Summarize(row, stall_alert));
  return runs;
}

}  // namespace

Result<std::vector<RunSummary>> LoadRuns(pg::Connection& conn, const std::optional<std::string>& run_id, int limit,
                                         Millis stall_alert) {
  if (!run_id) return Summarize(store::ReadRuns(conn, {limit, /*running_only=*/false}), stall_alert);
  DI_ASSIGN_OR_RETURN(std::optional<store::RunRow> row, store::ReadRun(conn, *run_id));
  std::vector<RunSummary> runs;
  if (row && limit > 0) runs.push_back(Summarize(*row, stall_alert));
  return runs;
}

Result<std::vector<PartitionStatus>> LoadPartitions(pg::Connection& conn, const std::string& run_id) {
  DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kPartitionsSql, {pg::P(run_id)}));
  std::vector<PartitionStatus> out;
  for (int i = 0; i < r.rows(); ++i) {
    PartitionStatus p;
    p.partition_id = static_cast<int>(r.GetInt64(i, 0));
    p.price_min = r.GetInt64(i, 1);
    p.price_max = r.GetOptionalInt64(i, 2);
    p.status = r.GetString(i, 3);
    p.phase = r.GetString(i, 4);
    p.next_offset = r.GetInt64(i, 5);
    p.pages = r.GetInt64(i, 6);
    p.records = r.GetInt64(i, 7);
    p.expected_records = r.GetInt64(i, 8);
    p.attempts = static_cast<int>(r.GetInt64(i, 9));
    p.worker_id = r.GetOptional(i, 10);
    p.started_at = r.GetOptional(i, 11);
    p.completed_at = r.GetOptional(i, 12);
    p.started_offset_seconds = OptionalDouble(r, i, 13);
    p.completed_offset_seconds = OptionalDouble(r, i, 14);
    p.progress_at = r.GetString(i, 15);
    p.error = r.GetOptional(i, 16);
    out.push_back(std::move(p));
  }
  return out;
}

Result<std::vector<RunSummary>> LoadStalledRuns(pg::Connection& conn, Millis stall_alert) {
  DI_ASSIGN_OR_RETURN(auto running, Summarize(store::ReadRuns(conn, {1000, /*running_only=*/true}), stall_alert));
  std::vector<RunSummary> stalls;
  for (auto& r : running) {
    if (r.stalled) stalls.push_back(std::move(r));
  }
  return stalls;
}

Result<StatusReport> LoadStatus(pg::Connection& conn, queue::Queue& queue, const StatusRequest& request) {
  StatusReport report;
  report.generated_at = FormatIso8601(DefaultClock().Now());
  report.stall_alert_minutes = static_cast<int>(request.stall_alert.count() / 60000);
  DI_ASSIGN_OR_RETURN(report.runs, LoadRuns(conn, std::nullopt, request.limit, request.stall_alert));
  if (request.run_id) {
    DI_ASSIGN_OR_RETURN(auto one, LoadRuns(conn, request.run_id, 1, request.stall_alert));
    if (one.empty()) return Status(Code::kNotFound, "no run " + *request.run_id);
    report.run = one.front();
    DI_ASSIGN_OR_RETURN(report.partitions, LoadPartitions(conn, *request.run_id));
  }
  DI_ASSIGN_OR_RETURN(report.stalls, LoadStalledRuns(conn, request.stall_alert));
  for (const std::string& name : request.queues) {
    QueueStatus q;
    q.name = name;
    auto depth = queue.GetDepth(name);
    if (depth.ok()) {
      q.depth = *depth;
    } else {
      q.error = depth.status().ToString();
    }
    report.queues.push_back(std::move(q));
  }
  return report;
}

std::string FormatStatusJson(const StatusReport& report) {
  nlohmann::json j;
  j["generated_at"] = report.generated_at;
  j["stall_alert_minutes"] = report.stall_alert_minutes;
  j["runs"] = nlohmann::json::array();
  for (const auto& r : report.runs) j["runs"].push_back(RunJson(r));
  if (report.run) {
    nlohmann::json run = RunJson(*report.run);
    run["partitions"] = nlohmann::json::array();
    for (const auto& p : report.partitions) run["partitions"].push_back(PartitionJson(p));
    j["run"] = run;
  } else {
    j["run"] = nullptr;
  }
  j["queues"] = nlohmann::json::array();
  for (const auto& q : report.queues) {
    j["queues"].push_back({{"name", q.name},
                           {"ready", q.depth.ready},
                           {"leased", q.depth.leased},
                           {"ready_or_leased", q.depth.ready_or_leased},
                           {"scheduled", q.depth.scheduled},
                           {"dead_letters", q.depth.dead_letters},
                           {"error", Opt(q.error)}});
  }
  j["stalls"] = nlohmann::json::array();
  for (const auto& s : report.stalls) {
    j["stalls"].push_back(
        {{"run_id", s.run_id}, {"minutes_without_progress", static_cast<int64_t>(s.seconds_since_progress / 60)}});
  }
  return j.dump(2) + "\n";
}

std::string FormatStatusText(const StatusReport& report, bool color) {
  constexpr const char* kBold = "\033[1m";
  constexpr const char* kRed = "\033[1;31m";
  std::string out;
  for (const auto& s : report.stalls) {
    out +=
        Emphasis("STALLED: run " + s.run_id + " has made no progress for " + FormatDuration(s.seconds_since_progress) +
                     " (STALL_ALERT_MINUTES=" + std::to_string(report.stall_alert_minutes) + ")",
                 color, kRed) +
        "\n";
  }
  if (!report.stalls.empty()) out += "\n";

  out += Emphasis("Runs", color, kBold) + " (latest " + std::to_string(report.runs.size()) + ")\n";
  TextTable runs({{"run"},
                  {"feed"},
                  {"type"},
                  {"status"},
                  {"started (UTC)"},
                  {"duration", true},
                  {"partitions done/failed/expected", true},
                  {"offers fetched/expected", true},
                  {"consolidation"},
                  {"watermark before → after"}});
  for (const auto& r : report.runs) {
    runs.AddRow({r.run_id, r.feed, r.run_type, r.stalled ? r.status + " (stalled)" : r.status, r.started_at,
                 FormatDuration(r.duration_seconds),
                 std::to_string(r.completed_partitions) + "/" + std::to_string(r.failed_partitions) + "/" +
                     std::to_string(r.expected_partitions),
                 FormatCount(r.records_fetched) + "/" + FormatCount(r.expected_records), r.consolidation,
                 r.watermark_before.value_or("—") + " → " + r.watermark_after.value_or("—")});
  }
  out += runs.empty() ? "  (no runs yet)\n" : runs.Render();

  if (report.run) {
    const RunSummary& r = *report.run;
    out += "\n" + Emphasis("Run " + r.run_id, color, kBold) + ": " + r.feed + " " + r.run_type + ", " + r.status +
           ", started " + r.started_at + ", " + FormatDuration(r.duration_seconds) + "\n";
    out += "  partitions: " + std::to_string(r.completed_partitions) + " completed, " +
           std::to_string(r.failed_partitions) + " failed, " + std::to_string(r.running_partitions) + " running, " +
           std::to_string(r.pending_partitions) + " pending of " + std::to_string(r.expected_partitions) + "\n";
    out += "  offers: " + FormatCount(r.records_fetched) + " fetched of " + FormatCount(r.expected_records) +
           " expected; " + std::to_string(r.count_queries) + " count queries; consolidation " + r.consolidation + "\n";
    out += "  window: " + r.updated_from.value_or("—") + " → " + r.updated_to + "; watermark " +
           r.watermark_before.value_or("—") + " → " + r.watermark_after.value_or("—") + "\n";
    if (r.error) out += "  error: " + Emphasis(*r.error, color, kRed) + "\n";
    TextTable parts({{"#", true},
                     {"price range"},
                     {"status"},
                     {"phase"},
                     {"next offset", true},
                     {"pages", true},
                     {"records", true},
                     {"expected", true},
                     {"attempts", true},
                     {"worker"},
                     {"error"}});
    for (const auto& p : report.partitions) {
      parts.AddRow({std::to_string(p.partition_id), Range(p), p.status, p.phase, FormatCount(p.next_offset),
                    FormatCount(p.pages), FormatCount(p.records), FormatCount(p.expected_records),
                    std::to_string(p.attempts), p.worker_id.value_or(""), Short(p.error.value_or(""), 60)});
    }
    out += parts.empty() ? "  (no partitions)\n" : parts.Render();
  }

  out += "\n" + Emphasis("Queues", color, kBold) + "\n";
  // Service Bus's counts cannot tell ready messages from those another
  // process has leased: that column appears only when there are any.
  bool either = std::any_of(report.queues.begin(), report.queues.end(),
                            [](const QueueStatus& q) { return q.depth.ready_or_leased > 0; });
  std::vector<TextTable::Column> columns = {{"queue"}, {"ready", true}, {"leased", true}};
  if (either) columns.push_back({"ready or leased elsewhere", true});
  columns.insert(columns.end(), {{"scheduled", true}, {"dead letters", true}});
  TextTable queues(columns);
  for (const auto& q : report.queues) {
    std::vector<std::string> row;
    if (q.error) {
      row = {q.name, "?", "?"};
      if (either) row.push_back("?");
      row.insert(row.end(), {"?", "? (" + Short(*q.error, 60) + ")"});
      queues.AddRow(row);
      continue;
    }
    std::string dead = FormatCount(q.depth.dead_letters);
    row = {q.name, FormatCount(q.depth.ready), FormatCount(q.depth.leased)};
    if (either) row.push_back(FormatCount(q.depth.ready_or_leased));
    row.insert(row.end(),
               {FormatCount(q.depth.scheduled), q.depth.dead_letters > 0 ? Emphasis(dead, color, kRed) : dead});
    queues.AddRow(row);
  }
  out += queues.Render();
  return out;
}

}  // namespace di

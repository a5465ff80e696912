#include "ops/report.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "common/strings.h"
#include "ops/report_charts.h"

namespace di {
namespace {

constexpr const char* kStyle = R"(
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #1d2733; background: #f4f6f9; margin: 0; }
main { max-width: 1040px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 16px; margin: 28px 0 8px; }
.sub { color: #5b6776; margin: 0 0 18px; }
.cards { display: grid; grid-template-columns: repeat(4, 1fr); gap: 10px; }
.card { background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 10px 12px; }
.card .k { color: #5b6776; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.card .v { font-size: 20px; font-weight: 600; margin-top: 2px; }
.card .n { color: #5b6776; font-size: 12px; }
.panel { background: #fff; border: 1px solid #dde3ea; border-radius: 6px; padding: 12px; }
.panel p { margin: 4px 4px 8px; color: #5b6776; }
svg.chart { width: 100%; height: auto; display: block; font-size: 11px; fill: #1d2733; }
svg .axis { stroke: #1d2733; stroke-width: 1; }
svg .grid { stroke: #e6eaef; stroke-width: 1; }
svg .bar { fill: #4a7ab5; stroke: #2f557f; stroke-width: .3; }
svg .boundary { stroke: #c0392b; stroke-width: 1; stroke-dasharray: 4 3; }
svg .plabel { fill: #c0392b; font-size: 10px; }
svg .label { fill: #5b6776; font-size: 12px; }
svg .small { font-size: 10px; fill: #3b4756; }
svg .t-completed { fill: #2e9d5b; } svg .t-failed { fill: #c0392b; }
svg .t-running { fill: #3b7dd8; } svg .t-pending { fill: #b8c2cc; }
svg .rate { fill: none; stroke: #3b7dd8; stroke-width: 1.4; }
svg .area { fill: #3b7dd8; fill-opacity: .15; stroke: none; }
svg .limit { stroke: #c0392b; stroke-width: 1.5; stroke-dasharray: 6 4; }
svg .limitlabel { fill: #c0392b; font-weight: 600; }
svg .r429 { fill: #c0392b; }
svg .retry { fill: #3b7dd8; } svg .r429bar { fill: #c0392b; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 12px; }
th, td { border-bottom: 1px solid #e6eaef; padding: 4px 8px; text-align: left; white-space: nowrap; }
th { background: #eef1f5; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.err { white-space: normal; color: #c0392b; }
.s-completed { color: #2e9d5b; } .s-failed { color: #c0392b; font-weight: 600; } .s-running { color: #3b7dd8; }
footer { color: #5b6776; font-size: 12px; margin-top: 24px; }
)";

std::string E(const std::string& s) { return EscapeXml(s); }

// A card, its key also as data-key (for tests and scripts reading the page).
std::string Card(const std::string& key, const std::string& value, const std::string& note) {
  return "<div class=\"card\" data-key=\"" + E(key) + "\"><div class=\"k\">" + E(key) + "</div><div class=\"v\">" +
         E(value) + "</div><div class=\"n\">" + E(note) + "</div></div>\n";
}

std::string Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "—";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * static_cast<double>(part) / static_cast<double>(whole));
  return buf;
}

std::string Fixed(double v, int digits) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string Cards(const ReportData& d) {
  const RunSummary& r = d.run;
  int64_t requests = 0, errors = 0, limited = 0, retries = 0, latency = 0, peak = 0;
  for (const auto& s : d.requests) {
    requests += s.requests;
    errors += s.errors;
    limited += s.rate_limited;
    retries += s.retries;
    latency += s.latency_ms_sum;
    peak = std::max(peak, s.requests);
  }
  const double active = std::max(1.0, r.duration_seconds);
  std::string out = "<div class=\"cards\">\n";
  const store::ConsolidationStats& c = d.consolidation;
  out += Card("status", r.status, r.feed + " · " + r.run_type + " run");
  out += Card("duration", FormatDuration(r.duration_seconds), "started " + r.started_at);
  out += Card("partitions", std::to_string(r.completed_partitions) + " / " + std::to_string(r.expected_partitions),
              std::to_string(r.failed_partitions) + " failed · " + std::to_string(r.running_partitions) +
                  " running · " + std::to_string(r.pending_partitions) + " pending");
  out += Card(
      "offers fetched", FormatCount(r.records_fetched),
      "of " + FormatCount(r.expected_records) + " expected (" + Percent(r.records_fetched, r.expected_records) + ")");
  out += Card("offers changed", FormatCount(c.inserted) + " · " + FormatCount(c.updated),
              "added · changed; " + FormatCount(c.unchanged) + " unchanged, " + FormatCount(c.deleted) + " deleted, " +
                  FormatCount(c.undeleted) + " back");
  out += Card("bad offers", FormatCount(d.offers_unstorable + c.failed),
              FormatCount(d.offers_unstorable) + " served but not storable (" + FormatCount(d.unstorable_sightings) +
                  " sightings), " + FormatCount(c.failed) + " not mappable");
  out += Card("dead letters", FormatCount(static_cast<int64_t>(d.dead_letters.size())),
              d.dead_letters.empty() ? "no message of this run dead-lettered" : "messages of this run given up");
  out += Card("requests", FormatCount(requests),
              "sent; + " + std::to_string(r.count_queries) + " count queries at planning");
  out += Card("request rate", Fixed(static_cast<double>(requests) / active, 1) + "/s mean",
              "peak " + std::to_string(peak) + "/s · limit " + Fixed(d.rate_limit, 0) + "/s");
  out += Card("errors · 429s", FormatCount(errors) + " · " + FormatCount(limited),
              requests > 0 ? FormatCount(retries) + " retried; mean latency " +
                                 std::to_string(latency / std::max<int64_t>(1, requests)) + " ms"
                           : "no requests recorded");
  out += Card("consolidation", r.consolidation,
              "watermark " + r.watermark_before.value_or("—") + " → " + r.watermark_after.value_or("—"));
  return out + "</div>\n";
}

std::string PartitionTable(const ReportData& d) {
  std::string out =
      "<table><thead><tr><th class=\"num\">#</th><th>price range</th><th>status</th><th>phase</th>"
      "<th class=\"num\">records</th><th class=\"num\">expected</th><th class=\"num\">pages</th>"
      "<th class=\"num\">attempts</th><th class=\"num\">duration</th><th>worker</th><th>error</th></tr></thead>"
      "<tbody>\n";
  for (const auto& p : d.partitions) {
    std::string duration = "—";
    if (p.started_offset_seconds) {
      duration =
          FormatDuration(p.completed_offset_seconds.value_or(d.run.duration_seconds) - *p.started_offset_seconds);
    }
    out += "<tr><td class=\"num\">" + std::to_string(p.partition_id) + "</td><td>" +
           E(FormatDollars(p.price_min) + " – " + (p.price_max ? FormatDollars(*p.price_max) : "∞")) +
           "</td><td class=\"s-" + E(p.status) + "\">" + E(p.status) + "</td><td>" + E(p.phase) +
           "</td><td class=\"num\">" + FormatCount(p.records) + "</td><td class=\"num\">" +
           FormatCount(p.expected_records) + "</td><td class=\"num\">" + FormatCount(p.pages) +
           "</td><td class=\"num\">" + std::to_string(p.attempts) + "</td><td class=\"num\">" + duration + "</td><td>" +
           E(p.worker_id.value_or("")) + "</td><td class=\"err\">" + E(p.error.value_or("")) + "</td></tr>\n";
  }
  return out + "</tbody></table>\n";
}

// The text above the histogram: where its counts come from, and their total.
std::string HistogramNote(const ReportData& d) {
  const std::string total = FormatCount(d.histogram_offers);
  switch (d.histogram_source) {
    case HistogramSource::kRecorded:
      return "The " + total + " offers this run stored, by total price (" + std::to_string(kHistogramBinsPerDecade) +
             " bins per decade), as recorded when it was consolidated. A good plan puts boundaries closer where "
             "offers are dense.";
    case HistogramSource::kRawRows:
      return "The " + total + " offers of this run still in the raw table, by total price (" +
             std::to_string(kHistogramBinsPerDecade) + " bins per decade): the run was not consolidated" +
             (d.later_runs > 0 ? " and " + std::to_string(d.later_runs) +
                                     " later run(s) of the feed took over the stones they saw again."
                               : ".");
    case HistogramSource::kPartitionsFetched:
      return "No offer of this run is left in the raw table: bars show the " + total +
             " offers each partition fetched, over its price range.";
    case HistogramSource::kPartitionsExpected:
      break;
  }
  return "The run fetched no offers yet: bars show each partition's " + total + " expected offers.";
}

// Partitions that failed or needed more than one attempt, with their last error.
std::string FailingPartitions(const ReportData& d) {
  std::string rows;
  for (const auto& p : d.partitions) {
    if (p.status != "failed" && p.attempts <= 1) continue;
    rows += "<tr><td class=\"num\">" + std::to_string(p.partition_id) + "</td><td class=\"s-" + E(p.status) + "\">" +
            E(p.status) + "</td><td class=\"num\">" + std::to_string(p.attempts) + "</td><td class=\"err\">" +
            E(p.error.value_or(p.status == "failed" ? "(no error recorded)" : "—")) + "</td></tr>\n";
  }
  if (rows.empty()) return "<p class=\"sub\" id=\"failing-none\">Every partition succeeded at its first attempt.</p>\n";
  return "<table id=\"failing\"><thead><tr><th class=\"num\">#</th><th>status</th><th class=\"num\">attempts</th>"
         "<th>last error</th></tr></thead><tbody>\n" +
         rows + "</tbody></table>\n";
}

std::string DeadLetters(const ReportData& d) {
  if (d.dead_letters.empty())
    return "<p class=\"sub\" id=\"dead-letters-none\">No message of this run was dead-lettered.</p>\n";
  std::string out =
      "<table id=\"dead-letters\"><thead><tr><th>queue</th><th>reason</th><th>description</th><th>when (UTC)</th></tr>"
      "</thead><tbody>\n";
  for (const auto& l : d.dead_letters) {
    out += "<tr><td>" + E(l.queue) + "</td><td>" + E(l.reason) + "</td><td class=\"err\">" + E(l.description) +
           "</td><td>" + E(l.at) + "</td></tr>\n";
  }
  return out + "</tbody></table>\n";
}

}  // namespace

std::string RenderReportHtml(const ReportData& d) {
  const RunSummary& r = d.run;
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  html += "<title>diamond-ingest run " + E(r.run_id) + "</title>\n<style>" + std::string(kStyle) + "</style>\n";
  html += "</head>\n<body>\n<main>\n";
  html += "<h1>Run " + E(r.run_id) + "</h1>\n";
  html += "<p class=\"sub\">" +
          E(r.feed + " · " + r.run_type + " · " + r.status + " · window " + r.updated_from.value_or("(start)") + " → " +
            r.updated_to) +
          // A retried run's earlier error is history: shown only while the run has failed.
          (r.error && r.status == "failed" ? " · <span class=\"s-failed\">" + E(*r.error) + "</span>" : "") + "</p>\n";
  html += Cards(d);

  html += "<h2>Offers by price, with the partition boundaries</h2>\n<div class=\"panel\">\n<p>";
  html += "<span id=\"histogram-note\">" + E(HistogramNote(d)) + "</span>";
  html += "</p>\n" + PriceHistogramSvg(d) + "</div>\n";

  html +=
      "<h2>Partitions over time</h2>\n<div class=\"panel\">\n<p>Each bar runs from the partition's last "
      "claim to its end; hover for records, attempts and errors.</p>\n" +
      PartitionTimelineSvg(d) + "</div>\n";

  html +=
      "<h2>Request rate against the limit</h2>\n<div class=\"panel\">\n<p>Nivoda requests per second, "
      "summed over every worker (request_seconds); the dashed line is NIVODA_RATE_LIMIT, red dots are "
      "HTTP 429 answers.</p>\n" +
      RequestRateSvg(d) + "</div>\n";

  html +=
      "<h2>Retries and 429s over time</h2>\n<div class=\"panel\">\n<p>Requests repeated after a retryable error "
      "(blue) and HTTP 429 answers (red) per interval; the account limiter lowers its rate on each round of "
      "429s.</p>\n" +
      RetriesSvg(d) + "</div>\n";
  html += "<h2>Failing partitions: last errors</h2>\n" + FailingPartitions(d);
  html += "<h2>Dead letters</h2>\n" + DeadLetters(d);
  html += "<h2>Partitions</h2>\n" + PartitionTable(d);
  html += "<footer>Generated " + E(d.generated_at) +
          " by diamond-ingest report. Self-contained: no scripts, "
          "nothing loaded from the network.</footer>\n";
  html += "</main>\n</body>\n</html>\n";
  return html;
}

Result<std::string> WriteReport(pg::Connection& conn, const std::string& run_id, double rate_limit,
                                const std::string& out_dir) {
  DI_ASSIGN_OR_RETURN(ReportData data, LoadReportData(conn, run_id, rate_limit));
  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  if (ec) return Status(Code::kInvalidArgument, "cannot create " + out_dir + ": " + ec.message());
  const std::string path = (std::filesystem::path(out_dir) / "index.html").string();
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << RenderReportHtml(data);
    out.close();
    if (!out) return Status(Code::kUnavailable, "cannot write " + tmp);
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status(Code::kUnavailable, "cannot write " + path + ": " + ec.message());
  return path;
}

}  // namespace di

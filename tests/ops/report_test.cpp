// The run report: content and self-containment of the HTML, the CLI, and a
// real render in headless Chromium (Debian's `chromium`, installed by
// scripts/bootstrap; missing Chromium fails the test, it is not skipped).
// DI_REPORT_SCREENSHOT=PATH copies the screenshot there (docs/images/report.png).
#include "ops/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "common/strings.h"
#include "ops/report_charts.h"
#include "ops_support.h"
#include "run_rows.h"
#include "store/runs.h"
#include "test_database.h"

namespace di::testing {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

// src/href/url()/@import pointing outside the file.
std::vector<std::string> ExternalReferences(const std::string& html) {
  static const std::regex kRef(
      R"re(((src|href|xlink:href|action|poster|srcset)\s*=\s*["']?\s*(https?:|//|ftp:|file:)))re"
      R"re(|url\(\s*["']?\s*(https?:|//)|@import)re",
      std::regex::icase);
  std::vector<std::string> found;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), kRef); it != std::sregex_iterator(); ++it) {
    found.push_back(it->str());
  }
  return found;
}

class ReportTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = db_.Connect();
    SampleRun run;
    run.run_id = "run-20260102-0200-natural";
    run.partitions = std::vector<std::string>(14, "completed");
    run.partitions[9] = "failed";
    run.offers = 30000;
    facts_ = InsertSampleRun(*conn_, run);
  }
  TestDatabase db_ = TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  SampleRunFacts facts_;
};

TEST_F(ReportTest, DataMatchesTheRun) {
  auto data = LoadReportData(*conn_, "run-20260102-0200-natural", 25);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->partitions.size(), 14u);
  EXPECT_EQ(data->histogram_source, HistogramSource::kRawRows) << "never consolidated: its raw rows";
  int64_t binned = 0;
  for (const auto& s : data->histogram) {
    binned += s.count;
    ASSERT_TRUE(s.to_dollars.has_value());
    EXPECT_LT(s.from_dollars, *s.to_dollars);
  }
  EXPECT_EQ(binned, 30000);
  for (size_t i = 1; i < data->histogram.size(); ++i) {
    EXPECT_LE(*data->histogram[i - 1].to_dollars, data->histogram[i].from_dollars);
  }
  int64_t requests = 0;
  for (const auto& s : data->requests) requests += s.requests;
  EXPECT_EQ(requests, facts_.requests);
  EXPECT_NEAR(data->requests.front().offset_seconds, 0, 1);
  EXPECT_EQ(LoadReportData(*conn_, "run-unknown", 25).status().code(), Code::kNotFound);
}

TEST_F(ReportTest, LogBinsMergeWhenTheyRoundToTheSameDollars) {
  // Bins 0..2 of 24/decade all lie within the first dollar.
  auto s = LogBinsToSamples({{0, 5}, {1, 6}, {2, 7}, {24, 1}, {48, 2}}, 24);
  ASSERT_EQ(s.size(), 3u);
  EXPECT_EQ(s[0].from_dollars, 0);
  EXPECT_EQ(s[0].count, 18);
  EXPECT_EQ(s[1].from_dollars, 9);   // 10^1 - 1
  EXPECT_EQ(s[2].from_dollars, 99);  // 10^2 - 1
}

TEST_F(ReportTest, HtmlIsSelfContainedAndCarriesTheCharts) {
  ScratchDir dir("di-report");
  auto path = WriteReport(*conn_, "run-20260102-0200-natural", 25, (dir.path() / "out").string());
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  const std::string html = ReadFile(*path);
  EXPECT_TRUE(ExternalReferences(html).empty()) << ExternalReferences(html).front();
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 4u);
  EXPECT_EQ(Count(html, "<line class=\"boundary\""), 13u);  // every lower bound but $0
  EXPECT_EQ(Count(html, "class=\"t-completed\""), 13u);
  EXPECT_EQ(Count(html, "class=\"t-failed\""), 1u);
  EXPECT_EQ(Count(html, "<circle class=\"r429\""), 1u);
  EXPECT_NE(html.find("limit 25/s"), std::string::npos);
  EXPECT_NE(html.find("13 / 14"), std::string::npos);  // partitions done / expected
  EXPECT_NE(html.find("30,000"), std::string::npos);
  EXPECT_NE(html.find("Nivoda unavailable after 10 deliveries: HTTP 503"), std::string::npos);
  // Self-check of the detector itself.
  EXPECT_EQ(ExternalReferences("<img src=\"https://x/y.png\"><a href='http://z'>").size(), 2u);
  EXPECT_EQ(ExternalReferences("<style>@import 'a.css'; b { background: url(//cdn/x) }</style>").size(), 2u);
}

TEST_F(ReportTest, TextFromTheDatabaseIsEscaped) {
  ASSERT_TRUE(conn_
                  ->Exec("UPDATE partition_runs SET error_message = '<script>alert(1)</script>' "
                         "WHERE run_id = 'run-20260102-0200-natural' AND partition_id = 9")
                  .ok());
  auto data = LoadReportData(*conn_, "run-20260102-0200-natural", 25);
  ASSERT_TRUE(data.ok());
  const std::string html = RenderReportHtml(*data);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
}

TEST_F(ReportTest, RendersInHeadlessChromium) {
  const std::string chromium = "/usr/bin/chromium";
  ASSERT_TRUE(std::filesystem::exists(chromium))
      << "Chromium is missing: install Debian's `chromium` package (scripts/bootstrap does)";
  ScratchDir dir("di-report-render");
  auto cli = RunCommand({BinaryPath("diamond-ingest"), "--database-url", db_.url(), "--nivoda-rate-limit", "25",
                         "report", "--run-id", "run-20260102-0200-natural", "--out", (dir.path() / "out").string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  const auto html = dir.path() / "out" / "index.html";
  ASSERT_EQ(cli.out, html.string() + "\n");

  const auto png = dir.path() / "report.png";
  auto shot = RunCommand({"timeout", "90", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                          "--no-first-run", "--disable-background-networking", "--disable-component-update",
                          "--disable-sync", "--hide-scrollbars", "--user-data-dir=" + (dir.path() / "profile").string(),
                          "--screenshot=" + png.string(), "--window-size=1280,2000", "file://" + html.string()});
  ASSERT_EQ(shot.exit_code, 0) << "chromium failed: " << shot.out;
  ASSERT_TRUE(std::filesystem::exists(png));
  const std::string bytes = ReadFile(png);
  ASSERT_GE(bytes.size(), 24u);
  EXPECT_EQ(bytes.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
           (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
  };
  EXPECT_EQ(be32(16), 1280u);  // IHDR width
  EXPECT_EQ(be32(20), 2000u);  // IHDR height
  // A blank 1280x2000 page compresses to a few kilobytes; charts and tables do not.
  EXPECT_GT(bytes.size(), 60000u) << "the screenshot looks empty";
  if (const char* keep = std::getenv("DI_REPORT_SCREENSHOT")) {
    std::filesystem::copy_file(png, keep, std::filesystem::copy_options::overwrite_existing);
  }
}

// The DOM headless Chromium builds from the report at PATH (--dump-dom).
std::string ChromiumDom(const std::filesystem::path& path, const std::filesystem::path& profile) {
  auto r =
      RunCommand({"timeout", "90", "/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--user-data-dir=" + profile.string(), "--dump-dom", "file://" + path.string()});
  EXPECT_EQ(r.exit_code, 0) << "chromium failed";
  return r.out;
}

// The text of the value of card KEY in DOM.
std::string CardValue(const std::string& dom, const std::string& key) {
  const std::regex card("data-key=\"" + key + "\"><div class=\"k\">[^<]*</div><div class=\"v\">([^<]*)</div>");
  std::smatch m;
  return std::regex_search(dom, m, card) ? m[1].str() : "(no card " + key + ")";
}

// A past run as it was: consolidated (its histogram recorded then), a later
// run took over half its raw rows, 5 offers (11 sightings) it could not store,
// one dead letter, retries and 429s; rendered by headless Chromium, the DOM
// carries its own numbers.
TEST_F(ReportTest, APastRunAsItWasInChromium) {
  const std::string run = "run-20260102-0200-natural";
  for (const char* sql : {
           "UPDATE run_metadata SET consolidation_stats = '{\"seen\": 30000, \"inserted\": 29000, \"updated\": 800,"
           " \"unchanged\": 200, \"deleted\": 12, \"undeleted\": 1, \"failed\": 3}' WHERE run_id = $1",
           // What FinalizeRun records (consolidate/run_store.cpp) ...
           "INSERT INTO run_price_bins (run_id, bin, offers) SELECT $1, floor(log(1 + price_cents / 100.0) * 24)::int,"
           " count(*) FROM raw_diamonds_nivoda WHERE run_id = $1 GROUP BY 2",
           // ... before a later run of the feed took over half the stones.
           "INSERT INTO run_metadata (run_id, feed, run_type, expected_partitions, updated_to, started_at)"
           " SELECT 'run-later', 'natural', 'incremental', 1, now(), now() WHERE $1::text IS NOT NULL",
           "UPDATE raw_diamonds_nivoda SET run_id = 'run-later' WHERE run_id = $1 AND price_cents % 2 = 0",
           "INSERT INTO raw_offer_failures (run_id, partition_id, reason, raw)"
           " SELECT $1, 0, 'missing price', '{\"id\":\"bad-' || (i % 5) || '\"}' FROM generate_series(1, 11) i",
           "INSERT INTO queue_dead_letters (id, queue, body, enqueued_at, delivery_count, reason, description)"
           " VALUES (1, 'work-items', '{\"runId\":\"' || $1 || '\",\"partitionId\":9}', now(), 10,"
           " 'MaxDeliveryCountExceeded', 'delivered 10 times')",
           "UPDATE request_seconds SET retries = rate_limited + 2 WHERE run_id = $1",
       }) {
    auto r = conn_->Exec(sql, {pg::P(run)});
    ASSERT_TRUE(r.ok()) << r.status().ToString() << " in " << sql;
  }
  auto data = LoadReportData(*conn_, run, 25);
  ASSERT_TRUE(data.ok()) << data.status().ToString();
  EXPECT_EQ(data->histogram_source, HistogramSource::kRecorded);
  EXPECT_EQ(data->histogram_offers, 30000) << "the run's own offers, not the half left in the raw table";

  ScratchDir dir("di-report-dom");
  auto cli = RunCommand({BinaryPath("diamond-ingest"), "--database-url", db_.url(), "--nivoda-rate-limit", "25",
                         "report", "--run-id", run, "--out", (dir.path() / "out").string()});
  ASSERT_EQ(cli.exit_code, 0) << cli.out;
  const std::string dom = ChromiumDom(dir.path() / "out" / "index.html", dir.path() / "profile");
  ASSERT_NE(dom.find("<main>"), std::string::npos) << dom.substr(0, 500);
  EXPECT_EQ(Count(dom, "<svg class=\"chart\""), 4u);
  EXPECT_NE(dom.find("The 30,000 offers this run stored"), std::string::npos);
  EXPECT_EQ(CardValue(dom, "offers changed"), "29,000 · 800");
  EXPECT_EQ(CardValue(dom, "bad offers"), "8") << "5 offers not storable + 3 not mappable";
  EXPECT_NE(dom.find("5 served but not storable (11 sightings)"), std::string::npos);
  EXPECT_NE(dom.find("200 unchanged, 12 deleted, 1 back"), std::string::npos);
  EXPECT_EQ(CardValue(dom, "dead letters"), "1");
  EXPECT_NE(dom.find("MaxDeliveryCountExceeded"), std::string::npos);
  EXPECT_EQ(CardValue(dom, "partitions"), "13 / 14");
  EXPECT_EQ(CardValue(dom, "requests"), FormatCount(facts_.requests));
  EXPECT_EQ(CardValue(dom, "errors · 429s"),
            FormatCount(facts_.rate_limited) + " · " + FormatCount(facts_.rate_limited));
  // The failing partition and its last error; retries and 429s drawn over time.
  const size_t failing = dom.find("id=\"failing\"");
  ASSERT_NE(failing, std::string::npos);
  EXPECT_NE(dom.find("Nivoda unavailable after 10 deliveries: HTTP 503", failing), std::string::npos);
  EXPECT_GT(Count(dom, "<rect class=\"retry\""), 0u);
  EXPECT_EQ(Count(dom, "<rect class=\"r429bar\""), 1u);
}

// A retried run: its earlier error and failed count go with the retry.
TEST_F(ReportTest, ARetriedRunIsConsistent) {
  const std::string run = "run-20260102-0200-natural";
  ASSERT_TRUE(conn_
                  ->Exec("UPDATE run_metadata SET status = 'failed', error_message = '1 of 14 partitions failed'"
                         " WHERE run_id = $1",
                         {pg::P(run)})
                  .ok());
  auto reset = store::ResetFailedPartitions(*conn_, run, std::nullopt);
  ASSERT_TRUE(reset.ok()) << reset.status().ToString();
  ASSERT_EQ(reset->size(), 1u);
  auto data = LoadReportData(*conn_, run, 25);
  ASSERT_TRUE(data.ok());
  const std::string html = RenderReportHtml(*data);
  EXPECT_EQ(html.find("1 of 14 partitions failed"), std::string::npos) << "the error before the retry";
  EXPECT_EQ(data->run.failed_partitions, 0);
  EXPECT_NE(html.find("0 failed · 0 running · 1 pending"), std::string::npos);
}

}  // namespace
}  // namespace di::testing

// The run report: content and self-containment of the HTML, the CLI, and a
// real render in headless Chromium (Debian's `chromium`, installed by
// scripts/bootstrap; missing Chromium fails the test, it is not skipped).
// DI_REPORT_SCREENSHOT=PATH copies the screenshot there (docs/images/report.png).
#include "ops/report.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "ops/report_charts.h"
#include "ops_support.h"
#include "run_rows.h"
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
  EXPECT_FALSE(data->histogram_from_partitions);
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
  EXPECT_EQ(Count(html, "<svg class=\"chart\""), 3u);
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

}  // namespace
}  // namespace di::testing

// Metrics of real processes: two `diamond-ingest work` processes on one host
// with the same metrics address both run (the second warns and serves on a
// free port), their scrape passes `promtool check metrics`, counts pages and
// offers per page and carries the pipeline's gauges; the alerting rules in
// deploy/prometheus pass `promtool check rules`. promtool comes from Debian's
// `prometheus` package (scripts/bootstrap); without it those checks skip.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

#include <fstream>
#include <regex>
#include <thread>

#include "ops_support.h"
#include "pipeline_fixture.h"

namespace di::testing {
namespace {

bool HavePromtool() { return RunCommand({"sh", "-c", "command -v promtool"}).exit_code == 0; }

// The value of the first sample line starting with SERIES (name and labels), or -1.
double Sample(const std::string& body, const std::string& series) {
  const size_t at = body.find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(body.substr(at + series.size() + 2));
}

// The port a process logged as serving its metrics ("metrics":"127.0.0.1:N"), or 0.
int LoggedMetricsPort(const std::string& log) {
  static const std::regex kStarted(R"re("msg":"worker started".*"metrics":"127\.0\.0\.1:(\d+)")re");
  std::smatch m;
  return std::regex_search(log, m, kStarted) ? std::stoi(m[1]) : 0;
}

TEST(MetricsProcess, AlertingRulesPassPromtool) {
  const auto rules = SourceDir() / "deploy/prometheus/diamond-ingest-rules.yml";
  ASSERT_TRUE(std::filesystem::exists(rules));
  if (!HavePromtool()) GTEST_SKIP() << "promtool not installed (Debian package prometheus)";
  auto r = RunCommand({"sh", "-c", "promtool check rules " + ShellQuote(rules.string()) + " 2>&1"});
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("SUCCESS: 6 rules found"), std::string::npos) << r.out;
}

TEST(MetricsProcess, TwoWorkersOnOneHostBothRunAndTheirScrapeIsValid) {
  Pipeline p({"--natural", "1200", "--labgrown", "0", "--latency-base-ms", "5"});
  ASSERT_TRUE(p.sim);
  std::string run = p.ScheduleFull(4);
  ASSERT_FALSE(run.empty());
  // The first takes any free port; the second is told that port (taken) and falls back.
  // (A port probed free and released here could be taken by a parallel test in between.)
  ScratchDir dir("di-metrics-process");
  const std::vector<std::string> env = {"LOG_LEVEL=info", "WORKER_PARTITIONS=2"};
  const std::string log_a = (dir.path() / "a.log").string(), log_b = (dir.path() / "b.log").string();
  const std::vector<std::string> argv = {DiamondIngestBin(), "work"};
  auto env_with = [&](const std::string& addr) {
    auto e = env;
    e.push_back("METRICS_ADDR=" + addr);
    return ProcessEnv(p.db.url(), p.sim->endpoint(), e);
  };
  pid_t a = SpawnProcess(argv, env_with("127.0.0.1:0"), log_a);
  ASSERT_GT(a, 0);
  // The first must hold the port before the second starts.
  const int64_t deadline = DefaultClock().MonotonicMs() + 30000;
  while (LoggedMetricsPort(ReadFile(log_a)) == 0 && DefaultClock().MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int port = LoggedMetricsPort(ReadFile(log_a));
  ASSERT_GT(port, 0) << ReadFile(log_a);
  pid_t b = SpawnProcess(argv, env_with("127.0.0.1:" + std::to_string(port)), log_b);
  ASSERT_GT(b, 0);
  while (LoggedMetricsPort(ReadFile(log_b)) == 0 && DefaultClock().MonotonicMs() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const int port_a = port, port_b = LoggedMetricsPort(ReadFile(log_b));
  EXPECT_GT(port_b, 0) << ReadFile(log_b);
  EXPECT_NE(port_b, port);
  EXPECT_NE(ReadFile(log_b).find("metrics port taken"), std::string::npos) << "a warning names the taken port";

  // Until the run's partitions are fetched (then the pages are all counted).
  while (p.Pending(queue::kConsolidate) == 0 && p.RunStatus(run) == "running" &&
         DefaultClock().MonotonicMs() < deadline + 60000) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(kill(a, 0), 0) << "worker a runs";
  EXPECT_EQ(kill(b, 0), 0) << "worker b runs";
  double pages = 0, offers = 0;
  std::string body_a;
  for (int port_x : {port_a, port_b}) {
    httplib::Client client("127.0.0.1", port_x);
    auto res = client.Get("/metrics");
    ASSERT_TRUE(res) << "no scrape on port " << port_x;
    ASSERT_EQ(res->status, 200);
    if (port_x == port_a) body_a = res->body;
    pages += std::max(0.0, Sample(res->body, "diamond_ingest_pages_fetched_total"));
    offers += std::max(0.0, Sample(res->body, "diamond_ingest_offers_fetched_total"));
  }
  // Every page answered is counted once, where it was fetched (not at partition end).
  auto conn = p.db.Connect();
  auto stored =
      conn->Exec("SELECT coalesce(sum(pages_fetched), 0) FROM partition_progress WHERE run_id = $1", {pg::P(run)});
  ASSERT_TRUE(stored.ok());
  EXPECT_GE(pages, static_cast<double>(stored->GetInt64(0, 0))) << "pages checkpointed by the run's partitions";
  EXPECT_GE(offers, 1200) << "every offer was served at least once";
  EXPECT_EQ(Sample(body_a, "diamond_ingest_build_info{version=\"0.1.0\"}"), 1);
  EXPECT_EQ(Sample(body_a, "diamond_ingest_database_up"), 1);
  EXPECT_EQ(Sample(body_a, "diamond_ingest_queue_messages{queue=\"work-items\",state=\"dead_letter\"}"), 0);
  EXPECT_GE(Sample(body_a, "diamond_ingest_run_status{feed=\"natural\",status=\"running\"}"), 0) << body_a;
  EXPECT_EQ(Sample(body_a, "diamond_ingest_rate_limit_requests_per_second"), 25) << "the configured rate, no 429";
  if (HavePromtool()) {
    const auto scrape = dir.path() / "scrape.txt";
    std::ofstream(scrape) << body_a;
    auto r = RunCommand({"sh", "-c", "promtool check metrics < " + ShellQuote(scrape.string()) + " 2>&1"});
    EXPECT_EQ(r.exit_code, 0) << r.out;
    EXPECT_EQ(r.out, "") << "promtool's lint findings";
  }
  EXPECT_EQ(StopProcess(a, std::chrono::seconds(30)), 0);
  EXPECT_EQ(StopProcess(b, std::chrono::seconds(30)), 0);
}

}  // namespace
}  // namespace di::testing

#include "ops/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <regex>
#include <sstream>

#include "roles/worker.h"

namespace di {
namespace {

bool Has(const std::string& body, const std::string& line) { return body.find(line) != std::string::npos; }

TEST(MetricsTest, ServesRequestMetricsWorkerCountersAndHealth) {
  RoleMetrics metrics;
  WorkerCounters counters;
  counters.completed = 7;
  counters.in_flight = 3;
  metrics.TrackWorker(&counters);
  nivoda::CallEvent ok;
  ok.operation = "page";
  ok.sent = true;
  ok.items = 50;
  ok.latency_ms = 1500;
  metrics.OnCall(ok);
  ok.items = 20;  // a short page
  metrics.OnCall(ok);
  nivoda::CallEvent limited;
  limited.operation = "count";
  limited.sent = true;
  limited.code = Code::kRateLimited;
  limited.http_status = 429;
  limited.retry_in = Millis(1000);
  metrics.OnCall(limited);
  nivoda::CallEvent never_sent;  // cancelled before the limiter let it go
  never_sent.operation = "page";
  never_sent.code = Code::kCancelled;
  for (int i = 0; i < 100; ++i) metrics.OnCall(never_sent);

  std::atomic<bool> healthy{true};
  MetricsServer server([&] { return metrics.Render(); }, [&] { return healthy.load(); });
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string& body = res->body;
  EXPECT_TRUE(Has(body, "diamond_ingest_nivoda_requests_total{operation=\"page\",outcome=\"ok\"} 2")) << body;
  EXPECT_FALSE(Has(body, "outcome=\"cancelled\"")) << "requests never sent are not requests";
  EXPECT_TRUE(Has(body, "diamond_ingest_nivoda_requests_total{operation=\"count\",outcome=\"rate_limited\"} 1"));
  EXPECT_TRUE(Has(body, "diamond_ingest_nivoda_retries_total{operation=\"count\",reason=\"rate_limited\"} 1"));
  EXPECT_TRUE(Has(body, "diamond_ingest_nivoda_request_duration_seconds_bucket{operation=\"page\",le=\"1.5\"} 2"));
  EXPECT_TRUE(Has(body, "# TYPE diamond_ingest_pages_fetched_total counter"));
  EXPECT_TRUE(Has(body, "diamond_ingest_pages_fetched_total 2"));
  EXPECT_TRUE(Has(body, "diamond_ingest_offers_fetched_total 70"));
  EXPECT_TRUE(Has(body, "# TYPE diamond_ingest_partitions_total counter"));
  EXPECT_TRUE(Has(body, "diamond_ingest_partitions_total{result=\"completed\"} 7"));
  EXPECT_TRUE(Has(body, "diamond_ingest_partitions_in_flight 3"));
  EXPECT_TRUE(Has(body, "diamond_ingest_build_info{version=\"0.1.0\"} 1"));
  // Every family is ours, and every counter says so.
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty()) continue;
    static const std::regex kType(R"(# TYPE (\S+) (\S+))");
    std::smatch m;
    if (std::regex_match(line, m, kType)) {
      EXPECT_EQ(m[1].str().rfind("diamond_ingest_", 0), 0u) << line;
      if (m[2] == "counter") {
        EXPECT_TRUE(m[1].str().ends_with("_total")) << line;
      }
    }
  }
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  healthy = false;
  EXPECT_EQ(client.Get("/healthz")->status, 503);
  server.Stop();
}

TEST(MetricsTest, ScrapedFamiliesAreReadAtScrapeTime) {
  std::atomic<int64_t> completed{1};
  RoleMetrics metrics;
  metrics.AddCounter("diamond_ingest_consolidations_total", "test", [&] {
    return std::vector<MetricSample>{{{{"outcome", "completed"}}, static_cast<double>(completed.load())}};
  });
  EXPECT_TRUE(Has(metrics.Render(), "diamond_ingest_consolidations_total{outcome=\"completed\"} 1"));
  completed = 5;
  EXPECT_TRUE(Has(metrics.Render(), "diamond_ingest_consolidations_total{outcome=\"completed\"} 5"));
}

TEST(MetricsTest, RefusesAnAddressInUseOrFallsBackToAFreePort) {
  MetricsServer first([] { return std::string(); }, [] { return true; });
  ASSERT_TRUE(first.Start("127.0.0.1", 0).ok());
  MetricsServer second([] { return std::string(); }, [] { return true; });
  EXPECT_FALSE(second.Start("127.0.0.1", first.port()).ok());
  MetricsServer third([] { return std::string("third"); }, [] { return true; });
  ASSERT_TRUE(third.StartOrFallBack("127.0.0.1", first.port()).ok());
  EXPECT_NE(third.port(), first.port());
  EXPECT_GT(third.port(), 0);
  httplib::Client client("127.0.0.1", third.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "third");
}

}  // namespace
}  // namespace di

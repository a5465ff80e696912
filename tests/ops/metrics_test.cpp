#include "ops/metrics.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>

#include "roles/worker.h"

namespace di {
namespace {

TEST(MetricsTest, ServesRequestMetricsWorkerCountersAndHealth) {
  WorkerMetrics metrics;
  WorkerCounters counters;
  counters.pages = 42;
  counters.in_flight = 3;
  metrics.Track(&counters);
  nivoda::CallEvent ok;
  ok.operation = "page";
  ok.latency_ms = 1500;
  metrics.OnCall(ok);
  metrics.OnCall(ok);
  nivoda::CallEvent limited;
  limited.operation = "count";
  limited.code = Code::kRateLimited;
  limited.http_status = 429;
  limited.retry_in = Millis(1000);
  metrics.OnCall(limited);

  std::atomic<bool> healthy{true};
  MetricsServer server([&] { return metrics.Render(); }, [&] { return healthy.load(); });
  ASSERT_TRUE(server.Start("127.0.0.1", 0).ok());
  httplib::Client client("127.0.0.1", server.port());
  auto res = client.Get("/metrics");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200);
  const std::string& body = res->body;
  EXPECT_NE(body.find("nivoda_requests_total{operation=\"page\",outcome=\"ok\"} 2"), std::string::npos) << body;
  EXPECT_NE(body.find("nivoda_retries_total{operation=\"count\",reason=\"rate_limited\"} 1"), std::string::npos);
  EXPECT_NE(body.find("nivoda_request_seconds_bucket{operation=\"page\",le=\"1.5\"} 2"), std::string::npos);
  EXPECT_NE(body.find("worker_state{counter=\"pages\"} 42"), std::string::npos);
  EXPECT_NE(body.find("worker_state{counter=\"partitions_in_flight\"} 3"), std::string::npos);
  EXPECT_EQ(client.Get("/healthz")->status, 200);
  healthy = false;
  EXPECT_EQ(client.Get("/healthz")->status, 503);
  server.Stop();
}

TEST(MetricsTest, CounterMetricsReadAtScrapeTime) {
  std::atomic<int64_t> completed{1};
  CounterMetrics metrics("consolidator_state", "test");
  metrics.Add("runs_completed", [&] { return completed.load(); });
  EXPECT_NE(metrics.Render().find("consolidator_state{counter=\"runs_completed\"} 1"), std::string::npos);
  completed = 5;
  EXPECT_NE(metrics.Render().find("consolidator_state{counter=\"runs_completed\"} 5"), std::string::npos);
}

TEST(MetricsTest, RefusesAnAddressInUse) {
  MetricsServer first([] { return std::string(); }, [] { return true; });
  ASSERT_TRUE(first.Start("127.0.0.1", 0).ok());
  MetricsServer second([] { return std::string(); }, [] { return true; });
  EXPECT_FALSE(second.Start("127.0.0.1", first.port()).ok());
}

}  // namespace
}  // namespace di

// Metrics: the Prometheus metrics of the roles, and the HTTP endpoint serving them.
//
// Every name starts with diamond_ingest_; counters are counters and end in
// _total; times are seconds. The families (also listed in README.md,
// "Metrics", and used by deploy/prometheus/diamond-ingest-rules.yml):
//
// RoleMetrics, in every long-running role:
//   diamond_ingest_build_info{version}                         gauge, 1
//   diamond_ingest_nivoda_requests_total{operation,outcome}    requests sent (never those cancelled before sending)
//   diamond_ingest_nivoda_retries_total{operation,reason}
//   diamond_ingest_nivoda_request_duration_seconds{operation}  histogram
//   diamond_ingest_rate_limiter_wait_seconds                   histogram
//   diamond_ingest_pages_fetched_total, diamond_ingest_offers_fetched_total   per page answered
//   TrackWorker(): diamond_ingest_partitions_total{result}, diamond_ingest_partitions_in_flight,
//                  diamond_ingest_work_items_total{result}
//   TrackLimiter(): diamond_ingest_rate_limit_requests_per_second (the account's adapted rate),
//                  diamond_ingest_rate_limit_decreases_total
// PipelineMetrics (AddPipelineMetrics), read from the database and queue at scrape time, the same in
// every process (aggregate with max by (feed)):
//   diamond_ingest_queue_messages{queue,state}                 ready | leased | scheduled | dead_letter
//   diamond_ingest_run_status{feed,status}                     1 for the latest run's status, 0 for the others
//   diamond_ingest_runs_in_flight{feed}
//   diamond_ingest_run_seconds_since_progress{feed}            the latest run, while it is running
//   diamond_ingest_last_successful_sync_timestamp_seconds{feed}
//   diamond_ingest_watermark_age_seconds{feed}
//   diamond_ingest_last_consolidation_offers{feed,result}      added | changed | unchanged | deleted | failed
//   diamond_ingest_last_consolidation_duration_seconds{feed}
//   diamond_ingest_database_up                                 0 when the scrape could not read the database
//
// MetricsServer serves GET /metrics (text format 0.0.4) and GET /healthz.
// All classes are thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "nivoda/nivoda_client.h"
#include "queue/queue.h"
#include "store/pool.h"

namespace prometheus {
struct MetricFamily;
}

namespace di {

struct WorkerCounters;

struct MetricSample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

class RoleMetrics final : public nivoda::ClientObserver {
 public:
  RoleMetrics();
  ~RoleMetrics() override;
  // Counts requests actually sent; pages and offers per page answered.
  void OnCall(const nivoda::CallEvent& event) override;
  // Exposes COUNTERS (which must outlive this object) at every scrape.
  void TrackWorker(const WorkerCounters* counters);
  // The account limiter's rate and decreases, read at every scrape.
  void TrackLimiter(std::function<double()> rate, std::function<int64_t()> decreases);
  // A family read at every scrape (READ must stay callable for this object's lifetime).
  void AddCounter(const std::string& name, const std::string& help, std::function<std::vector<MetricSample>()> read);
  void AddGauge(const std::string& name, const std::string& help, std::function<std::vector<MetricSample>()> read);
  // Families computed together at every scrape (e.g. the pipeline's).
  void AddSource(std::function<std::vector<prometheus::MetricFamily>()> collect);
  // The text exposition of every metric now.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Adds the pipeline's families (see above) to METRICS, read through POOL and
// QUEUE at every scrape; QUEUES: the queues whose depths are exported.
void AddPipelineMetrics(RoleMetrics& metrics, std::shared_ptr<pg::Pool> pool, std::shared_ptr<queue::Queue> queue,
                        std::vector<std::string> queues);

class MetricsServer {
 public:
  // RENDER produces the /metrics body; HEALTHY decides /healthz (200 or 503).
  MetricsServer(std::function<std::string()> render, std::function<bool()> healthy);
  ~MetricsServer();
  // Binds HOST:PORT (port 0: any free port) and serves in a background thread.
  Status Start(const std::string& host, int port);
  // Start(HOST, PORT); when that port is taken, a warning naming it and any
  // free port instead (logged with the port chosen), so several processes on
  // one host all run with the same settings.
  Status StartOrFallBack(const std::string& host, int port);
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace di

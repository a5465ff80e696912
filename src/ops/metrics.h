// Metrics: the Prometheus metrics of a role, and the HTTP endpoint serving them.
//
// WorkerMetrics is a nivoda::ClientObserver (requests by operation and outcome,
// request latency, rate-limiter waits, retries) plus the worker's own counters
// read at scrape time (pages, offers, partitions in flight, completed, failed,
// abandoned, dead-lettered). MetricsServer serves GET /metrics (text format)
// and GET /healthz on an address that defaults to 127.0.0.1.
// Both are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "nivoda/nivoda_client.h"

namespace prometheus {
class Registry;
}

namespace di {

struct WorkerCounters;

class WorkerMetrics final : public nivoda::ClientObserver {
 public:
  WorkerMetrics();
  ~WorkerMetrics() override;
  void OnCall(const nivoda::CallEvent& event) override;
  // Exposes COUNTERS (which must outlive this object) at every scrape.
  void Track(const WorkerCounters* counters);
  std::shared_ptr<prometheus::Registry> registry() const;
  // The text exposition of every metric now.
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Counters of a role read at every scrape, as one gauge family with a
// "counter" label (e.g. consolidator_state{counter="completed"}).
class CounterMetrics {
 public:
  CounterMetrics(const std::string& family, const std::string& help);
  ~CounterMetrics();
  // READ must stay callable for the object's lifetime.
  void Add(const std::string& counter, std::function<int64_t()> read);
  std::string Render() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class MetricsServer {
 public:
  // RENDER produces the /metrics body; HEALTHY decides /healthz (200 or 503).
  MetricsServer(std::function<std::string()> render, std::function<bool()> healthy);
  ~MetricsServer();
  // Binds HOST:PORT (port 0: any free port) and serves in a background thread.
  Status Start(const std::string& host, int port);
  int port() const { return port_; }
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = 0;
};

}  // namespace di

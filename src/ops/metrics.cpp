#include "ops/metrics.h"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "roles/worker.h"

namespace di {

namespace {

// A gauge family whose values are read from callbacks at scrape time.
class ScrapedGauges {
 public:
  ScrapedGauges(prometheus::Registry& registry, const std::string& family, const std::string& help)
      : family_(prometheus::BuildGauge().Name(family).Help(help).Register(registry)) {}
  void Add(const std::string& counter, std::function<int64_t()> read) {
    std::lock_guard<std::mutex> lock(mu_);
    readers_.emplace_back(&family_.Add({{"counter", counter}}), std::move(read));
  }
  void Update() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [gauge, read] : readers_) gauge->Set(static_cast<double>(read()));
  }

 private:
  prometheus::Family<prometheus::Gauge>& family_;
  std::mutex mu_;
  std::vector<std::pair<prometheus::Gauge*, std::function<int64_t()>>> readers_;
};

}  // namespace

struct CounterMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::unique_ptr<ScrapedGauges> gauges;
};

CounterMetrics::CounterMetrics(const std::string& family, const std::string& help) : impl_(std::make_unique<Impl>()) {
  impl_->gauges = std::make_unique<ScrapedGauges>(*impl_->registry, family, help);
}
CounterMetrics::~CounterMetrics() = default;

void CounterMetrics::Add(const std::string& counter, std::function<int64_t()> read) {
  impl_->gauges->Add(counter, std::move(read));
}

std::string CounterMetrics::Render() const {
  impl_->gauges->Update();
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

struct WorkerMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests = prometheus::BuildCounter()
                                                          .Name("nivoda_requests_total")
                                                          .Help("HTTP exchanges with Nivoda by operation and outcome")
                                                          .Register(*registry);
  prometheus::Family<prometheus::Counter>& retries = prometheus::BuildCounter()
                                                         .Name("nivoda_retries_total")
                                                         .Help("Requests retried after a retryable error")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency =
      prometheus::BuildHistogram().Name("nivoda_request_seconds").Help("Nivoda request latency").Register(*registry);
  prometheus::Family<prometheus::Histogram>& waits = prometheus::BuildHistogram()
                                                         .Name("rate_limiter_wait_seconds")
                                                         .Help("Time spent waiting for the account-wide rate limiter")
                                                         .Register(*registry);
  ScrapedGauges worker{*registry, "worker_state", "Worker counters (pages, offers, partitions)"};
};

namespace {
const prometheus::Histogram::BucketBoundaries kLatency = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 45, 60};
const prometheus::Histogram::BucketBoundaries kWaits = {0.001, 0.01, 0.04, 0.1, 0.25, 0.5, 1, 2, 5};
}  // namespace

WorkerMetrics::WorkerMetrics() : impl_(std::make_unique<Impl>()) {}
WorkerMetrics::~WorkerMetrics() = default;

void WorkerMetrics::OnCall(const nivoda::CallEvent& e) {
  impl_->requests.Add({{"operation", e.operation}, {"outcome", CodeName(e.code)}}).Increment();
  impl_->latency.Add({{"operation", e.operation}}, kLatency).Observe(static_cast<double>(e.latency_ms) / 1000.0);
  impl_->waits.Add({}, kWaits).Observe(static_cast<double>(e.limiter_wait_ms) / 1000.0);
  if (e.retry_in) impl_->retries.Add({{"operation", e.operation}, {"reason", CodeName(e.code)}}).Increment();
}

void WorkerMetrics::Track(const WorkerCounters* c) {
  auto add = [this](const char* what, const std::atomic<int64_t>* v) {
    impl_->worker.Add(what, [v] { return v->load(); });
  };
  add("pages", &c->pages);
  add("offers", &c->offers);
  add("partitions_in_flight", &c->in_flight);
  add("partitions_completed", &c->completed);
  add("partitions_failed", &c->failed);
  add("work_items_abandoned", &c->abandoned);
  add("work_items_dead_lettered", &c->dead_lettered);
  add("work_items_duplicate", &c->duplicates);
}

std::shared_ptr<prometheus::Registry> WorkerMetrics::registry() const { return impl_->registry; }

std::string WorkerMetrics::Render() const {
  impl_->worker.Update();
  return prometheus::TextSerializer().Serialize(impl_->registry->Collect());
}

struct MetricsServer::Impl {
  httplib::Server server;
  std::thread thread;
};

MetricsServer::MetricsServer(std::function<std::string()> render, std::function<bool()> healthy)
    : impl_(std::make_unique<Impl>()) {
  // cpp-httplib also sets SO_REUSEPORT, which would let two workers share one
  // port and answer each other's scrapes: keep SO_REUSEADDR only.
  impl_->server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<const void*>(&yes), sizeof(yes));
  });
  impl_->server.Get("/metrics", [render](const httplib::Request&, httplib::Response& res) {
    res.set_content(render(), "text/plain; version=0.0.4");
  });
  impl_->server.Get("/healthz", [healthy](const httplib::Request&, httplib::Response& res) {
    bool ok = healthy();
    res.status = ok ? 200 : 503;
    res.set_content(ok ? "ok\n" : "unhealthy\n", "text/plain");
  });
}

MetricsServer::~MetricsServer() { Stop(); }

Status MetricsServer::Start(const std::string& host, int port) {
  if (port == 0) {
    port_ = impl_->server.bind_to_any_port(host);
  } else {
    port_ = impl_->server.bind_to_port(host, port) ? port : -1;
  }
  if (port_ <= 0)
    return Status(Code::kUnavailable, "cannot bind the metrics server to " + host + ":" + std::to_string(port));
  impl_->thread = std::thread([this] { impl_->server.listen_after_bind(); });
  // stop() before the listen loop runs would be lost: wait until it runs.
  while (!impl_->server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace di

#include "ops/metrics.h"

#include <httplib.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <utility>
#include <vector>

#include "common/log.h"
#include "roles/worker.h"

namespace di {

namespace {

constexpr const char* kVersion = "0.1.0";  // CMakeLists.txt project(VERSION)

prometheus::MetricFamily Family(const std::string& name, const std::string& help, prometheus::MetricType type,
                                const std::vector<MetricSample>& samples) {
  prometheus::MetricFamily f;
  f.name = name;
  f.help = help;
  f.type = type;
  for (const auto& s : samples) {
    prometheus::ClientMetric m;
    for (const auto& [k, v] : s.labels) m.label.push_back({k, v});
    if (type == prometheus::MetricType::Counter) {
      m.counter.value = s.value;
    } else {
      m.gauge.value = s.value;
    }
    f.metric.push_back(std::move(m));
  }
  return f;
}

const prometheus::Histogram::BucketBoundaries kLatency = {0.01, 0.05, 0.1, 0.25, 0.5, 1, 1.5, 2, 3, 5, 10, 20, 45, 60};
const prometheus::Histogram::BucketBoundaries kWaits = {0.001, 0.01, 0.04, 0.1, 0.25, 0.5, 1, 2, 5};

}  // namespace

struct RoleMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("diamond_ingest_nivoda_requests_total")
          .Help("Requests sent to Nivoda, by operation and outcome (rate_limited: HTTP 429)")
          .Register(*registry);
  prometheus::Family<prometheus::Counter>& retries = prometheus::BuildCounter()
                                                         .Name("diamond_ingest_nivoda_retries_total")
                                                         .Help("Nivoda requests repeated after a retryable error")
                                                         .Register(*registry);
  prometheus::Family<prometheus::Histogram>& latency = prometheus::BuildHistogram()
                                                           .Name("diamond_ingest_nivoda_request_duration_seconds")
                                                           .Help("Nivoda request latency (the HTTP exchange)")
                                                           .Register(*registry);
  prometheus::Family<prometheus::Histogram>& waits = prometheus::BuildHistogram()
                                                         .Name("diamond_ingest_rate_limiter_wait_seconds")
                                                         .Help("Time spent waiting for the account-wide rate limiter")
                                                         .Register(*registry);
  prometheus::Counter& pages = prometheus::BuildCounter()
                                   .Name("diamond_ingest_pages_fetched_total")
                                   .Help("Pages answered by Nivoda")
                                   .Register(*registry)
                                   .Add({});
  prometheus::Counter& offers = prometheus::BuildCounter()
                                    .Name("diamond_ingest_offers_fetched_total")
                                    .Help("Offers in the pages answered by Nivoda (unstorable ones included)")
                                    .Register(*registry)
                                    .Add({});
  struct Scraped {
    std::string name, help;
    prometheus::MetricType type;
    std::function<std::vector<MetricSample>()> read;
  };
  mutable std::mutex mu;
  std::vector<Scraped> scraped;
  std::vector<std::function<std::vector<prometheus::MetricFamily>()>> sources;
};

RoleMetrics::RoleMetrics() : impl_(std::make_unique<Impl>()) {
  AddGauge("diamond_ingest_build_info", "Build of this process (value 1)", [] {
    return std::vector<MetricSample>{{{{"version", kVersion}}, 1}};
  });
}
RoleMetrics::~RoleMetrics() = default;

void RoleMetrics::OnCall(const nivoda::CallEvent& e) {
  if (!e.sent) return;  // refused by the limiter or cancelled: nothing reached Nivoda
  impl_->requests.Add({{"operation", e.operation}, {"outcome", CodeName(e.code)}}).Increment();
  impl_->latency.Add({{"operation", e.operation}}, kLatency).Observe(static_cast<double>(e.latency_ms) / 1000.0);
  impl_->waits.Add({}, kWaits).Observe(static_cast<double>(e.limiter_wait_ms) / 1000.0);
  if (e.retry_in) impl_->retries.Add({{"operation", e.operation}, {"reason", CodeName(e.code)}}).Increment();
  if (e.code == Code::kOk && std::string_view(e.operation) == "page") {
    impl_->pages.Increment();
    impl_->offers.Increment(static_cast<double>(e.items));
  }
}

void RoleMetrics::AddCounter(const std::string& name, const std::string& help,
                             std::function<std::vector<MetricSample>()> read) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->scraped.push_back({name, help, prometheus::MetricType::Counter, std::move(read)});
}

void RoleMetrics::AddGauge(const std::string& name, const std::string& help,
                           std::function<std::vector<MetricSample>()> read) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->scraped.push_back({name, help, prometheus::MetricType::Gauge, std::move(read)});
}

void RoleMetrics::AddSource(std::function<std::vector<prometheus::MetricFamily>()> collect) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->sources.push_back(std::move(collect));
}

void RoleMetrics::TrackWorker(const WorkerCounters* c) {
  auto v = [](const std::atomic<int64_t>& a) { return static_cast<double>(a.load()); };
  AddCounter("diamond_ingest_partitions_total", "Partitions this process ended, by result", [c, v] {
    return std::vector<MetricSample>{{{{"result", "completed"}}, v(c->completed)},
                                     {{{"result", "failed"}}, v(c->failed)}};
  });
  AddGauge("diamond_ingest_partitions_in_flight", "Partitions being fetched by this process now", [c, v] {
    return std::vector<MetricSample>{{{}, v(c->in_flight)}};
  });
  AddCounter("diamond_ingest_work_items_total", "Work items this process gave back, by how", [c, v] {
    return std::vector<MetricSample>{{{{"result", "abandoned"}}, v(c->abandoned)},
                                     {{{"result", "dead_lettered"}}, v(c->dead_lettered)},
                                     {{{"result", "duplicate"}}, v(c->duplicates)}};
  });
}

void RoleMetrics::TrackLimiter(std::function<double()> rate, std::function<int64_t()> decreases) {
  AddGauge("diamond_ingest_rate_limit_requests_per_second",
           "The account's request rate as this process last saw it (lowered on 429s, at most NIVODA_RATE_LIMIT)",
           [rate] {
             return std::vector<MetricSample>{{{}, rate()}};
           });
  AddCounter("diamond_ingest_rate_limit_decreases_total", "429s from this process that lowered the account's rate",
             [decreases] {
               return std::vector<MetricSample>{{{}, static_cast<double>(decreases())}};
             });
}

std::string RoleMetrics::Render() const {
  std::vector<prometheus::MetricFamily> families = impl_->registry->Collect();
  std::lock_guard<std::mutex> lock(impl_->mu);
  for (const auto& s : impl_->scraped) families.push_back(Family(s.name, s.help, s.type, s.read()));
  for (const auto& source : impl_->sources) {
    for (auto& f : source()) families.push_back(std::move(f));
  }
  return prometheus::TextSerializer().Serialize(families);
}

namespace {

// The latest run of each feed, and how long since its partitions last progressed.
constexpr const char* kLatestRuns =
    "SELECT DISTINCT ON (r.feed) r.feed, r.status,"
    " extract(epoch FROM now() - coalesce((SELECT max(p.updated_at) FROM partition_progress p"
    "   WHERE p.run_id = r.run_id), r.started_at))::float8"
    " FROM run_metadata r ORDER BY r.feed, r.started_at DESC";
constexpr const char* kInFlight =
    "SELECT feed, count(*) FILTER (WHERE status IN ('running', 'consolidating')) FROM run_metadata GROUP BY feed";
// The latest successful sync of each feed, and the feed's watermark (only
// ever advanced by a successful consolidation).
constexpr const char* kLastSync =
    "SELECT DISTINCT ON (feed) feed, extract(epoch FROM consolidation_completed_at)::float8,"
    " extract(epoch FROM now() - (SELECT max(w.watermark_after) FROM run_metadata w"
    "   WHERE w.feed = r.feed AND w.status = 'completed'))::float8,"
    " extract(epoch FROM consolidation_completed_at - consolidation_started_at)::float8,"
    " coalesce((consolidation_stats->>'inserted')::bigint, 0), coalesce((consolidation_stats->>'updated')::bigint, 0),"
    " coalesce((consolidation_stats->>'unchanged')::bigint, 0), coalesce((consolidation_stats->>'deleted')::bigint, 0),"
    " coalesce((consolidation_stats->>'failed')::bigint, 0)"
    " FROM run_metadata r WHERE status = 'completed' AND consolidation_completed_at IS NOT NULL"
    " ORDER BY feed, consolidation_completed_at DESC";

const char* const kRunStatuses[] = {"running", "consolidating", "completed", "failed", "cancelled"};

Result<std::vector<prometheus::MetricFamily>> PipelineFamilies(pg::Connection& conn, queue::Queue& queue,
                                                               const std::vector<std::string>& queues) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> out;
  std::vector<MetricSample> depth;
  for (const std::string& name : queues) {
    Result<queue::Depth> d = queue.GetDepth(name);
    if (!d.ok()) continue;
    depth.push_back({{{"queue", name}, {"state", "ready"}}, static_cast<double>(d->ready)});
    depth.push_back({{{"queue", name}, {"state", "leased"}}, static_cast<double>(d->leased)});
    depth.push_back({{{"queue", name}, {"state", "scheduled"}}, static_cast<double>(d->scheduled)});
    depth.push_back({{{"queue", name}, {"state", "dead_letter"}}, static_cast<double>(d->dead_letters)});
  }
  out.push_back(Family("diamond_ingest_queue_messages", "Messages on each queue by state", MetricType::Gauge, depth));

  DI_ASSIGN_OR_RETURN(pg::QueryResult latest, conn.Exec(kLatestRuns));
  std::vector<MetricSample> status, progress;
  for (int i = 0; i < latest.rows(); ++i) {
    const std::string feed = latest.GetString(i, 0), s = latest.GetString(i, 1);
    for (const char* name : kRunStatuses) status.push_back({{{"feed", feed}, {"status", name}}, s == name ? 1.0 : 0.0});
    if (s == "running") progress.push_back({{{"feed", feed}}, latest.GetDouble(i, 2)});
  }
  out.push_back(Family("diamond_ingest_run_status", "The latest run of each feed: 1 for its status, 0 for the others",
                       MetricType::Gauge, status));
  out.push_back(Family("diamond_ingest_run_seconds_since_progress",
                       "Seconds since the running run of each feed last checkpointed a page", MetricType::Gauge,
                       progress));

  DI_ASSIGN_OR_RETURN(pg::QueryResult flight, conn.Exec(kInFlight));
  std::vector<MetricSample> in_flight;
  for (int i = 0; i < flight.rows(); ++i) {
    in_flight.push_back({{{"feed", flight.GetString(i, 0)}}, static_cast<double>(flight.GetInt64(i, 1))});
  }
  out.push_back(Family("diamond_ingest_runs_in_flight", "Runs of each feed running or consolidating", MetricType::Gauge,
                       in_flight));

  DI_ASSIGN_OR_RETURN(pg::QueryResult sync, conn.Exec(kLastSync));
  std::vector<MetricSample> last, age, duration, counts;
  const char* const results[] = {"added", "changed", "unchanged", "deleted", "failed"};
  for (int i = 0; i < sync.rows(); ++i) {
    const std::string feed = sync.GetString(i, 0);
    last.push_back({{{"feed", feed}}, sync.GetDouble(i, 1)});
    if (!sync.IsNull(i, 2)) age.push_back({{{"feed", feed}}, sync.GetDouble(i, 2)});
    duration.push_back({{{"feed", feed}}, sync.GetDouble(i, 3)});
    for (int k = 0; k < 5; ++k) {
      counts.push_back({{{"feed", feed}, {"result", results[k]}}, static_cast<double>(sync.GetInt64(i, 4 + k))});
    }
  }
  out.push_back(Family("diamond_ingest_last_successful_sync_timestamp_seconds",
                       "When the latest successful sync (consolidation) of each feed ended, Unix time",
                       MetricType::Gauge, last));
  out.push_back(Family("diamond_ingest_watermark_age_seconds", "Age of each feed's watermark", MetricType::Gauge, age));
  out.push_back(Family("diamond_ingest_last_consolidation_offers",
                       "Offers of the latest successful consolidation of each feed, by result", MetricType::Gauge,
                       counts));
  out.push_back(Family("diamond_ingest_last_consolidation_duration_seconds",
                       "Duration of the latest successful consolidation of each feed", MetricType::Gauge, duration));
  return out;
}

}  // namespace

void AddPipelineMetrics(RoleMetrics& metrics, std::shared_ptr<pg::Pool> pool, std::shared_ptr<queue::Queue> queue,
                        std::vector<std::string> queues) {
  metrics.AddSource([pool, queue, queues] {
    Result<std::vector<prometheus::MetricFamily>> families = [&]() -> Result<std::vector<prometheus::MetricFamily>> {
      DI_ASSIGN_OR_RETURN(auto conn, pool->Acquire());
      return PipelineFamilies(*conn, *queue, queues);
    }();
    std::vector<prometheus::MetricFamily> out;
    if (families.ok()) out = std::move(families).value();
    out.push_back(Family("diamond_ingest_database_up", "1 when this scrape read the pipeline's database",
                         prometheus::MetricType::Gauge, {{{}, families.ok() ? 1.0 : 0.0}}));
    return out;
  });
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

Status MetricsServer::StartOrFallBack(const std::string& host, int port) {
  Status s = Start(host, port);
  if (s.ok() || port == 0) return s;
  DI_RETURN_IF_ERROR(Start(host, 0));
  log::Warn("metrics port taken (another process on this host?): serving metrics on a free port instead",
            {{"wanted", host + ":" + std::to_string(port)}, {"metrics", host + ":" + std::to_string(port_)}});
  return Status::Ok();
}

void MetricsServer::Stop() {
  if (impl_->thread.joinable()) {
    impl_->server.stop();
    impl_->thread.join();
  }
}

}  // namespace di

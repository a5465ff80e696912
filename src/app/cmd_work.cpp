// diamond-ingest work: the long-running worker role. Exit 0 after SIGTERM/SIGINT
// (or --exit-when-idle); 1 with one line when it cannot start or halts (Nivoda
// refused the credentials: no partition is failed, every item is given back).
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "common/signals.h"
#include "ops/metrics.h"
#include "ops/request_recorder.h"
#include "ratelimit/account_rate_limiter.h"
#include "roles/worker.h"

namespace di {

int RunWork(const Config& config, const WorkOptions& options) {
  std::atomic<bool> stop{false};
  Components* live = nullptr;
  InstallShutdownSignals(&stop, [&live] {
    if (live) CancelNivodaCalls(*live);
  });
  RoleMetrics metrics;
  RequestRecorder recorder;  // declared before the components: flushes after they stop
  ComponentNeeds needs;
  needs.pool_size = config.worker_partitions * 2 + 4;
  needs.observers.push_back(&metrics);
  needs.observers.push_back(&recorder);
  auto components = BuildComponents(config, needs);
  if (!components.ok()) {
    log::Error("worker cannot start", {{"error", components.status().ToString()}});
    return kExitFailure;
  }
  live = &*components;
  recorder.Start(components->pool);
  WorkerOptions wo = MakeWorkerOptions(config);
  wo.attribution = &recorder;
  Worker worker(*components, wo);
  metrics.TrackWorker(&worker.counters());
  if (auto account = std::dynamic_pointer_cast<ratelimit::AccountRateLimiter>(components->limiter)) {
    metrics.TrackLimiter([account] { return account->current_rate(); }, [account] { return account->decreases(); });
  }
  AddPipelineMetrics(metrics, components->pool, components->queue, {config.work_items_queue, config.consolidate_queue});
  MetricsServer server([&metrics] { return metrics.Render(); }, [&stop] { return !stop.load(); });
  if (Status s = server.StartOrFallBack(config.metrics_addr.host, config.metrics_addr.port); !s.ok()) {
    log::Error("worker cannot start its metrics server", {{"error", s.ToString()}});
    return kExitFailure;
  }
  log::Info("worker started", {{"worker_id", wo.worker_id},
                               {"partitions", wo.partitions},
                               {"metrics", config.metrics_addr.host + ":" + std::to_string(server.port())},
                               {"requests_in_flight", wo.requests_in_flight},
                               {"queue", wo.work_queue}});
  auto done = std::async(std::launch::async, [&] { worker.Run(stop); });
  while (done.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    if (!worker.fatal().ok()) stop = true;  // e.g. Nivoda refused the credentials
    if (options.exit_when_idle && worker.counters().in_flight == 0) {
      auto depth = components->queue->GetDepth(wo.work_queue);
      if (depth.ok() && depth->ready + depth->leased + depth->ready_or_leased + depth->scheduled == 0) stop = true;
    }
    if (stop) break;
  }
  if (done.wait_for(config.shutdown_grace) != std::future_status::ready) {
    log::Warn("in-flight partitions did not stop within the grace period; their leases will expire",
              {{"grace_ms", static_cast<int64_t>(config.shutdown_grace.count())}});
    std::_Exit(0);
  }
  const auto& c = worker.counters();
  log::Info("worker stopped", {{"completed", c.completed.load()},
                               {"failed", c.failed.load()},
                               {"abandoned", c.abandoned.load()},
                               {"dead_lettered", c.dead_lettered.load()},
                               {"pages", c.pages.load()},
                               {"offers", c.offers.load()}});
  if (Status fatal = worker.fatal(); !fatal.ok()) {
    std::fprintf(stderr, "diamond-ingest work: %s\n", log::Redact(fatal.message()).c_str());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace di

// diamond-ingest consolidate: the consolidation role, long-running on the
// queue, or once for one run (--run-id).
#include <chrono>
#include <cstdio>
#include <future>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "common/signals.h"
#include "ops/metrics.h"
#include "ops/stall_watch.h"
#include "roles/consolidator.h"

namespace di {

int RunConsolidate(const Config& config, const ConsolidateOptions& options) {
  if (options.force && options.run_id.empty()) {
    std::fprintf(stderr, "diamond-ingest: --force needs --run-id\n");
    return kExitUsage;
  }
  std::atomic<bool> stop{false};
  InstallShutdownSignals(&stop, [] {});
  ConsolidatorOptions co = MakeConsolidatorOptions(config);
  ComponentNeeds needs;
  needs.nivoda = false;
  needs.pool_size = co.parallelism + 3;
  auto components = BuildComponents(config, needs);
  if (!components.ok()) {
    log::Error("consolidator cannot start", {{"error", components.status().ToString()}});
    return kExitFailure;
  }
  Consolidator consolidator(MakeConsolidatorDeps(*components, config), co);

  if (!options.run_id.empty()) {
    auto report = consolidator.ConsolidateRun(options.run_id, options.force, &stop);
    if (!report.ok()) {
      std::fprintf(stderr, "diamond-ingest: consolidation of %s failed: %s\n", options.run_id.c_str(),
                   log::Redact(report.status().ToString()).c_str());
      return kExitFailure;
    }
    bool done = report->outcome == ConsolidationOutcome::kCompleted ||
                report->outcome == ConsolidationOutcome::kAlreadyCompleted;
    if (!done) {
      std::fprintf(stderr, "diamond-ingest: %s: %s\n", ConsolidationOutcomeName(report->outcome),
                   report->reason.c_str());
      return kExitFailure;
    }
    const auto& s = report->stats;
    std::printf(
        "run %s: %s\n  seen %lld, mapped %lld (inserted %lld, updated %lld), failed %lld, "
        "deleted %lld, undeleted %lld, unchanged %lld; watermark %s; %lld ms\n",
        options.run_id.c_str(), ConsolidationOutcomeName(report->outcome), static_cast<long long>(s.seen),
        static_cast<long long>(s.mapped), static_cast<long long>(s.inserted), static_cast<long long>(s.updated),
        static_cast<long long>(s.failed), static_cast<long long>(s.deleted), static_cast<long long>(s.undeleted),
        static_cast<long long>(s.unchanged), report->watermark_advanced ? "advanced" : "not moved",
        static_cast<long long>(report->wall_ms));
    return kExitOk;
  }

  RoleMetrics metrics;
  const auto& counters = consolidator.counters();
  metrics.AddCounter("diamond_ingest_consolidations_total", "Consolidation messages this process handled, by outcome",
                     [&counters] {
                       auto v = [](const std::atomic<int64_t>& a) { return static_cast<double>(a.load()); };
                       return std::vector<MetricSample>{{{{"outcome", "completed"}}, v(counters.completed)},
                                                        {{{"outcome", "duplicate"}}, v(counters.duplicates)},
                                                        {{{"outcome", "not_ready"}}, v(counters.not_ready)},
                                                        {{{"outcome", "failed"}}, v(counters.failed)},
                                                        {{{"outcome", "dead_lettered"}}, v(counters.dead_lettered)}};
                     });
  AddPipelineMetrics(metrics, components->pool, components->queue, {config.work_items_queue, config.consolidate_queue});
  MetricsServer server([&metrics] { return metrics.Render(); }, [&stop] { return !stop.load(); });
  if (Status s = server.StartOrFallBack(config.metrics_addr.host, config.metrics_addr.port); !s.ok()) {
    log::Error("consolidator cannot start its metrics server", {{"error", s.ToString()}});
    return kExitFailure;
  }
  log::Info("consolidator started", {{"queue", co.queue},
                                     {"batch_size", co.batch_size},
                                     {"parallelism", co.parallelism},
                                     {"metrics", config.metrics_addr.host + ":" + std::to_string(server.port())}});
  auto done = std::async(std::launch::async, [&] { consolidator.Run(stop); });
  StallWatch stalls(*components->alerts, config.stall_alert);
  auto next_check = std::chrono::steady_clock::now();
  while (done.wait_for(std::chrono::milliseconds(200)) != std::future_status::ready) {
    if (std::chrono::steady_clock::now() < next_check) continue;
    next_check = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    auto conn = components->pool->Acquire();
    if (conn.ok()) {
      auto checked = stalls.Check(**conn);
      if (!checked.ok()) log::Warn("stall check failed", {{"error", checked.status().ToString()}});
    }
    // Dead letters a broker made by itself (Service Bus) end their partitions and runs.
    auto swept = ApplyDeadLetters(*components, config);
    if (!swept.ok()) log::Warn("dead-letter sweep failed", {{"error", swept.status().ToString()}});
  }
  const auto& c = consolidator.counters();
  log::Info("consolidator stopped", {{"completed", c.completed.load()},
                                     {"duplicates", c.duplicates.load()},
                                     {"not_ready", c.not_ready.load()},
                                     {"failed", c.failed.load()},
                                     {"dead_lettered", c.dead_lettered.load()}});
  return kExitOk;
}

}  // namespace di

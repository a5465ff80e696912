// diamond-ingest run [--full]: schedule, work and consolidate in one process.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "common/signals.h"
#include "ops/request_recorder.h"
#include "ops/run_progress.h"
#include "ops/status.h"
#include "roles/consolidator.h"
#include "roles/scheduler.h"
#include "roles/worker.h"

namespace di {
namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

void PrintSummary(pg::Connection& conn, const std::string& run_id, double schedule_s, double fetch_s,
                  double consolidate_s, int count_queries, int64_t requests) {
  auto r = conn.Exec(
      "SELECT run_type, status, expected_partitions, completed_partitions, failed_partitions,"
      " coalesce((consolidation_stats->>'inserted')::bigint, 0), coalesce((consolidation_stats->>'updated')::bigint, "
      "0),"
      " coalesce((consolidation_stats->>'deleted')::bigint, 0), coalesce((consolidation_stats->>'unchanged')::bigint, "
      "0),"
      " coalesce((consolidation_stats->>'failed')::bigint, 0), coalesce((consolidation_stats->>'undeleted')::bigint, "
      "0),"
      " (SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = $1)"
      " FROM run_metadata WHERE run_id = $1",
      {pg::P(run_id)});
  if (!r.ok() || r->rows() == 0) return;
  std::printf("\nrun %s (%s): %s\n", run_id.c_str(), r->GetString(0, 0).c_str(), r->GetString(0, 1).c_str());
  std::printf("  partitions   %lld completed, %lld failed, of %lld\n", static_cast<long long>(r->GetInt64(0, 3)),
              static_cast<long long>(r->GetInt64(0, 4)), static_cast<long long>(r->GetInt64(0, 2)));
  std::printf("  offers       %lld seen: %lld added, %lld changed, %lld unchanged, %lld deleted, %lld back, %lld bad\n",
              static_cast<long long>(r->GetInt64(0, 11)), static_cast<long long>(r->GetInt64(0, 5)),
              static_cast<long long>(r->GetInt64(0, 6)), static_cast<long long>(r->GetInt64(0, 8)),
              static_cast<long long>(r->GetInt64(0, 7)), static_cast<long long>(r->GetInt64(0, 10)),
              static_cast<long long>(r->GetInt64(0, 9)));
  std::printf("  requests     %lld to Nivoda (%d count queries to plan)\n", static_cast<long long>(requests),
              count_queries);
  std::printf("  wall time    schedule %s, fetch %s, consolidate %s, total %s\n", FormatDuration(schedule_s).c_str(),
              FormatDuration(fetch_s).c_str(), FormatDuration(consolidate_s).c_str(),
              FormatDuration(schedule_s + fetch_s + consolidate_s).c_str());
}

}  // namespace

int RunRun(const Config& config, const RunOptions& options) {
  std::atomic<bool> stop{false};
  Components* live = nullptr;
  InstallShutdownSignals(&stop, [&live] {
    if (live) CancelNivodaCalls(*live);
  });
  RequestRecorder recorder;
  ComponentNeeds needs;
  needs.pool_size = config.worker_partitions * 2 + 8;
  needs.observers.push_back(&recorder);
  auto components = BuildComponents(config, needs);
  if (!components.ok()) {
    std::fprintf(stderr, "diamond-ingest run: %s\n", components.status().ToString().c_str());
    return kExitFailure;
  }
  live = &*components;
  recorder.Start(components->pool);

  auto t0 = std::chrono::steady_clock::now();
  SchedulerDeps deps{components->database_url, components->queue.get(), components->watermark.get(),
                     components->client.get(), nullptr};
  Scheduler scheduler(SchedulerSettingsFrom(config), deps);
  ScheduleRequest request;
  request.full = options.full;
  auto scheduled = scheduler.Run(request);
  if (!scheduled.ok()) {
    std::fprintf(stderr, "diamond-ingest run: schedule: %s\n", scheduled.status().ToString().c_str());
    return kExitFailure;
  }
  const std::string run_id = scheduled->run_id;
  double schedule_s = Since(t0);
  log::Info("run scheduled", {{"run_id", run_id},
                              {"incremental", scheduled->incremental},
                              {"partitions", static_cast<int64_t>(scheduled->plan.partitions.size())},
                              {"expected_offers", scheduled->plan.total_records},
                              {"count_queries", scheduled->plan.count_queries}});

  auto t1 = std::chrono::steady_clock::now();
  std::atomic<bool> stop_roles{false};
  WorkerOptions wo = MakeWorkerOptions(config);
  wo.attribution = &recorder;
  Worker worker(*components, wo);
  Consolidator consolidator(MakeConsolidatorDeps(*components, config), MakeConsolidatorOptions(config));
  std::thread work([&] { worker.Run(stop_roles); });
  std::thread consolidate([&] { consolidator.Run(stop_roles); });

  const bool tty = isatty(STDOUT_FILENO) != 0;
  double fetch_s = 0, consolidate_s = 0;
  int64_t last_pages = 0;
  auto last_tick = std::chrono::steady_clock::now(), last_log = last_tick;
  std::string final_status;
  auto conn = pg::Connection::Open(components->database_url);
  while (!stop && conn.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto p = ReadRunProgress(**conn, run_id);
    if (!p.ok()) continue;
    double dt = Since(last_tick);
    double rate = dt > 0 ? static_cast<double>(p->pages - last_pages) / dt : 0;
    last_pages = p->pages;
    last_tick = std::chrono::steady_clock::now();
    std::string line = RenderProgressLine(*p, rate, Since(t1));
    if (tty) {
      std::printf("\r\033[K%s", line.c_str());
      std::fflush(stdout);
    } else if (Since(last_log) >= 10) {
      log::Info(line, {{"run_id", run_id}});
      last_log = std::chrono::steady_clock::now();
    }
    if (p->status != "running" && fetch_s == 0) fetch_s = Since(t1);
    if (p->status == "completed" || p->status == "failed") {
      final_status = p->status;
      break;
    }
  }
  if (tty) std::printf("\n");
  if (fetch_s == 0) fetch_s = Since(t1);
  consolidate_s = Since(t1) - fetch_s;
  stop_roles = true;
  work.join();
  consolidate.join();
  if (conn.ok()) {
    PrintSummary(**conn, run_id, schedule_s, fetch_s, consolidate_s, scheduled->plan.count_queries,
                 components->client->counters().requests);
  }
  if (final_status == "completed") return kExitOk;
  std::fprintf(stderr, "diamond-ingest run: run %s %s\n", run_id.c_str(),
               final_status.empty() ? "was interrupted" : final_status.c_str());
  return kExitFailure;
}

}  // namespace di

// diamond-ingest run [--full]: schedule, work and consolidate in one process.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <optional>
#include <thread>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "common/signals.h"
#include "ops/request_recorder.h"
#include "ops/run_progress.h"
#include "ops/run_summary.h"
#include "ops/status.h"
#include "roles/consolidator.h"
#include "roles/scheduler.h"
#include "roles/worker.h"

namespace di {
namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
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

  const bool tty = isatty(STDOUT_FILENO) != 0;
  // One progress line: on a terminal a status line that log lines never glue
  // onto (log::SetStatusLine), otherwise a log line every 10 s.
  auto last_log = std::chrono::steady_clock::now();
  auto show = [&](const std::string& line, const std::optional<std::string>& run_id) {
    if (tty) {
      log::SetStatusLine(stdout, line);
    } else if (Since(last_log) >= 10) {
      log::Fields fields;
      if (run_id) fields.push_back({"run_id", *run_id});
      log::Info(line, fields);
      last_log = std::chrono::steady_clock::now();
    }
  };

  auto t0 = std::chrono::steady_clock::now();
  SchedulerDeps deps{components->database_url, components->queue.get(), components->watermark.get(),
                     components->client.get(), nullptr};
  Scheduler scheduler(SchedulerSettingsFrom(config), deps);
  ScheduleRequest request;
  request.full = options.full;
  // Planning progress: the count queries sent so far (the run does not exist yet).
  std::atomic<bool> planned{false};
  std::thread planning([&] {
    RateWindow rate;
    const int64_t base = components->client->counters().requests;
    while (!planned && !stop) {
      const int64_t queries = components->client->counters().requests - base;
      rate.Add(Since(t0), queries);
      show(RenderPlanningLine(queries, rate.PerSecond(), Since(t0)), std::nullopt);
      for (int i = 0; i < 5 && !planned && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto scheduled = scheduler.Run(request);
  planned = true;
  planning.join();
  if (tty) log::ClearStatusLine();
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

  double fetch_s = 0, consolidate_s = 0;
  RateWindow pages_per_second;  // over the last 10 s: a steady figure
  std::string final_status;
  auto conn = pg::Connection::Open(components->database_url);
  while (!stop && conn.ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto p = ReadRunProgress(**conn, run_id);
    if (!p.ok()) continue;
    pages_per_second.Add(Since(t1), p->pages);
    show(RenderProgressLine(*p, pages_per_second.PerSecond(), Since(t1)), run_id);
    if (p->status != "running" && fetch_s == 0) fetch_s = Since(t1);
    if (p->status == "completed" || p->status == "failed") {
      final_status = p->status;
      break;
    }
  }
  if (tty) log::ClearStatusLine();
  if (fetch_s == 0) fetch_s = Since(t1);
  consolidate_s = Since(t1) - fetch_s;
  stop_roles = true;
  work.join();
  consolidate.join();
  const RunTimings timings{schedule_s, fetch_s, consolidate_s, scheduled->plan.count_queries,
                           components->client->counters().requests};
  if (conn.ok()) {
    // On a query error the summary is replaced by the error (on stderr); the exit code stays the run's.
    (void)WriteRunSummary(**conn, run_id, timings, stdout, stderr);
  } else {
    std::fprintf(stderr, "diamond-ingest run: no progress or summary of run %s: %s\n", run_id.c_str(),
                 conn.status().ToString().c_str());
  }
  if (final_status == "completed") return kExitOk;
  std::fprintf(stderr, "diamond-ingest run: run %s %s\n", run_id.c_str(),
               final_status.empty() ? "was interrupted" : final_status.c_str());
  return kExitFailure;
}

}  // namespace di

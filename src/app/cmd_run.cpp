// diamond-ingest run [--full]: schedule, work and consolidate in one process,
// one sync per configured feed (FEED), in order. A run of the feed that is
// still in flight (an earlier `run` was interrupted, or killed) is resumed
// instead of scheduling another: its work items are still in the queue.
#include <unistd.h>

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
#include "store/runs.h"

namespace di {
namespace {

double Since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

bool Terminal(const std::string& status) {
  return status == "completed" || status == "failed" || status == "cancelled";
}

// The run to follow for FEED: the one in flight (resumed), or a new one.
struct Started {
  std::string run_id;
  bool resumed = false;
  double schedule_s = 0;
  int count_queries = 0;
};

Result<Started> ResumeOrSchedule(const Config& config, const RunOptions& options, Components& components, Feed feed) {
  const std::string feed_name = FeedName(feed);
  {
    DI_ASSIGN_OR_RETURN(auto conn, components.pool->Acquire());
    DI_ASSIGN_OR_RETURN(auto in_flight, store::RunInFlight(*conn, feed_name));
    if (in_flight) {
      log::Warn("resuming the run of feed " + feed_name + " still in flight" +
                    (options.full ? " (--full applies to the next run)" : "") +
                    "; to start over instead: diamond-ingest cancel --run-id " + *in_flight,
                {{"run_id", *in_flight}, {"feed", feed_name}});
      std::fprintf(stderr, "diamond-ingest run: resuming run %s of feed %s\n", in_flight->c_str(), feed_name.c_str());
      return Started{*in_flight, true, 0, 0};
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  SchedulerDeps deps{components.database_url, components.queue.get(), components.watermark_for(feed_name).get(),
                     components.client.get(), nullptr};
  SchedulerSettings settings = SchedulerSettingsFrom(config);
  settings.feed = feed;
  Scheduler scheduler(settings, deps);
  ScheduleRequest request;
  request.full = options.full;
  DI_ASSIGN_OR_RETURN(auto scheduled, scheduler.Run(request));
  log::Info("run scheduled", {{"run_id", scheduled.run_id},
                              {"incremental", scheduled.incremental},
                              {"why", scheduled.run_type_reason},
                              {"partitions", static_cast<int64_t>(scheduled.plan.partitions.size())},
                              {"expected_offers", scheduled.plan.total_records},
                              {"count_queries", scheduled.plan.count_queries}});
  return Started{scheduled.run_id, false, Since(t0), scheduled.plan.count_queries};
}

// Shows the run's progress until it ends, *STOP is set or the worker halts;
// returns its last status ("" when it could not be read) and the fetch time.
std::string FollowRun(pg::Connection& conn, const std::string& run_id, const std::atomic<bool>& stop,
                      const Worker& worker, double* fetch_s) {
  const bool tty = isatty(STDOUT_FILENO) != 0;
  const auto t1 = std::chrono::steady_clock::now();
  int64_t last_pages = 0;
  auto last_tick = t1, last_log = t1;
  std::string status;
  while (!stop && worker.fatal().ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto p = ReadRunProgress(conn, run_id);
    if (!p.ok()) continue;
    status = p->status;
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
    if (p->status != "running" && *fetch_s == 0) *fetch_s = Since(t1);
    if (Terminal(p->status)) break;
  }
  if (tty) std::printf("\n");
  if (*fetch_s == 0) *fetch_s = Since(t1);
  return status;
}

}  // namespace

int RunRun(const Config& config, const RunOptions& options) {
  std::atomic<bool> stop{false};
  // The roles stop at the signal itself, before the Nivoda calls are cancelled,
  // so a cancelled fetch never leases its item again.
  std::atomic<bool> stop_roles{false};
  Components* live = nullptr;
  InstallShutdownSignals(&stop, [&live, &stop_roles] {
    stop_roles = true;
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
  if (auto swept = ApplyDeadLetters(*components, config); !swept.ok()) {
    log::Warn("cannot apply the dead letters; continuing", {{"error", swept.status().ToString()}});
  }
  auto conn = pg::Connection::Open(components->database_url);
  if (!conn.ok()) {
    std::fprintf(stderr, "diamond-ingest run: %s\n", conn.status().ToString().c_str());
    return kExitFailure;
  }

  WorkerOptions wo = MakeWorkerOptions(config);
  wo.attribution = &recorder;
  Worker worker(*components, wo);
  Consolidator consolidator(MakeConsolidatorDeps(*components, config), MakeConsolidatorOptions(config));
  std::thread work([&] { worker.Run(stop_roles); });
  std::thread consolidate([&] { consolidator.Run(stop_roles); });

  int exit_code = kExitOk;
  for (Feed feed : ConfiguredFeeds(config)) {
    if (stop) break;
    auto started = ResumeOrSchedule(config, options, *components, feed);
    if (!started.ok()) {
      std::fprintf(stderr, "diamond-ingest run: schedule: %s\n", started.status().ToString().c_str());
      exit_code = kExitFailure;
      continue;
    }
    const std::string& run_id = started->run_id;
    double fetch_s = 0;
    const auto t1 = std::chrono::steady_clock::now();
    const std::string final_status = FollowRun(**conn, run_id, stop, worker, &fetch_s);
    const RunTimings timings{started->schedule_s, fetch_s, Since(t1) - fetch_s, started->count_queries,
                             components->client->counters().requests};
    // On a query error the summary is replaced by the error (on stderr); the exit code stays the run's.
    (void)WriteRunSummary(**conn, run_id, timings, stdout, stderr);
    if (!worker.fatal().ok()) break;
    if (final_status != "completed") {
      std::fprintf(stderr, "diamond-ingest run: run %s %s\n", run_id.c_str(),
                   Terminal(final_status) ? final_status.c_str() : "was interrupted (run again to resume it)");
      exit_code = kExitFailure;
    }
  }
  stop_roles = true;
  work.join();
  consolidate.join();
  if (Status fatal = worker.fatal(); !fatal.ok()) {
    std::fprintf(stderr, "diamond-ingest run: %s\n", log::Redact(fatal.message()).c_str());
    return kExitFailure;
  }
  return exit_code;
}

}  // namespace di

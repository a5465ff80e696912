// diamond-ingest run [--full]: schedule, work and consolidate in one process,
// one sync per configured feed (FEED), in order. A run of the feed that is
// still in flight (an earlier `run` was interrupted, or killed) is resumed
// instead of scheduling another: its work items are still in the queue.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <functional>
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

// One progress line: on a terminal a status line that log lines never glue
// onto (log::SetStatusLine), otherwise a log line every 10 s.
class ProgressDisplay {
 public:
  ProgressDisplay() : tty_(isatty(STDOUT_FILENO) != 0), last_log_(std::chrono::steady_clock::now()) {}
  void Show(const std::string& line, const std::optional<std::string>& run_id) {
    if (tty_) {
      log::SetStatusLine(stdout, line);
    } else if (Since(last_log_) >= 10) {
      log::Fields fields;
      if (run_id) fields.push_back({"run_id", *run_id});
      log::Info(line, fields);
      last_log_ = std::chrono::steady_clock::now();
    }
  }
  void Clear() {
    if (tty_) log::ClearStatusLine();
  }

 private:
  bool tty_;
  std::chrono::steady_clock::time_point last_log_;
};

// The run to follow for FEED: the one in flight (resumed), or a new one.
struct Started {
  std::string run_id;
  bool resumed = false;
  double schedule_s = 0;
  int count_queries = 0;
};

Result<Started> ResumeOrSchedule(const Config& config, const RunOptions& options, Components& components, Feed feed,
                                 const std::atomic<bool>& stop, ProgressDisplay& display) {
  const std::string feed_name = FeedName(feed);
  {
    DI_ASSIGN_OR_RETURN(auto conn, components.pool->Acquire());
    // A run a dead scheduler left half-published is failed, not resumed.
    DI_RETURN_IF_ERROR(FailRunsLeftPlanning(*conn).status());
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
  const auto t0 = std::chrono::steady_clock::now();
  SchedulerDeps deps{components.database_url, components.queue.get(), components.watermark_for(feed_name).get(),
                     components.client.get(), nullptr};
  SchedulerSettings settings = SchedulerSettingsFrom(config);
  settings.feed = feed;
  Scheduler scheduler(settings, deps);
  ScheduleRequest request;
  request.full = options.full;
  // Planning progress: the count queries sent so far (the run does not exist yet).
  std::atomic<bool> planned{false};
  std::thread planning([&] {
    RateWindow rate;
    const int64_t base = components.client->counters().requests;
    while (!planned && !stop) {
      const int64_t queries = components.client->counters().requests - base;
      rate.Add(Since(t0), queries);
      display.Show(RenderPlanningLine(queries, rate.PerSecond(), Since(t0)), std::nullopt);
      for (int i = 0; i < 5 && !planned && !stop; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  auto scheduled = scheduler.Run(request);
  planned = true;
  planning.join();
  display.Clear();
  if (!scheduled.ok()) return scheduled.status();
  log::Info("run scheduled", {{"run_id", scheduled->run_id},
                              {"feed", feed_name},
                              {"incremental", scheduled->incremental},
                              {"why", scheduled->run_type_reason},
                              {"partitions", static_cast<int64_t>(scheduled->plan.partitions.size())},
                              {"expected_offers", scheduled->plan.total_records},
                              {"count_queries", scheduled->plan.count_queries}});
  return Started{scheduled->run_id, false, Since(t0), scheduled->plan.count_queries};
}

// Shows the run's progress until it ends, *STOP is set or the worker halts;
// returns its last status ("" when it could not be read) and the fetch time.
std::string FollowRun(pg::Connection& conn, const std::string& run_id, const std::atomic<bool>& stop,
                      const Worker& worker, ProgressDisplay& display, double* fetch_s) {
  const auto t1 = std::chrono::steady_clock::now();
  RateWindow pages_per_second;  // over the last 10 s: a steady figure
  std::string status;
  while (!stop && worker.fatal().ok()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto p = ReadRunProgress(conn, run_id);
    if (!p.ok()) continue;
    status = p->status;
    pages_per_second.Add(Since(t1), p->pages);
    display.Show(RenderProgressLine(*p, pages_per_second.PerSecond(), Since(t1)), run_id);
    if (p->status != "running" && *fetch_s == 0) *fetch_s = Since(t1);
    if (Terminal(p->status)) break;
  }
  display.Clear();
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

  ProgressDisplay display;
  int exit_code = kExitOk;
  for (Feed feed : ConfiguredFeeds(config)) {
    if (stop) break;
    auto started = ResumeOrSchedule(config, options, *components, feed, stop, display);
    if (!started.ok()) {
      std::fprintf(stderr, "diamond-ingest run: schedule: %s\n", started.status().ToString().c_str());
      exit_code = kExitFailure;
      continue;
    }
    const std::string& run_id = started->run_id;
    double fetch_s = 0;
    const auto t1 = std::chrono::steady_clock::now();
    const std::string final_status = FollowRun(**conn, run_id, stop, worker, display, &fetch_s);
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

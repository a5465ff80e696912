// Scheduler: plans one sync run of one feed and publishes it. Run() takes the
// scheduler advisory lock, decides full or incremental (run_type_policy.h: the
// watermark, --full and the age of the feed's last complete full run against
// FULL_RUN_INTERVAL), refuses while a run of the feed is in flight
// (unless `force`), plans the partitions and records the run with one work
// item per partition (run_publisher.h): with `overlap`, each batch of
// partitions final before planning ends is published in its own transaction
// while later rounds refine the rest; without it, all in ONE transaction. A
// planning failure after the first batch fails the run. A dry run takes no lock and writes
// nothing (it still spends count queries). Flow, failures and settings:
// src/roles/README-scheduler.md.
//
// Errors are values, each message one line fit for stderr: kConflict (lock
// held, run in flight), the client's codes after its retries, the database's.
// Thread-safety: one thread at a time per Scheduler (Run() uses up to
// queries_in_flight threads inside); the dependencies must outlive it and be
// thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "cloud/watermark_store.h"
#include "common/clock.h"
#include "common/status.h"
#include "config/config.h"
#include "nivoda/diamond_query.h"
#include "nivoda/nivoda_client.h"
#include "plan/plan_types.h"
#include "plan/planner.h"
#include "queue/queue.h"
#include "store/pg.h"

namespace di {

// pg_try_advisory_lock key held by the running scheduler (any feed).
inline constexpr int64_t kSchedulerLockKey = 0x6469736368656475;  // "dischedu"

// The scheduler's knobs, taken from Config by SchedulerSettingsFrom.
struct SchedulerSettings {
  Feed feed = Feed::kNatural;
  plan::HeatmapAlgorithm heatmap = plan::HeatmapAlgorithm::kAdaptive;
  int queries_in_flight = 24;  // HEATMAP_QUERIES_IN_FLIGHT
  bool overlap = true;         // SCHEDULE_OVERLAP: publish partitions as they become final
  Millis incremental_overlap{15 * 60 * 1000};
  Millis full_run_interval{24 * 3600 * 1000};  // FULL_RUN_INTERVAL
  plan::PlanOptions full_plan = plan::FullRunPlanOptions();
  plan::PlanOptions incremental_plan = plan::IncrementalRunPlanOptions();
};
SchedulerSettings SchedulerSettingsFrom(const Config& config);

// What the scheduler talks to. Non-owning; everything must outlive the Scheduler.
struct SchedulerDeps {
  std::string database_url;       // for the lock and the run transaction
  queue::Queue* queue = nullptr;  // work items go to queue::kWorkItems
  cloud::WatermarkStore* watermark = nullptr;
  nivoda::NivodaClient* client = nullptr;
  Clock* clock = nullptr;  // nullptr: DefaultClock()
};

struct ScheduleRequest {
  bool full = false;     // --full: ignore the watermark
  bool force = false;    // --force: start even if a run of the feed is in flight
  bool dry_run = false;  // --dry-run: plan only; no lock, no writes, no messages
};

enum class ScheduleOutcome {
  kScheduled,  // run recorded, one work item per partition sent
  kNoOffers,   // zero offers: run recorded as completed with no work items
  kDryRun,     // planned only
};

struct ScheduleResult {
  ScheduleOutcome outcome = ScheduleOutcome::kDryRun;
  std::string run_id;  // also set for a dry run (not recorded)
  bool incremental = false;
  std::string run_type_reason;                  // why full or incremental (run_type_policy.h)
  std::optional<std::string> watermark_before;  // ISO-8601, the watermark read
  std::optional<std::string> updated_from;      // incremental window start
  std::string updated_to;                       // the run's start time
  plan::Plan plan;
  int64_t planning_ms = 0;  // wall time of the heatmap scan
  // From the start of planning to the commit of the first work item; -1: none
  // published (dry run, zero offers).
  int64_t first_item_ms = -1;
  int early_partitions = 0;  // work items published before planning ended
};

// The fixed filters of a run's count and page queries: the feed (labgrown
// false/true) and, when UPDATED_FROM is set, `updated` {UPDATED_FROM, UPDATED_TO}.
nivoda::DiamondQuery RunBaseQuery(Feed feed, const std::optional<std::string>& updated_from,
                                  const std::string& updated_to);

// A CountBatchFn sending each batch's ranges (BASE with dollar_value set) via
// CLIENT->Count, with up to IN_FLIGHT queries at once on worker threads. Returns
// the counts in order, or the first error (no new queries start after one).
// CLIENT must outlive the function.
plan::CountBatchFn MakeCountBatchFn(nivoda::NivodaClient* client, nivoda::DiamondQuery base, int in_flight);

// "<feed>-<yyyymmddThhmmssZ>-<4 random hex>", e.g. natural-20260212T190113Z-3fa9.
std::string MakeRunId(Feed feed, WallTime now);

// Fails the runs a dead scheduler left planning (some partitions published,
// not all: they would block their feed forever), unless a scheduler holds the
// lock (its runs are its own); returns their ids. Scheduler::Run calls it
// under the lock; `run` calls it before resuming a run in flight.
Result<std::vector<std::string>> FailRunsLeftPlanning(pg::Connection& conn);

class Scheduler {
 public:
  Scheduler(SchedulerSettings settings, SchedulerDeps deps);

  // One scheduling pass as described at the top of this file.
  Result<ScheduleResult> Run(const ScheduleRequest& request);

 private:
  SchedulerSettings settings_;
  SchedulerDeps deps_;
};

}  // namespace di

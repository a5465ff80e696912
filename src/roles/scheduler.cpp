#include "roles/scheduler.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <random>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "queue/messages.h"
#include "roles/components.h"
#include "roles/run_publisher.h"
#include "roles/run_type_policy.h"
#include "store/pg.h"
#include "store/runs.h"

namespace di {
namespace {

constexpr const char* kTryLock = "SELECT pg_try_advisory_lock($1::bigint)";
constexpr const char* kUnlock = "SELECT pg_advisory_unlock($1::bigint)";

// Releases the scheduler lock before its connection closes: a closed
// connection's backend exits (and drops the lock) asynchronously, so a
// scheduler started right after this one could still find it taken.
struct LockRelease {
  pg::Connection* conn = nullptr;
  ~LockRelease() {
    if (conn != nullptr) (void)conn->Exec(kUnlock, {pg::P(kSchedulerLockKey)});
  }
};

plan::HeatmapAlgorithm AlgorithmFor(HeatmapMode mode) {
  return mode == HeatmapMode::kSeed ? plan::HeatmapAlgorithm::kSeed : plan::HeatmapAlgorithm::kAdaptive;
}

// Runs BATCH's queries on up to IN_FLIGHT threads; the first error wins.
Result<std::vector<int64_t>> CountBatch(nivoda::NivodaClient* client, const nivoda::DiamondQuery& base, int in_flight,
                                        const std::vector<plan::PriceRange>& batch) {
  std::vector<int64_t> counts(batch.size(), 0);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::mutex mu;
  Status first_error;
  auto work = [&] {
    for (;;) {
      if (failed.load()) return;
      const size_t i = next.fetch_add(1);
      if (i >= batch.size()) return;
      nivoda::DiamondQuery query = base;
      query.dollar_value = nivoda::DollarRange{batch[i].from_dollars, batch[i].to_dollars};
      Result<int64_t> count = client->Count(query);
      if (count.ok() && *count < 0) {
        count = Status(Code::kCorrupt, "negative count " + std::to_string(*count));
      }
      if (!count.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (!failed.exchange(true)) first_error = count.status();
        return;
      }
      counts[i] = *count;
    }
  };
  const size_t threads = std::min<size_t>(batch.size(), static_cast<size_t>(std::max(1, in_flight)));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> pool;
    pool.reserve(threads);
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(work);
    for (auto& t : pool) t.join();
  }
  if (failed.load()) return first_error;
  return counts;
}

Status Prefixed(const Status& status, const std::string& what) {
  return Status(status.code(), what + ": " + status.message(), status.sqlstate());
}

}  // namespace

SchedulerSettings SchedulerSettingsFrom(const Config& config) {
  SchedulerSettings s;
  s.feed = config.feed;
  s.heatmap = AlgorithmFor(config.heatmap);
  s.queries_in_flight = config.heatmap_queries_in_flight;
  s.overlap = config.schedule_overlap;
  s.incremental_overlap = config.incremental_overlap;
  s.full_run_interval = config.full_run_interval;
  s.full_plan.max_partitions = config.max_partitions_full;
  s.full_plan.min_records_per_partition = config.min_records_per_partition;
  s.incremental_plan.max_partitions = config.max_partitions_incremental;
  s.incremental_plan.min_records_per_partition = config.min_records_per_partition;
  return s;
}

nivoda::DiamondQuery RunBaseQuery(Feed feed, const std::optional<std::string>& updated_from,
                                  const std::string& updated_to) {
  nivoda::DiamondQuery q;
  q.labgrown = feed == Feed::kLabgrown;
  // A full run's snapshot is everything not updated since the run's start: the
  // set its partitions read (src/ingest/README.md).
  q.updated = nivoda::TimeRange{updated_from, updated_to};
  return q;
}

plan::CountBatchFn MakeCountBatchFn(nivoda::NivodaClient* client, nivoda::DiamondQuery base, int in_flight) {
  return [client, base = std::move(base), in_flight](const std::vector<plan::PriceRange>& batch) {
    return CountBatch(client, base, in_flight, batch);
  };
}

std::string MakeRunId(Feed feed, WallTime now) {
  const std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  std::random_device rd;
  char suffix[8];
  std::snprintf(suffix, sizeof suffix, "%04x", static_cast<unsigned>(rd() & 0xffffu));
  return std::string(FeedName(feed)) + "-" + stamp + "-" + suffix;
}

Result<std::vector<std::string>> FailRunsLeftPlanning(pg::Connection& conn) {
  auto locked = conn.Exec(kTryLock, {pg::P(kSchedulerLockKey)});
  if (!locked.ok()) return locked.status();
  if (!locked->GetBool(0, 0)) return std::vector<std::string>();  // a scheduler is alive: its runs are its own
  LockRelease release{&conn};
  auto failed = store::FailRunsStillPlanning(conn, "the scheduler ended before it published every partition");
  if (failed.ok()) {
    for (const auto& id : *failed) log::Warn("run left planning by a scheduler that ended: failed", {{"run_id", id}});
  }
  return failed;
}

Scheduler::Scheduler(SchedulerSettings settings, SchedulerDeps deps)
    : settings_(std::move(settings)), deps_(std::move(deps)) {
  if (deps_.clock == nullptr) deps_.clock = &DefaultClock();
}

Result<ScheduleResult> Scheduler::Run(const ScheduleRequest& request) {
  Clock& clock = *deps_.clock;
  const WallTime started = clock.Now();
  const std::string feed = FeedName(settings_.feed);
  ScheduleResult result;
  result.run_id = MakeRunId(settings_.feed, started);
  result.updated_to = FormatIso8601(started);

  // 1. One scheduler at a time: the lock lives as long as this connection. A
  // dry run takes no lock; it reads through its own connection, or plans
  // without a database when it has none (database_url empty).
  std::unique_ptr<pg::Connection> conn;
  if (!request.dry_run || !deps_.database_url.empty()) {
    auto opened = pg::Connection::Open(deps_.database_url);
    if (!opened.ok()) return Prefixed(opened.status(), "database unreachable");
    conn = std::move(*opened);
  }
  if (!request.dry_run) {
    auto locked = conn->Exec(kTryLock, {pg::P(kSchedulerLockKey)});
    if (!locked.ok()) return Prefixed(locked.status(), "database error taking the scheduler lock");
    if (!locked->GetBool(0, 0)) return Status(Code::kConflict, "another scheduler is running");
  }
  LockRelease release{conn.get()};
  if (!request.dry_run) {
    // A run whose scheduler died while planning would block its feed forever.
    auto left = FailRunsLeftPlanning(*conn);
    if (!left.ok()) return Prefixed(left.status(), "database error");
  }

  // 2. Full or incremental (run_type_policy.h).
  auto watermark = deps_.watermark->Read();
  if (!watermark.ok()) return Prefixed(watermark.status(), "cannot read the watermark");
  if (*watermark) result.watermark_before = FormatIso8601((*watermark)->last_updated_at);
  std::optional<WallTime> last_full;
  if (conn) {
    auto read = store::LastCompleteFullRun(*conn, feed);
    if (!read.ok()) return Prefixed(read.status(), "database error");
    last_full = *read;
  }
  const RunTypeDecision run_type =
      DecideRunType({request.full, watermark->has_value(), last_full, started, settings_.full_run_interval});
  result.incremental = !run_type.full;
  result.run_type_reason = run_type.reason;
  if (result.incremental) {
    const WallTime from = (*watermark)->last_updated_at - settings_.incremental_overlap;
    if (from > started) {
      return Status(Code::kConflict, "the watermark (" + *result.watermark_before +
                                         ") is later than now: check the clock or run with --full");
    }
    result.updated_from = FormatIso8601(from);
  }

  // 3. Never two runs in flight for one feed.
  if (!request.dry_run && !request.force) {
    auto in_flight = store::RunInFlight(*conn, feed);
    if (!in_flight.ok()) return Prefixed(in_flight.status(), "database error");
    if (*in_flight) {
      return Status(Code::kConflict,
                    "run " + **in_flight + " of feed " + feed + " is still in flight (use --force to start another)");
    }
  }

  // 4. Plan; with overlap, each partition is published as soon as it is final.
  log::Info("planning partitions", {{"run_id", result.run_id},
                                    {"feed", feed},
                                    {"run_type", result.incremental ? "incremental" : "full"},
                                    {"why", result.run_type_reason},
                                    {"heatmap", plan::HeatmapAlgorithmName(settings_.heatmap)},
                                    {"overlap", settings_.overlap},
                                    {"updated_from", result.updated_from.value_or("")},
                                    {"updated_to", result.updated_to}});
  queue::WorkItem item;
  item.run_id = result.run_id;
  item.feed = feed;
  item.is_incremental = result.incremental;
  item.watermark_before = result.watermark_before;
  item.updated_from = result.updated_from;
  item.updated_to = result.updated_to;
  store::NewRun run;
  run.run_id = result.run_id;
  run.feed = feed;
  run.run_type = result.incremental ? "incremental" : "full";
  run.watermark_before = result.watermark_before;
  run.updated_from = result.updated_from;
  run.updated_to = result.updated_to;
  std::optional<RunPublisher> publisher;
  if (!request.dry_run) publisher.emplace(*conn, *deps_.queue, run, item);
  const int64_t plan_start = clock.MonotonicMs();
  plan::FinalPartitionsFn on_final;
  bool publish_failed = false;
  if (publisher && settings_.overlap) {
    on_final = [&](int64_t total, const std::vector<plan::Partition>& partitions) -> Status {
      Status published = publisher->PublishEarly(total, partitions);
      publish_failed = !published.ok();
      DI_RETURN_IF_ERROR(published);
      if (result.first_item_ms < 0) result.first_item_ms = clock.MonotonicMs() - plan_start;
      return Status::Ok();
    };
  }
  plan::CountBatchFn count = MakeCountBatchFn(
      deps_.client, RunBaseQuery(settings_.feed, result.updated_from, result.updated_to), settings_.queries_in_flight);
  auto planned = plan::PlanPartitions(settings_.heatmap, count,
                                      result.incremental ? settings_.incremental_plan : settings_.full_plan, on_final);
  result.planning_ms = clock.MonotonicMs() - plan_start;
  if (!planned.ok()) {
    std::string what = publish_failed ? "database error publishing work items of run " + result.run_id
                                      : "Nivoda count queries failed";
    if (publisher && publisher->recorded()) {
      what = "planning failed after publishing " + std::to_string(publisher->published()) + " work items of run " +
             result.run_id + (publish_failed ? " (database)" : "");
    }
    const Status failed = Prefixed(planned.status(), what);
    if (publisher) {
      Status aborted = publisher->Abort(failed.message());
      if (!aborted.ok()) {
        log::Error("cannot fail the run; the next schedule fails it",
                   {{"run_id", result.run_id}, {"error", aborted.ToString()}});
      }
    }
    return failed;
  }
  result.plan = std::move(*planned);
  result.early_partitions = publisher ? publisher->published() : 0;
  log::Info("plan ready", {{"run_id", result.run_id},
                           {"partitions", static_cast<int64_t>(result.plan.partitions.size())},
                           {"published_early", static_cast<int64_t>(result.early_partitions)},
                           {"total_records", result.plan.total_records},
                           {"count_queries", result.plan.count_queries},
                           {"count_rounds", result.plan.count_rounds},
                           {"largest_over_mean", plan::LargestOverMean(result.plan)},
                           {"planning_ms", result.planning_ms}});
  if (request.dry_run) {
    result.outcome = ScheduleOutcome::kDryRun;
    return result;
  }

  // 5. The rest of the work items (all of them without overlap) and the end of
  // planning, one transaction. In the rare case where a partition published
  // early is not the plan's (a heavy dollar found after it was published, see
  // adaptive_planner.h), that run fails and the plan is recorded whole as a
  // new run: the feed never runs on a plan other than the one planned.
  if (publisher->recorded() && !publisher->PublishedMatch(result.plan)) {
    const std::string replaced = result.run_id;
    result.run_id = MakeRunId(settings_.feed, clock.Now());
    Status aborted = publisher->Abort("the plan changed after its first work items were published; replaced by run " +
                                      result.run_id);
    if (!aborted.ok()) return Prefixed(aborted, "database error failing run " + replaced);
    log::Warn("the plan changed after publishing: recording it whole as a new run",
              {{"run_id", result.run_id}, {"replaced", replaced}});
    run.run_id = result.run_id;
    item.run_id = result.run_id;
    publisher.emplace(*conn, *deps_.queue, run, item);
    result.early_partitions = 0;
  }
  const bool no_offers = result.plan.partitions.empty();
  if (no_offers) {
    log::Warn("zero offers match: recording a run with no work items",
              {{"run_id", result.run_id}, {"feed", feed}, {"run_type", run.run_type}});
  }
  Status recorded = publisher->Finish(result.plan);
  if (!recorded.ok()) {
    const Status failed = Prefixed(recorded, "database error recording run " + result.run_id);
    (void)publisher->Abort(failed.message());
    return failed;
  }
  if (result.first_item_ms < 0 && !no_offers) result.first_item_ms = clock.MonotonicMs() - plan_start;
  result.outcome = no_offers ? ScheduleOutcome::kNoOffers : ScheduleOutcome::kScheduled;
  log::Info("run scheduled", {{"run_id", result.run_id},
                              {"run_type", run.run_type},
                              {"work_items", static_cast<int64_t>(result.plan.partitions.size())},
                              {"published_early", static_cast<int64_t>(result.early_partitions)},
                              {"expected_records", result.plan.total_records}});
  return result;
}

}  // namespace di

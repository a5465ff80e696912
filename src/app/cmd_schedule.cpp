// diamond-ingest schedule: builds the components, runs one Scheduler pass and
// turns its outcome into output and an exit status (see scheduler.h and
// src/roles/README-scheduler.md).
//
// With several feeds (FEED=natural,labgrown) one pass per feed, in order.
// stdout: the plan table and count queries (--dry-run), or one summary line
// per feed. stderr: JSON log lines, and per failed feed exactly one plain line
// "diamond-ingest: schedule: [<feed>: ]<why>" (exit 1).
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/components.h"
#include "common/log.h"
#include "nivoda/retry_policy.h"
#include "plan/plan_svg.h"
#include "plan/plan_table.h"
#include "roles/scheduler.h"
#include "store/embedded_postgres.h"

namespace di {
namespace {

int Fail(const std::string& why) {
  log::Error("schedule failed", {{"error", why}});
  std::string line = log::Redact(why);
  for (char& c : line) {
    if (c == '\n' || c == '\r') c = ' ';
  }
  std::fprintf(stderr, "diamond-ingest: schedule: %s\n", line.c_str());
  return kExitFailure;
}

// The database may be briefly unreachable (restart, failover): retry building
// the components with the configured Nivoda retry policy (RETRY_ATTEMPTS,
// RETRY_BASE_MS, RETRY_CAP_MS) while the error is retryable.
Result<Components> BuildWithRetry(const Config& config) {
  nivoda::RetryOptions ro;
  ro.max_attempts = config.retry_attempts;
  ro.base_delay = config.retry_base;
  ro.max_delay = config.retry_cap;
  nivoda::RetryPolicy policy(ro);
  ComponentNeeds needs;
  needs.pool_size = config.heatmap_queries_in_flight + 2;
  for (int attempt = 1;; ++attempt) {
    Result<Components> built = BuildComponents(config, needs);
    if (built.ok()) return built;
    const Status& status = built.status();
    std::optional<Millis> delay =
        status.code() == Code::kUnavailable ? policy.NextDelay(attempt, status) : std::nullopt;
    if (!delay) return status;
    log::Warn("database unreachable, retrying",
              {{"attempt", attempt}, {"delay_ms", static_cast<int64_t>(delay->count())}, {"error", status.ToString()}});
    DefaultClock().SleepFor(*delay);
  }
}

// A dry run needs only the watermark and Nivoda: with no database (DATABASE_URL
// unset and the embedded PostgreSQL not running, or DATABASE_URL unreachable)
// it plans without one (BuildDatabaseFreeComponents) and DATABASE_FREE says so.
Result<Components> BuildForDryRun(const Config& config, bool* database_free) {
  const std::string embedded = EmbeddedPostgresDir(config);
  const bool no_database =
      config.database_url.empty() && (embedded.empty() || !pg::EmbeddedPostgres::IsRunning(embedded));
  if (!no_database) {
    Result<Components> built = BuildWithRetry(config);
    if (built.ok() || built.status().code() != Code::kUnavailable) return built;
    log::Warn("database unreachable: the dry run plans without it", {{"error", built.status().ToString()}});
  }
  *database_free = true;
  return BuildDatabaseFreeComponents(config);
}

Status WritePlot(const std::string& path, const plan::Plan& plan) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << plan::RenderDensitySvg(plan);
  out.close();
  if (!out) return Status(Code::kUnavailable, "cannot write --plot file " + path);
  return Status::Ok();
}

// One scheduler pass for FEED: prints its outcome; on failure returns the
// one-line reason. DATABASE_FREE: a dry run planned without a database.
std::optional<std::string> ScheduleFeed(const Config& config, const ScheduleOptions& options, Components& components,
                                        Feed feed, bool database_free) {
  SchedulerDeps deps;
  deps.database_url = components.database_url;
  deps.queue = components.queue.get();
  deps.watermark = components.watermark_for(FeedName(feed)).get();
  deps.client = components.client.get();
  SchedulerSettings settings = SchedulerSettingsFrom(config);
  settings.feed = feed;
  Scheduler scheduler(settings, deps);

  ScheduleRequest request;
  request.full = options.full;
  request.force = options.force;
  request.dry_run = options.dry_run;
  Result<ScheduleResult> result = scheduler.Run(request);
  if (!result.ok()) return result.status().message() + " (" + CodeName(result.status().code()) + ")";

  const plan::Plan& plan = result->plan;
  if (!options.plot.empty()) {
    Status written = WritePlot(options.plot, plan);
    if (!written.ok()) return written.message();
  }
  const char* run_type = result->incremental ? "incremental" : "full";
  switch (result->outcome) {
    case ScheduleOutcome::kDryRun:
      std::printf("dry run: %s run of feed %s (%s), updated_to %s%s%s\n", run_type, FeedName(feed),
                  result->run_type_reason.c_str(), result->updated_to.c_str(),
                  result->updated_from ? ", updated_from " : "", result->updated_from.value_or("").c_str());
      if (database_free) {
        std::printf("no database: %s (a real schedule needs the database)\n",
                    config.azure_storage ? "watermark read from Azure Blob Storage"
                                         : "no watermark to read, so planned as a full run");
      }
      std::fputs(plan::RenderPlanTable(plan).c_str(), stdout);
      std::printf("count queries: %d (%d rounds, %lld ms)\n", plan.count_queries, plan.count_rounds,
                  static_cast<long long>(result->planning_ms));
      break;
    case ScheduleOutcome::kNoOffers:
      std::printf("run %s (%s): zero offers, recorded with no work items; %s because %s\n", result->run_id.c_str(),
                  run_type, run_type, result->run_type_reason.c_str());
      break;
    case ScheduleOutcome::kScheduled:
      std::printf("run %s (%s): %zu work items, %lld expected offers, %d count queries; %s because %s\n",
                  result->run_id.c_str(), run_type, plan.partitions.size(), static_cast<long long>(plan.total_records),
                  plan.count_queries, run_type, result->run_type_reason.c_str());
      break;
  }
  std::fflush(stdout);
  return std::nullopt;
}

}  // namespace

int RunSchedule(const Config& config, const ScheduleOptions& options) {
  bool database_free = false;
  Result<Components> components = options.dry_run ? BuildForDryRun(config, &database_free) : BuildWithRetry(config);
  if (!components.ok()) {
    const Status& s = components.status();
    return Fail((s.code() == Code::kUnavailable ? "database unreachable: " : "cannot start: ") + s.ToString());
  }
  // A run whose work item or consolidation was dead-lettered ends first (a
  // Service Bus broker dead-letters by itself), so it cannot block its feed.
  if (!options.dry_run) {
    Result<int> swept = ApplyDeadLetters(*components, config);
    if (!swept.ok()) log::Warn("cannot apply the dead letters; continuing", {{"error", swept.status().ToString()}});
  }
  const std::vector<Feed> feeds = ConfiguredFeeds(config);
  int exit_code = kExitOk;
  for (Feed feed : feeds) {
    std::optional<std::string> failed = ScheduleFeed(config, options, *components, feed, database_free);
    if (!failed) continue;
    exit_code = Fail(feeds.size() > 1 ? std::string(FeedName(feed)) + ": " + *failed : *failed);
  }
  if (components->limiter) components->limiter->Shutdown();
  return exit_code;
}

}  // namespace di

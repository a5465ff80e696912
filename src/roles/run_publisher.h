// RunPublisher: records a scheduled run and publishes one work item per
// partition, either all in one transaction (nothing published early, or
// SCHEDULE_OVERLAP off) or in batches while planning refines the rest: each
// batch of partitions final before planning ends (plan::FinalPartitionsFn) is
// one transaction of partition rows and their work items, the first one also
// records the run with planning = true; Finish publishes the rest and ends
// planning in one more. While planning, the run's expected_partitions is one
// more than the partitions published, so no partition end can complete it
// (sql/017_run_planning.sql). Abort fails a run whose planning failed.
//
// Not thread-safe: one planning thread drives it, on the scheduler's connection.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "plan/plan_types.h"
#include "queue/messages.h"
#include "queue/queue.h"
#include "store/pg.h"
#include "store/runs.h"

namespace di {

class RunPublisher {
 public:
  // RUN: the run's row (its planning/expected fields are set here); ITEM: the
  // run's fields of every work item (run id, feed, window). CONN and QUEUE must
  // outlive the publisher.
  RunPublisher(pg::Connection& conn, queue::Queue& queue, store::NewRun run, queue::WorkItem item);

  // Publishes PARTITIONS (final ones of the plan, by id, none published yet)
  // before planning ends; the first call records the run (expected_records =
  // TOTAL).
  Status PublishEarly(int64_t total, const std::vector<plan::Partition>& partitions);

  // The plan is complete: publishes its partitions not published yet and ends
  // planning (or records the whole run now when none was published early).
  // No partitions: the run is recorded `completed`. kInternal when every
  // partition was published early: the last one must come with the end of
  // planning, or its end could not complete the run.
  Status Finish(const plan::Plan& plan);

  // Planning failed after the run was recorded: in one transaction the run
  // ends `failed` with WHY and its published partitions are cancelled (their
  // work items are dropped when delivered). No-op when nothing was recorded.
  Status Abort(const std::string& why);

  // Whether every partition published early is PLAN's partition of its id
  // (see adaptive_planner.h for the rare case where it is not).
  bool PublishedMatch(const plan::Plan& plan) const;

  bool recorded() const { return recorded_; }
  int published() const { return static_cast<int>(published_.size()); }

 private:
  Status Publish(const std::vector<plan::Partition>& partitions, bool last, int64_t total, int count_queries);

  pg::Connection& conn_;
  queue::Queue& queue_;
  store::NewRun run_;
  queue::WorkItem item_;
  bool recorded_ = false;
  std::map<int, plan::Partition> published_;  // by id
};

}  // namespace di

// Consolidator: the `consolidate` role. ConsolidateRun() turns a run's raw offers
// into `diamonds`, soft-deletes what a complete full run no longer offers,
// advances the watermark (runs without failed partitions only) and marks the
// run completed; `run` calls it in-process. Idempotent: a second call, a second
// message or a call after a crash ends in the state of one clean pass. On error
// the watermark and the run status stay as they were, so a retry resumes.
// Handle() applies it to one queue message (dead letter, abandon with a delay,
// or complete); Run() receives messages until *stop.
// Flow, idempotence, failure table: src/consolidate/README.md.
//
// Thread-safety: every method may be called from any thread; concurrent
// ConsolidateRun calls for one run are safe (they share its batches).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>

#include "config/config.h"
#include "consolidate/run_gate.h"
#include "consolidate/run_store.h"
#include "roles/components.h"
#include "roles/retention.h"

namespace di {

struct ConsolidatorOptions {
  int batch_size = 2000;                    // CONSOLIDATE_BATCH_SIZE
  int parallelism = 2;                      // batch loops per run in this process
  std::string queue = queue::kConsolidate;  // CONSOLIDATE_QUEUE
  Millis poll{2000};                        // receive wait
  Millis lease{60000};                      // the queue's lease; renewed every third of it
  Millis not_ready_delay{60000};            // abandon delay while partitions are in progress
  Millis retry_delay{30000};                // after an error; doubled per delivery, at most 10 min
  Millis wait_for_others{100};              // poll while other consolidators hold the last rows
  // Pruned after every run this consolidator completes (roles/retention.h);
  // nullopt: nothing is pruned (tests that count history).
  std::optional<RetentionPolicy> retention;
  // Rebuild raw_diamonds_nivoda's run_id indexes after every complete full run
  // (roles/raw_index_upkeep.h); the command line's consolidators do.
  bool rebuild_raw_run_indexes = false;
};

// What the consolidator works with. WATERMARK_FOR returns the watermark store
// of a feed (runs of both feeds may share a database).
struct ConsolidatorDeps {
  std::shared_ptr<pg::Pool> pool;  // size >= parallelism + 1
  std::shared_ptr<queue::Queue> queue;
  std::shared_ptr<cloud::AlertSink> alerts;
  std::function<std::shared_ptr<cloud::WatermarkStore>(const std::string& feed)> watermark_for;
};

using consolidate::ConsolidationOutcome;  // consolidate/run_gate.h
using consolidate::ConsolidationOutcomeName;

struct ConsolidationReport {
  ConsolidationOutcome outcome = ConsolidationOutcome::kUnknownRun;
  std::string reason;  // why not completed / how it ran
  std::string feed;
  std::string run_type;
  bool soft_delete = false;               // soft delete applied (complete full run)
  bool watermark_advanced = false;        // false for forced runs
  consolidate::ConsolidationStats stats;  // cumulative over every pass of the run
  int64_t batches = 0;                    // batches committed by this call
  int64_t raced = 0;                      // claims repeated or rows skipped: another consolidator wrote them first
  int64_t wall_ms = 0;
  int64_t batches_ms = 0;   // listing, claiming, mapping and writing
  int64_t finalize_ms = 0;  // last_run_id, undelete, soft delete, counts
};

struct ConsolidatorCounters {
  std::atomic<int64_t> completed{0};
  std::atomic<int64_t> duplicates{0};
  std::atomic<int64_t> not_ready{0};
  std::atomic<int64_t> failed{0};
  std::atomic<int64_t> dead_lettered{0};
};

class Consolidator {
 public:
  Consolidator(ConsolidatorDeps deps, ConsolidatorOptions options);

  // Consolidates RUN_ID (see above). HEARTBEAT, when set, is called between
  // batches (from any of the batch threads). kCancelled when *STOP was set.
  Result<ConsolidationReport> ConsolidateRun(const std::string& run_id, bool force,
                                             const std::atomic<bool>* stop = nullptr,
                                             const std::function<void()>& heartbeat = {});
  // Handles one leased consolidation message to its end.
  void Handle(const queue::Message& message, const std::atomic<bool>& stop);
  // Receives and handles messages one at a time until *STOP.
  void Run(const std::atomic<bool>& stop);

  const ConsolidatorCounters& counters() const { return counters_; }

 private:
  Status BatchLoops(const consolidate::RunState& run, const std::atomic<bool>* stop,
                    const std::function<void()>& heartbeat, ConsolidationReport* report);
  void DeadLetter(const queue::Message& message, const std::string& run_id, const std::string& reason,
                  const std::string& description);

  ConsolidatorDeps deps_;
  ConsolidatorOptions options_;
  ConsolidatorCounters counters_;
};

// Options from the configuration.
ConsolidatorOptions MakeConsolidatorOptions(const Config& config);
// Deps from the components: components.watermark_for when set; otherwise the
// configured feed uses components.watermark and the other feed the embedded
// (database) watermark store.
ConsolidatorDeps MakeConsolidatorDeps(const Components& components, const Config& config);

}  // namespace di

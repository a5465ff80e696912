#include "roles/consolidator.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "cloud/db_watermark_store.h"
#include "common/backoff.h"
#include "common/log.h"
#include "consolidate/batch.h"
#include "queue/messages.h"
#include "roles/consume_loop.h"
#include "roles/raw_index_upkeep.h"

namespace di {
namespace {

int64_t ElapsedMs(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - since).count();
}

bool Stopped(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(); }

// A Complete or Abandon that fails leaves the message leased: the queue
// delivers it again when the lease ends, and handling it is idempotent, so the
// failure is logged and not retried here.
void WarnIfUnsettled(const Status& settled, const char* what, const std::string& run_id) {
  if (settled.ok()) return;
  log::Warn(std::string("cannot ") + what + " a consolidation message; it returns when its lease ends",
            {{"run_id", run_id}, {"error", settled.ToString()}});
}

}  // namespace

ConsolidatorOptions MakeConsolidatorOptions(const Config& config) {
  ConsolidatorOptions o;
  o.batch_size = config.consolidate_batch_size;
  o.queue = config.consolidate_queue;
  o.lease = config.queue_lease;
  o.retry_delay = config.queue_retry_delay;
  o.retention = MakeRetentionPolicy(config);
  o.rebuild_raw_run_indexes = true;
  return o;
}

ConsolidatorDeps MakeConsolidatorDeps(const Components& components, const Config& config) {
  ConsolidatorDeps d;
  d.pool = components.pool;
  d.queue = components.queue;
  d.alerts = components.alerts;
  if (components.watermark_for) {
    d.watermark_for = components.watermark_for;
    return d;
  }
  const std::string configured = FeedName(config.feed);
  auto pool = components.pool;
  auto mine = components.watermark;
  d.watermark_for = [configured, pool, mine](const std::string& feed) -> std::shared_ptr<cloud::WatermarkStore> {
    if (feed == configured) return mine;
    return std::make_shared<cloud::DbWatermarkStore>(pool, feed);
  };
  return d;
}

Consolidator::Consolidator(ConsolidatorDeps deps, ConsolidatorOptions options)
    : deps_(std::move(deps)), options_(std::move(options)) {
  options_.batch_size = std::max(1, options_.batch_size);
  options_.parallelism = std::max(1, options_.parallelism);
}

Status Consolidator::BatchLoops(const consolidate::RunState& run, const std::atomic<bool>* stop,
                                const std::function<void()>& heartbeat, ConsolidationReport* report) {
  DI_ASSIGN_OR_RETURN(auto conn, deps_.pool->Acquire());
  std::atomic<int64_t> committed{0};
  std::atomic<int64_t> raced{0};
  // Rounds: list the unconsolidated rows, let the loops share the list in
  // slices of batch_size; list again until nothing is left. A round that
  // claims nothing means other consolidators hold the rest: wait for them.
  while (true) {
    if (Stopped(stop)) return Status(Code::kCancelled, "shutdown requested");
    DI_ASSIGN_OR_RETURN(const consolidate::PendingNotes stones, consolidate::ListUnconsolidated(*conn, run.feed));
    if (stones.size() == 0) break;
    const size_t size = static_cast<size_t>(options_.batch_size);
    const size_t slices = (stones.size() + size - 1) / size;
    std::atomic<size_t> next{0};
    std::atomic<int64_t> claimed{0};
    std::atomic<int64_t> settled{0};
    std::atomic<bool> abort{false};
    std::mutex mu;
    Status first_error;
    auto loop = [&] {
      Status s = [&]() -> Status {
        DI_ASSIGN_OR_RETURN(auto mine, deps_.pool->Acquire());
        for (size_t k = next++; k < slices && !abort; k = next++) {
          if (Stopped(stop)) return Status(Code::kCancelled, "shutdown requested");
          DI_ASSIGN_OR_RETURN(auto counts, consolidate::ConsolidateListed(*mine, run.feed, run.run_id, stones, k * size,
                                                                          std::min(stones.size(), (k + 1) * size)));
          if (heartbeat) heartbeat();
          settled += counts.settled;
          if (counts.claimed == 0) continue;
          claimed += counts.claimed;
          raced += counts.raced;
          ++committed;
          log::Debug("consolidation batch", {{"run_id", run.run_id},
                                             {"claimed", counts.claimed},
                                             {"mapped", counts.mapped},
                                             {"failed", counts.failed},
                                             {"claim_us", counts.claim_us},
                                             {"map_us", counts.map_us},
                                             {"write_us", counts.write_us}});
        }
        return Status::Ok();
      }();
      if (!s.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        if (first_error.ok()) first_error = s;
        abort = true;
      }
    };
    std::vector<std::thread> helpers;
    const int loops = static_cast<int>(std::min<size_t>(static_cast<size_t>(options_.parallelism), slices));
    for (int i = 1; i < loops; ++i) helpers.emplace_back(loop);
    loop();
    for (auto& t : helpers) t.join();
    report->batches = committed.load();
    report->raced = raced.load();
    DI_RETURN_IF_ERROR(first_error);
    // Every listed note was settled here: none was held by another
    // consolidator or writer, and notes written after the listing belong to a
    // later run (this one's partitions have all ended).
    if (settled == static_cast<int64_t>(stones.size())) break;
    if (claimed == 0 && settled == 0) std::this_thread::sleep_for(options_.wait_for_others);
  }
  report->batches = committed.load();
  report->raced = raced.load();
  return Status::Ok();
}

Result<ConsolidationReport> Consolidator::ConsolidateRun(const std::string& run_id, bool force,
                                                         const std::atomic<bool>* stop,
                                                         const std::function<void()>& heartbeat) {
  const auto started = std::chrono::steady_clock::now();
  ConsolidationReport report;
  DI_ASSIGN_OR_RETURN(auto conn, deps_.pool->Acquire());
  DI_ASSIGN_OR_RETURN(std::optional<consolidate::RunState> run, consolidate::LoadRunState(*conn, run_id));
  const consolidate::GateDecision gate = consolidate::DecideConsolidation(run, run_id, force);
  report.reason = gate.reason;
  if (run) {
    report.feed = run->feed;
    report.run_type = run->run_type;
  }
  if (!gate.proceed()) {
    report.outcome = *gate.outcome;
    if (report.outcome == ConsolidationOutcome::kAlreadyCompleted) {
      DI_ASSIGN_OR_RETURN(report.stats, consolidate::ReadStats(*conn, run_id));
    }
    return report;
  }
  log::Info("consolidation started", {{"run_id", run_id},
                                      {"feed", run->feed},
                                      {"run_type", run->run_type},
                                      {"force", force},
                                      {"soft_delete", gate.soft_delete},
                                      {"advance_watermark", gate.advance_watermark}});
  DI_RETURN_IF_ERROR(consolidate::BeginConsolidation(*conn, run_id, force));
  DI_RETURN_IF_ERROR(BatchLoops(*run, stop, heartbeat, &report));
  report.batches_ms = ElapsedMs(started);
  if (Stopped(stop)) return Status(Code::kCancelled, "shutdown requested");
  DI_ASSIGN_OR_RETURN(consolidate::FinalizeCounts fin,
                      consolidate::FinalizeRun(*conn, run_id, run->feed, gate.soft_delete));
  report.finalize_ms = ElapsedMs(started) - report.batches_ms;
  report.soft_delete = gate.soft_delete;
  if (gate.advance_watermark && !fin.already_completed) {
    auto store = deps_.watermark_for(run->feed);
    if (!store) return Status(Code::kInternal, "no watermark store for feed " + run->feed);
    DI_RETURN_IF_ERROR(store->Advance({run->updated_to, run_id, DefaultClock().Now()}));
    report.watermark_advanced = true;
  } else if (!gate.advance_watermark) {
    log::Warn("forced run: the watermark stays where it was so the next run re-covers the failed partitions",
              {{"run_id", run_id}, {"failed_partitions", run->failed}});
  }
  if (!fin.already_completed) DI_RETURN_IF_ERROR(consolidate::CompleteRun(*conn, run_id, gate.advance_watermark));
  DI_ASSIGN_OR_RETURN(report.stats, consolidate::ReadStats(*conn, run_id));
  report.outcome = fin.already_completed ? ConsolidationOutcome::kAlreadyCompleted : ConsolidationOutcome::kCompleted;
  report.wall_ms = ElapsedMs(started);
  const auto& s = report.stats;
  log::Info("consolidation completed", {{"run_id", run_id},
                                        {"seen", s.seen},
                                        {"mapped", s.mapped},
                                        {"inserted", s.inserted},
                                        {"updated", s.updated},
                                        {"failed", s.failed},
                                        {"deleted", s.deleted},
                                        {"undeleted", s.undeleted},
                                        {"unchanged", s.unchanged},
                                        {"batches", report.batches},
                                        {"raced", report.raced},
                                        {"watermark_advanced", report.watermark_advanced},
                                        {"wall_ms", report.wall_ms},
                                        {"batches_ms", report.batches_ms},
                                        {"finalize_ms", report.finalize_ms}});
  if (report.outcome == ConsolidationOutcome::kCompleted && options_.retention) {
    // The run is complete whatever pruning does: a failure is logged, retried after the next run.
    auto pruned = PruneHistory(*deps_.pool, *options_.retention, DefaultClock().Now());
    if (!pruned.ok()) log::Warn("pruning history failed", {{"run_id", run_id}, {"error", pruned.status().ToString()}});
  }
  if (report.outcome == ConsolidationOutcome::kCompleted && report.soft_delete && options_.rebuild_raw_run_indexes) {
    // The full run moved every raw row's run_id: rebuild the indexes it bloated (after the run is complete).
    auto rebuilt = RebuildRawRunIndexes(*deps_.pool);
    if (!rebuilt.ok()) {
      log::Warn("rebuilding the raw run indexes failed", {{"run_id", run_id}, {"error", rebuilt.status().ToString()}});
    }
  }
  return report;
}

void Consolidator::DeadLetter(const queue::Message& message, const std::string& run_id, const std::string& reason,
                              const std::string& description) {
  ++counters_.dead_lettered;
  Status s = deps_.queue->DeadLetter(message, reason, description);
  if (!s.ok()) log::Warn("cannot dead-letter a consolidation message", {{"error", s.ToString()}});
  deps_.alerts->Send({"dead_letter", run_id, "consolidation message dead-lettered: " + description,
                      "A consolidation message was moved to the dead letters of " + message.queue + " (" + reason +
                          ": " + description + "). Body: " + message.body.substr(0, 500)});
}

void Consolidator::Handle(const queue::Message& message, const std::atomic<bool>& stop) {
  auto request = queue::DecodeConsolidate(message.body);
  if (!request.ok()) {
    DeadLetter(message, "", "MalformedConsolidateMessage", request.status().message());
    return;
  }
  const std::string& run_id = request->run_id;
  // Renew the lease at most every third of it while batches run.
  std::mutex renew_mu;
  auto last_renew = std::chrono::steady_clock::now();
  auto heartbeat = [&] {
    std::lock_guard<std::mutex> lock(renew_mu);
    if (std::chrono::steady_clock::now() - last_renew < options_.lease / 3) return;
    last_renew = std::chrono::steady_clock::now();
    Status s = deps_.queue->RenewLease(message);
    if (!s.ok()) log::Warn("consolidation lease renewal failed", {{"run_id", run_id}, {"error", s.ToString()}});
  };
  auto report = ConsolidateRun(run_id, request->force, &stop, heartbeat);
  if (!report.ok()) {
    if (report.status().code() == Code::kCancelled) {
      WarnIfUnsettled(deps_.queue->Abandon(message), "abandon", run_id);
      return;
    }
    ++counters_.failed;
    Millis delay = DoublingDelay(options_.retry_delay, message.delivery_count);
    log::Error("consolidation failed; the message will be retried",
               {{"run_id", run_id},
                {"error", report.status().ToString()},
                {"delivery", message.delivery_count},
                {"retry_in_ms", static_cast<int64_t>(delay.count())}});
    deps_.alerts->Send(
        {"consolidation_failed", run_id, "consolidation of run " + run_id + " failed",
         "Consolidation of run " + run_id + " failed: " + report.status().ToString() +
             ". The watermark did not move and the run stays 'consolidating'; the message is "
             "retried in " +
             std::to_string(delay.count() / 1000) + " s (delivery " + std::to_string(message.delivery_count) +
             "). By hand: diamond-ingest consolidate --run-id " + run_id + (request->force ? " --force" : "")});
    WarnIfUnsettled(deps_.queue->Abandon(message, delay), "abandon", run_id);
    return;
  }
  switch (report->outcome) {
    case ConsolidationOutcome::kCompleted:
      ++counters_.completed;
      WarnIfUnsettled(deps_.queue->Complete(message), "complete", run_id);
      return;
    case ConsolidationOutcome::kAlreadyCompleted:
      ++counters_.duplicates;
      log::Info("consolidation message for a completed run: nothing to do", {{"run_id", run_id}});
      WarnIfUnsettled(deps_.queue->Complete(message), "complete", run_id);
      return;
    case ConsolidationOutcome::kCancelled:
      ++counters_.duplicates;
      log::Info("consolidation message for a cancelled run: nothing to do", {{"run_id", run_id}});
      WarnIfUnsettled(deps_.queue->Complete(message), "complete", run_id);
      return;
    case ConsolidationOutcome::kNotReady:
      ++counters_.not_ready;
      log::Info("run not ready for consolidation; retrying later",
                {{"run_id", run_id},
                 {"reason", report->reason},
                 {"retry_in_ms", static_cast<int64_t>(options_.not_ready_delay.count())}});
      WarnIfUnsettled(deps_.queue->Abandon(message, options_.not_ready_delay), "abandon", run_id);
      return;
    case ConsolidationOutcome::kRefused:
      DeadLetter(message, run_id, "ConsolidationRefused", report->reason);
      return;
    case ConsolidationOutcome::kUnknownRun:
      DeadLetter(message, run_id, "UnknownRun", report->reason);
      return;
  }
}

void Consolidator::Run(const std::atomic<bool>& stop) {
  ConsumeUntilStopped(*deps_.queue, options_.queue, options_.poll, "consolidation messages", stop,
                      [&](const queue::Message& m) { Handle(m, stop); });
}

}  // namespace di

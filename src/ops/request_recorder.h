// RequestRecorder: tallies Nivoda HTTP exchanges per run and wall-clock second
// and adds them to the `request_seconds` table (sql/006_request_seconds.sql),
// from which `diamond-ingest report` draws the request rate against the limit.
//
// It is a nivoda::ClientObserver: add it to ComponentNeeds::observers before
// BuildComponents, then Start(components.pool). Each OnCall of a request that
// was sent counts one request in the current second (Clock::Now(), floored),
// plus an error when the outcome is not kOk, a 429 when the HTTP status is 429
// and a retry when the client repeats it. Requests cancelled or refused before
// they went out (e.g. an interrupted run's) are not requests: only not_sent()
// counts them.
//
// Run attribution: a request belongs to the run of the most recently entered
// RunScope that is still alive (Enter(run_id) when a worker slot starts a work
// item, the scope's destruction when the item is settled). Requests made while
// no scope is alive (e.g. the scheduler's count queries, before the run exists)
// are counted in unattributed() and not stored.
//
// Flushing: after Start(pool), a background thread upserts the pending
// tallies every flush_interval (rows of several processes for the same second
// add up); the destructor stops it and flushes once more. A failed flush keeps
// the tallies for the next attempt; beyond max_pending_rows (run, second) rows
// the oldest are dropped and their requests counted in dropped().
// flush_interval <= 0: Start() starts no thread, the caller calls Flush().
//
// Thread-safe: OnCall, Enter/Leave and Flush may be called from any thread.
// OnCall takes one short mutex and never touches the database.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "nivoda/nivoda_client.h"
#include "roles/run_attribution.h"
#include "store/pool.h"

namespace di {

struct RequestRecorderOptions {
  Millis flush_interval{2000};
  size_t max_pending_rows = 100000;  // (run, second) rows kept while the database is unreachable
};

class RequestRecorder final : public nivoda::ClientObserver, public RunAttribution {
 public:
  // CLOCK: nullptr means DefaultClock(); must outlive this object.
  explicit RequestRecorder(RequestRecorderOptions options = {}, Clock* clock = nullptr);
  ~RequestRecorder() override;
  RequestRecorder(const RequestRecorder&) = delete;
  RequestRecorder& operator=(const RequestRecorder&) = delete;

  // POOL: the pipeline's database, migrated (sql/006). Call once, before or
  // after requests start; tallies made earlier are kept and flushed later.
  void Start(std::shared_ptr<pg::Pool> pool);

  void OnCall(const nivoda::CallEvent& event) override;

  // Attributes requests to RUN_ID until the scope is destroyed. Scopes of
  // several runs may overlap: the latest entered live one wins.
  class RunScope {
   public:
    RunScope(RunScope&& other) noexcept
        : recorder_(std::exchange(other.recorder_, nullptr)), run_id_(std::move(other.run_id_)) {}
    RunScope& operator=(RunScope&&) = delete;
    ~RunScope() {
      if (recorder_ != nullptr) recorder_->LeaveRun(run_id_);
    }

   private:
    friend class RequestRecorder;
    RunScope(RequestRecorder* recorder, std::string run_id) : recorder_(recorder), run_id_(std::move(run_id)) {}
    RequestRecorder* recorder_;
    std::string run_id_;
  };
  [[nodiscard]] RunScope Enter(const std::string& run_id);
  // The explicit pair behind RunScope: every Enter needs exactly one Leave.
  void EnterRun(const std::string& run_id) override;
  void LeaveRun(const std::string& run_id) override;

  // Upserts every pending tally now. On error the tallies stay pending
  // (kUnavailable before Start()).
  Status Flush();

  int64_t unattributed() const;
  int64_t not_sent() const;
  int64_t dropped() const;

 private:
  struct Tally {
    int64_t requests = 0;
    int64_t errors = 0;
    int64_t rate_limited = 0;
    int64_t retries = 0;
    int64_t latency_ms = 0;
    void Add(const Tally& o) {
      requests += o.requests;
      errors += o.errors;
      rate_limited += o.rate_limited;
      retries += o.retries;
      latency_ms += o.latency_ms;
    }
  };
  using Key = std::pair<int64_t, std::string>;  // (epoch second, run id): oldest first

  void FlushLoop();
  // REQUIRES: mu_ held. Drops the oldest rows beyond max_pending_rows.
  void TrimLocked();

  const RequestRecorderOptions options_;
  Clock* const clock_;

  mutable std::mutex mu_;
  std::vector<std::string> active_runs_;  // entered scopes, latest last
  std::map<Key, Tally> pending_;
  int64_t unattributed_ = 0;
  int64_t not_sent_ = 0;
  int64_t dropped_ = 0;

  std::mutex flush_mu_;  // one Flush at a time; guards pool_
  std::shared_ptr<pg::Pool> pool_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread flusher_;
};

}  // namespace di

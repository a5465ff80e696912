#include "ops/request_recorder.h"

#include <algorithm>

#include "common/log.h"

namespace di {

namespace {

constexpr const char* kUpsert =
    "INSERT INTO request_seconds (run_id, second, requests, errors, rate_limited, retries, latency_ms_sum) "
    "VALUES ($1, to_timestamp($2::bigint), $3, $4, $5, $6, $7) "
    "ON CONFLICT (run_id, second) DO UPDATE SET "
    "requests = request_seconds.requests + EXCLUDED.requests, "
    "errors = request_seconds.errors + EXCLUDED.errors, "
    "rate_limited = request_seconds.rate_limited + EXCLUDED.rate_limited, "
    "retries = request_seconds.retries + EXCLUDED.retries, "
    "latency_ms_sum = request_seconds.latency_ms_sum + EXCLUDED.latency_ms_sum";

int64_t EpochSecond(WallTime t) {
  auto ms = std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
  return ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
}

}  // namespace

RequestRecorder::RequestRecorder(RequestRecorderOptions options, Clock* clock)
    : options_(options), clock_(clock != nullptr ? clock : &DefaultClock()) {}

void RequestRecorder::Start(std::shared_ptr<pg::Pool> pool) {
  {
    std::lock_guard<std::mutex> lock(flush_mu_);
    pool_ = std::move(pool);
  }
  if (options_.flush_interval.count() > 0 && !flusher_.joinable()) {
    flusher_ = std::thread([this] { FlushLoop(); });
  }
}

RequestRecorder::~RequestRecorder() {
  if (flusher_.joinable()) {
    {
      std::lock_guard<std::mutex> lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    flusher_.join();
  }
  if (!pool_) return;
  Status s = Flush();
  if (!s.ok()) log::Warn("request tallies lost at shutdown", {{"error", s.ToString()}});
}

void RequestRecorder::OnCall(const nivoda::CallEvent& event) {
  const int64_t second = EpochSecond(clock_->Now());
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!event.sent) {
      ++not_sent_;
    } else if (active_runs_.empty()) {
      ++unattributed_;
    } else {
      Tally& t = pending_[Key{second, active_runs_.back()}];
      t.requests += 1;
      if (event.code != Code::kOk) t.errors += 1;
      if (event.http_status == 429) t.rate_limited += 1;
      if (event.retry_in) t.retries += 1;
      t.latency_ms += event.latency_ms;
      TrimLocked();
    }
  }
}

RequestRecorder::RunScope RequestRecorder::Enter(const std::string& run_id) {
  EnterRun(run_id);
  return RunScope(this, run_id);
}

void RequestRecorder::EnterRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  active_runs_.push_back(run_id);
}

void RequestRecorder::LeaveRun(const std::string& run_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = std::find(active_runs_.rbegin(), active_runs_.rend(), run_id);
  if (it != active_runs_.rend()) active_runs_.erase(std::next(it).base());
}

Status RequestRecorder::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  if (!pool_) return Status(Code::kUnavailable, "request recorder not started");
  std::map<Key, Tally> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(pending_);
  }
  if (batch.empty()) return Status();
  Status status = [&]() -> Status {
    DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
    pg::Transaction tx(*conn);
    DI_RETURN_IF_ERROR(tx.begin_status());
    for (const auto& [key, t] : batch) {
      DI_RETURN_IF_ERROR(conn->Exec(kUpsert, {pg::P(key.second), pg::P(key.first), pg::P(t.requests), pg::P(t.errors),
                                              pg::P(t.rate_limited), pg::P(t.retries), pg::P(t.latency_ms)})
                             .status());
    }
    return tx.Commit();
  }();
  if (!status.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, t] : batch) pending_[key].Add(t);
    TrimLocked();
  }
  return status;
}

void RequestRecorder::TrimLocked() {
  while (pending_.size() > options_.max_pending_rows) {
    dropped_ += pending_.begin()->second.requests;
    pending_.erase(pending_.begin());
  }
}

void RequestRecorder::FlushLoop() {
  bool warned = false;
  std::unique_lock<std::mutex> lock(stop_mu_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, options_.flush_interval, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Status s = Flush();
    if (!s.ok() && !warned) log::Warn("request tallies not stored yet; will retry", {{"error", s.ToString()}});
    warned = !s.ok();
    lock.lock();
  }
}

int64_t RequestRecorder::unattributed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return unattributed_;
}

int64_t RequestRecorder::not_sent() const {
  std::lock_guard<std::mutex> lock(mu_);
  return not_sent_;
}

int64_t RequestRecorder::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace di

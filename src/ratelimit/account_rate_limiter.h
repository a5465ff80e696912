// AccountRateLimiter: the account-wide Nivoda request budget, shared by every
// process on every machine through PostgreSQL, adapting to the vendor's 429s.
//
// The budget is a sequence of send slots spaced 1/rate apart on the database
// clock. A process reserves a small block of consecutive slots in one short
// transaction on the account's row (about rate/block reservations per second
// in total, whatever the number of processes, so the row is never hot), then
// hands them to its threads, each sleeping until its slot. Slots are never
// reserved more than `horizon` ahead, so a greedy process cannot starve the
// others for long. Any 1-second window therefore holds at most rate + 1 sends
// (plus clock skew between machines), and an idle account starts again at once.
//
// The budget is shared between flows (the feeds; policy: fair_share.h): each
// flow reserves its own blocks, at most its share of the horizon ahead, so
// every flow with requests waiting gets an equal part, account-wide.
//
// The rate adapts (policy: adaptive_rate.h): a 429 reported through
// OnRateLimited() pauses the whole account for Retry-After, lowers the rate
// (stored in the account's row, so every process follows) and the rate then
// probes back up slowly, never above requests_per_second. The reporting
// process also drops the slots it holds; other processes' reserved slots run
// out within `horizon`. Decisions are pure (adaptive_rate.h); this class reads
// and writes the row and sleeps.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "common/clock.h"
#include "nivoda/rate_limiter.h"
#include "ratelimit/adaptive_rate.h"
#include "store/pool.h"

namespace di::ratelimit {

struct AccountRateLimiterOptions {
  std::string account = "default";  // e.g. the Nivoda username
  double requests_per_second = 25;  // the ceiling (NIVODA_RATE_LIMIT)
  int block = 0;                    // slots per reservation; 0 = a fifth of a second at the current rate
  Millis horizon = Millis(2000);    // furthest ahead a slot may be reserved
  AdaptivePolicy policy;            // its ceiling is set from requests_per_second
};

class AccountRateLimiter final : public nivoda::RateLimiter {
 public:
  AccountRateLimiter(std::shared_ptr<pg::Pool> pool, AccountRateLimiterOptions options);
  Status AcquireFor(const std::string& flow) override;
  void Shutdown() override;
  // SENT_AT_MS: DefaultClock().MonotonicMs() when the refused request was admitted.
  void OnRateLimited(int64_t sent_at_ms, std::optional<Millis> retry_after) override;

  // Reservations made by this process (for tests and metrics).
  int64_t reservations() const;
  // The account's rate at this process's last look (requests/s).
  double current_rate() const { return current_rate_.load(); }
  // 429s this process reported, and how many of them lowered the account's rate.
  int64_t rate_limited() const { return rate_limited_.load(); }
  int64_t decreases() const { return decreases_.load(); }

 private:
  // Send slots reserved for one flow, local monotonic ms.
  struct FlowSlots {
    std::deque<int64_t> slots;
    bool reserving = false;
  };
  // Reserves a block of slots for FLOW; fills its slots (local steady-clock
  // ms) or returns how long to wait before asking again.
  Result<Millis> Reserve(const std::string& flow);
  // Records a 429 in the account's row.
  Status Throttle(int64_t sent_at_ms, std::optional<Millis> retry_after);
  // Sleeps until LOCAL_MS; false when this process's slots were dropped
  // meanwhile (a 429) and the caller must take a new one.
  Result<bool> SleepUntil(int64_t local_ms, uint64_t generation);

  std::shared_ptr<pg::Pool> pool_;
  AccountRateLimiterOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, FlowSlots> flows_;  // reserved send times per flow
  uint64_t generation_ = 0;                 // bumped when the slots are dropped
  int64_t paused_until_ = 0;   // local monotonic ms: this process's own view of a pause
  bool shut_down_ = false;
  bool row_ensured_ = false;
  int64_t reservations_ = 0;
  std::atomic<int64_t> db_minus_local_ms_{0};  // database clock - local monotonic clock, at the last reservation
  std::atomic<bool> offset_known_{false};
  std::atomic<double> current_rate_;
  std::atomic<int64_t> rate_limited_{0};
  std::atomic<int64_t> decreases_{0};
};

}  // namespace di::ratelimit

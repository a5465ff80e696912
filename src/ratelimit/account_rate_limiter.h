// AccountRateLimiter: the account-wide Nivoda request budget, shared by every
// process on every machine through PostgreSQL.
//
// The budget is a sequence of send slots spaced 1/rate apart on the database
// clock. A process reserves a small block of consecutive slots in one UPDATE
// of the account's row (about rate/block updates per second in total, whatever
// the number of processes, so the row is never hot), then hands them to its
// threads, each sleeping until its slot. Slots are never reserved more than
// `horizon` ahead, so a greedy process cannot starve the others for long. Any
// 1-second window therefore holds at most rate + 1 sends (plus clock skew
// between machines), and an idle account starts again at once.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "nivoda/rate_limiter.h"
#include "store/pool.h"

namespace di::ratelimit {

struct AccountRateLimiterOptions {
  std::string account = "default";  // e.g. the Nivoda username
  double requests_per_second = 25;
  int block = 0;                  // slots per reservation; 0 = max(1, rate / 5)
  Millis horizon = Millis(2000);  // furthest ahead a slot may be reserved
};

class AccountRateLimiter final : public nivoda::RateLimiter {
 public:
  AccountRateLimiter(std::shared_ptr<pg::Pool> pool, AccountRateLimiterOptions options);
  Status Acquire() override;
  void Shutdown() override;

  // Number of reservations made by this process (for tests and metrics).
  int64_t reservations() const;

 private:
  // Reserves a block of slots; fills slots_ (local steady-clock ms) or returns
  // how long to wait before asking again.
  Result<Millis> Reserve();
  Status SleepUntil(int64_t local_ms);

  std::shared_ptr<pg::Pool> pool_;
  AccountRateLimiterOptions options_;
  double interval_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<int64_t> slots_;  // reserved send times, local monotonic ms
  bool reserving_ = false;
  bool shut_down_ = false;
  int64_t reservations_ = 0;
};

}  // namespace di::ratelimit

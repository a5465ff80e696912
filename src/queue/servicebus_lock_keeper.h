// LockKeeper: keeps the broker's locks on the messages this process holds
// alive, paced by the lock the broker granted, not by the application's lease.
//
// Service Bus grants a lock for the queue's LockDuration and says until when
// (x-opt-locked-until on the delivery, the expiry in each renew-lock answer).
// The keeper renews a lock when half of the time it had left has passed (the
// SDKs' rule), so a QUEUE_LEASE_SECONDS longer than the queue's lock never lets
// a lock lapse while its holder works (two workers on one item). It renews for
// as long as the holder keeps its own lease: LEASE from Hold() or the last
// Touch() (the worker's RenewLease); a holder that stops touching (hung) lets
// the lock expire one lease later. A renewal the broker refuses with a lost
// lock marks it lost; other failures are retried every retry interval until
// the lock expires. A lock expired for a minute and never released is forgotten.
//
// Thread-safe; one background thread does the renewals (RENEW may block).
#pragma once

#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "common/clock.h"
#include "common/status.h"

namespace di::queue::sb {

// When a lock granted at NOW until LOCKED_UNTIL is renewed: half its remaining
// time later (at once when it has none left).
WallTime RenewalTime(WallTime now, WallTime locked_until);

class LockKeeper {
 public:
  // RENEW(token) renews one lock and returns its new expiry; kConflict = lost.
  using RenewFn = std::function<Result<WallTime>(const std::string& token)>;

  LockKeeper(RenewFn renew, Millis lease, Millis retry = Millis(500));
  ~LockKeeper();
  LockKeeper(const LockKeeper&) = delete;
  LockKeeper& operator=(const LockKeeper&) = delete;

  // Starts keeping TOKEN's lock, granted until LOCKED_UNTIL.
  void Hold(const std::string& token, WallTime locked_until);
  // The holder is still at work: its lease runs for another LEASE. kConflict
  // when the lock was lost or has expired; kNotFound when TOKEN is not held.
  Status Touch(const std::string& token);
  // Stops keeping TOKEN (settled, or given up).
  void Release(const std::string& token);
  // Renewals the broker accepted so far.
  int64_t renewals() const;

 private:
  struct Lock {
    WallTime locked_until;
    WallTime renew_at;
    WallTime lease_until;
    bool lost = false;
  };
  void Loop();

  const RenewFn renew_;
  const Millis lease_;
  const Millis retry_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Lock> locks_;
  int64_t renewals_ = 0;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace di::queue::sb

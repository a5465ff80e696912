#include "queue/servicebus_lock_keeper.h"

#include <algorithm>
#include <vector>

#include "common/log.h"

namespace di::queue::sb {

WallTime RenewalTime(WallTime now, WallTime locked_until) {
  if (locked_until <= now) return now;
  return now + (locked_until - now) / 2;
}

LockKeeper::LockKeeper(RenewFn renew, Millis lease, Millis retry)
    : renew_(std::move(renew)), lease_(lease), retry_(retry), thread_([this] { Loop(); }) {}

LockKeeper::~LockKeeper() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void LockKeeper::Hold(const std::string& token, WallTime locked_until) {
  const WallTime now = std::chrono::system_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    locks_[token] = Lock{locked_until, RenewalTime(now, locked_until), now + lease_, false};
  }
  cv_.notify_all();
}

Status LockKeeper::Touch(const std::string& token) {
  const WallTime now = std::chrono::system_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = locks_.find(token);
    if (it == locks_.end()) return Status(Code::kNotFound, "no lock held for this message");
    Lock& l = it->second;
    if (l.lost) return Status(Code::kConflict, "the message lock was lost (the broker refused its renewal)");
    if (l.locked_until <= now) return Status(Code::kConflict, "the message lock expired");
    l.lease_until = now + lease_;
  }
  cv_.notify_all();
  return Status::Ok();
}

void LockKeeper::Release(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  locks_.erase(token);
}

int64_t LockKeeper::renewals() const {
  std::lock_guard<std::mutex> lock(mu_);
  return renewals_;
}

void LockKeeper::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const WallTime now = std::chrono::system_clock::now();
    WallTime next = now + std::chrono::seconds(60);
    std::vector<std::string> due;
    // A lock gone a minute ago whose holder never settled it: forgotten (Touch: kNotFound).
    std::erase_if(locks_, [&](const auto& e) { return e.second.locked_until + std::chrono::minutes(1) < now; });
    for (auto& [token, l] : locks_) {
      if (l.lost || l.locked_until <= now) continue;  // nothing left to keep
      if (l.lease_until <= now) {
        next = std::min(next, l.locked_until);  // its holder is gone: let it lapse
        continue;
      }
      if (l.renew_at <= now) {
        due.push_back(token);
      } else {
        next = std::min(next, std::min(l.renew_at, l.lease_until));
      }
    }
    if (due.empty()) {
      cv_.wait_until(lock, next);
      continue;
    }
    for (const std::string& token : due) {
      lock.unlock();
      Result<WallTime> r = renew_(token);
      lock.lock();
      auto it = locks_.find(token);
      if (it == locks_.end()) continue;  // settled meanwhile
      const WallTime after = std::chrono::system_clock::now();
      if (r.ok()) {
        ++renewals_;
        it->second.locked_until = *r;
        it->second.renew_at = RenewalTime(after, *r);
      } else if (r.status().code() == Code::kConflict) {
        it->second.lost = true;
        log::Warn("message lock lost", {{"error", r.status().ToString()}});
      } else {
        it->second.renew_at = after + retry_;
        log::Warn("message lock renewal failed; retrying", {{"error", r.status().ToString()}});
      }
      if (stop_) return;
    }
  }
}

}  // namespace di::queue::sb

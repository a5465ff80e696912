// LockKeeper with a scripted renew function (no broker): renewals paced by the
// expiry granted, not by the holder's lease; renewal only while the holder
// keeps its lease; a refused renewal marks the lock lost; Release stops it.
#include "queue/servicebus_lock_keeper.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace di::queue::sb {
namespace {

TEST(RenewalTime, HalfOfTheRemainingTime) {
  const WallTime now = WallTime(Millis(1000000));
  EXPECT_EQ(RenewalTime(now, now + Millis(60000)), now + Millis(30000));
  EXPECT_EQ(RenewalTime(now, now + Millis(2000)), now + Millis(1000));
  EXPECT_EQ(RenewalTime(now, now - Millis(5)), now) << "nothing left: at once";
}

// Grants LOCK more each renewal; records when renewals came; answers kConflict when told.
struct FakeBroker {
  explicit FakeBroker(Millis l) : lock(l) {}
  Millis lock;
  std::atomic<bool> lost{false};
  std::mutex mu;
  std::vector<WallTime> renewals;
  Result<WallTime> Renew(const std::string&) {
    std::lock_guard<std::mutex> l(mu);
    renewals.push_back(std::chrono::system_clock::now());
    if (lost) return Status(Code::kConflict, "lock lost");
    return std::chrono::system_clock::now() + lock;
  }
  size_t count() {
    std::lock_guard<std::mutex> l(mu);
    return renewals.size();
  }
};

TEST(LockKeeper, RenewsByTheGrantedLockNotByTheLease) {
  FakeBroker broker{Millis(400)};
  LockKeeper keeper([&](const std::string& t) { return broker.Renew(t); }, /*lease=*/Millis(60000));
  keeper.Hold("m1", std::chrono::system_clock::now() + Millis(400));
  std::this_thread::sleep_for(Millis(1100));
  EXPECT_GE(broker.count(), 4u) << "every ~200 ms: half of a 400 ms lock";
  EXPECT_LE(broker.count(), 7u);
  EXPECT_TRUE(keeper.Touch("m1").ok());
  keeper.Release("m1");
  const size_t after_release = broker.count();
  std::this_thread::sleep_for(Millis(500));
  EXPECT_EQ(broker.count(), after_release) << "renewed after Release";
  EXPECT_EQ(keeper.Touch("m1").code(), Code::kNotFound);
}

TEST(LockKeeper, AHolderThatStopsTouchingLetsTheLockLapse) {
  FakeBroker broker{Millis(200)};
  LockKeeper keeper([&](const std::string& t) { return broker.Renew(t); }, /*lease=*/Millis(300));
  keeper.Hold("m1", std::chrono::system_clock::now() + Millis(200));
  std::this_thread::sleep_for(Millis(900));
  EXPECT_LE(broker.count(), 3u) << "renewals went on after the holder's lease ended";
  EXPECT_EQ(keeper.Touch("m1").code(), Code::kConflict) << "the lock has expired";
}

TEST(LockKeeper, ARefusedRenewalMarksTheLockLost) {
  FakeBroker broker{Millis(200)};
  broker.lost = true;
  LockKeeper keeper([&](const std::string& t) { return broker.Renew(t); }, /*lease=*/Millis(60000));
  keeper.Hold("m1", std::chrono::system_clock::now() + Millis(200));
  std::this_thread::sleep_for(Millis(300));
  EXPECT_EQ(keeper.Touch("m1").code(), Code::kConflict);
  EXPECT_EQ(broker.count(), 1u) << "a lost lock is not renewed again";
}

}  // namespace
}  // namespace di::queue::sb

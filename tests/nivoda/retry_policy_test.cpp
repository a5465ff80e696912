#include "nivoda/retry_policy.h"

#include <gtest/gtest.h>

#include <set>

namespace di::nivoda {
namespace {

const Status kUnavailable(Code::kUnavailable, "down");
const Status kRateLimited(Code::kRateLimited, "429");

RetryOptions NoJitter() {
  RetryOptions o;
  o.jitter = Jitter::kNone;
  o.max_attempts = 10;
  o.base_delay = Millis(2000);
  o.max_delay = Millis(20000);
  return o;
}

TEST(RetryPolicy, DefaultsAreThreeAttemptsTwoSecondsExponential) {
  RetryPolicy p;
  EXPECT_EQ(p.options().max_attempts, 3);
  EXPECT_EQ(p.options().base_delay, Millis(2000));
  EXPECT_EQ(p.Ceiling(1), Millis(2000));
  EXPECT_EQ(p.Ceiling(2), Millis(4000));
  EXPECT_TRUE(p.NextDelay(1, kUnavailable).has_value());
  EXPECT_TRUE(p.NextDelay(2, kUnavailable).has_value());
  EXPECT_FALSE(p.NextDelay(3, kUnavailable).has_value());
}

TEST(RetryPolicy, ExponentialWithCap) {
  RetryPolicy p(NoJitter());
  EXPECT_EQ(p.NextDelay(1, kUnavailable), Millis(2000));
  EXPECT_EQ(p.NextDelay(2, kUnavailable), Millis(4000));
  EXPECT_EQ(p.NextDelay(3, kUnavailable), Millis(8000));
  EXPECT_EQ(p.NextDelay(4, kUnavailable), Millis(16000));
  EXPECT_EQ(p.NextDelay(5, kUnavailable), Millis(20000));
  EXPECT_EQ(p.NextDelay(9, kUnavailable), Millis(20000));
  EXPECT_FALSE(p.NextDelay(10, kUnavailable).has_value());
}

TEST(RetryPolicy, PermanentAndAuthErrorsAreNotRetried) {
  RetryPolicy p(NoJitter());
  EXPECT_FALSE(p.NextDelay(1, Status(Code::kPermanent, "x")).has_value());
  EXPECT_FALSE(p.NextDelay(1, Status(Code::kInvalidArgument, "x")).has_value());
  EXPECT_FALSE(p.NextDelay(1, Status(Code::kUnauthenticated, "x")).has_value());
  EXPECT_FALSE(p.NextDelay(1, Status(Code::kCancelled, "x")).has_value());
  EXPECT_FALSE(p.NextDelay(1, Status::Ok()).has_value());
  EXPECT_TRUE(p.NextDelay(1, Status(Code::kCorrupt, "x")).has_value());
}

TEST(RetryPolicy, RetryAfterIsHonouredExactlyFor429) {
  RetryPolicy p(NoJitter());
  EXPECT_EQ(p.NextDelay(1, kRateLimited, Millis(7000)), Millis(7000));
  EXPECT_EQ(p.NextDelay(1, kRateLimited, Millis(0)), Millis(0));
  // Without Retry-After a 429 backs off exponentially.
  EXPECT_EQ(p.NextDelay(2, kRateLimited, std::nullopt), Millis(4000));
  // Retry-After only applies to 429.
  EXPECT_EQ(p.NextDelay(1, kUnavailable, Millis(7000)), Millis(2000));
  // Attempts still bound it.
  EXPECT_FALSE(p.NextDelay(10, kRateLimited, Millis(1000)).has_value());
}

TEST(RetryPolicy, RateLimitedAttemptsHaveTheirOwnBudget) {
  RetryPolicy p;  // 3 attempts, 10 answered 429
  EXPECT_EQ(p.options().max_rate_limited_attempts, 10);
  EXPECT_EQ(p.NextDelay(5, kRateLimited, Millis(1000)), Millis(1000));
  EXPECT_EQ(p.NextDelay(9, kRateLimited, Millis(1000)), Millis(1000));
  EXPECT_FALSE(p.NextDelay(10, kRateLimited, Millis(1000)).has_value());
  EXPECT_FALSE(p.NextDelay(3, kUnavailable).has_value());
}

TEST(RetryPolicy, TooLongRetryAfterGivesUp) {
  RetryOptions o = NoJitter();
  o.max_retry_after = Millis(30000);
  RetryPolicy p(o);
  EXPECT_EQ(p.NextDelay(1, kRateLimited, Millis(30000)), Millis(30000));
  EXPECT_FALSE(p.NextDelay(1, kRateLimited, Millis(30001)).has_value());
}

TEST(RetryPolicy, FullJitterStaysWithinCeilingAndVaries) {
  RetryOptions o = NoJitter();
  o.jitter = Jitter::kFull;
  o.seed = 42;
  RetryPolicy p(o);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    Millis d = *p.NextDelay(3, kUnavailable);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 8000);
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 100u);
  EXPECT_LT(*seen.begin(), 2000);
  EXPECT_GT(*seen.rbegin(), 6000);
}

TEST(RetryPolicy, EqualJitterKeepsAtLeastHalf) {
  RetryOptions o = NoJitter();
  o.jitter = Jitter::kEqual;
  o.seed = 7;
  RetryPolicy p(o);
  for (int i = 0; i < 200; ++i) {
    Millis d = *p.NextDelay(2, kUnavailable);
    EXPECT_GE(d.count(), 2000);
    EXPECT_LE(d.count(), 4000);
  }
}

TEST(RetryPolicy, SameSeedSameDelays) {
  RetryOptions o = NoJitter();
  o.jitter = Jitter::kFull;
  o.seed = 99;
  RetryPolicy a(o), b(o);
  for (int i = 1; i < 9; ++i) EXPECT_EQ(a.NextDelay(i, kUnavailable), b.NextDelay(i, kUnavailable));
}

TEST(RetryPolicy, HugeAttemptNumbersDoNotOverflow) {
  RetryPolicy p(NoJitter());
  EXPECT_EQ(p.Ceiling(1000), Millis(20000));
}

}  // namespace
}  // namespace di::nivoda

// The limiter's decisions as tables: the current rate, slot grants and the
// reaction to a 429 (ratelimit/adaptive_rate.h), then a simulated account
// against a vendor token bucket below the setting.
#include "ratelimit/adaptive_rate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <deque>

namespace di::ratelimit {
namespace {

AdaptivePolicy Policy25() {
  AdaptivePolicy p;
  p.ceiling = 25;
  return p;
}

TEST(AdaptiveRate, CurrentRateTable) {
  const AdaptivePolicy p = Policy25();
  struct Case {
    const char* name;
    AccountState state;
    double now_ms;
    double rate;
  };
  const Case cases[] = {
      {"never decreased: the ceiling", {0, 0, 0, 0}, 5000, 25},
      {"just decreased", {0, 10, 1000, 0}, 1000, 10},
      {"during the pause: no growth", {0, 10, 1000, 3000}, 2500, 10},
      {"10 s after the pause: 2%/s compounded", {0, 10, 1000, 3000}, 13000, 10 * std::exp(0.2)},
      {"grown past the ceiling: capped", {0, 20, 0, 0}, 60000, 25},
      {"idle for a day: the ceiling", {0, 1, 0, 0}, 86400000, 25},
      {"base below the floor: the floor (25 / 4)", {0, 0.01, 0, 0}, 0, 6.25},
      {"another process's higher ceiling: capped at ours", {0, 40, 0, 0}, 0, 25},
  };
  for (const auto& c : cases) EXPECT_NEAR(CurrentRate(p, c.state, c.now_ms), c.rate, 1e-9) << c.name;
}

TEST(AdaptiveRate, ReserveTable) {
  const AdaptivePolicy p = Policy25();
  struct Case {
    const char* name;
    AccountState state;
    double now_ms;
    int block;
    int slots;
    double first_ms;
    double interval_ms;
    double next_free_ms;
    double wait_ms;
  };
  const Case cases[] = {
      {"idle account: from now, a fifth of a second", {0, 0, 0, 0}, 1000, 0, 5, 1000, 40, 1200, 0},
      {"busy account: after the last slot", {1500, 0, 0, 0}, 1000, 0, 5, 1500, 40, 1700, 0},
      {"explicit block", {0, 0, 0, 0}, 1000, 2, 2, 1000, 40, 1080, 0},
      {"slots beyond the horizon: wait", {3500, 0, 0, 0}, 1000, 0, 0, 0, 40, 3500, 501},
      {"paused: slots start at the pause end", {0, 0, 0, 2000}, 1000, 0, 5, 2000, 40, 2200, 0},
      {"paused beyond the horizon: wait at most the horizon", {0, 0, 0, 9000}, 1000, 0, 0, 0, 40, 0, 2000},
      {"decreased to 10/s: 100 ms apart, 2 a block", {0, 10, 1000, 1000}, 1000, 0, 2, 1000, 100, 1200, 0},
      {"at the floor (6.25/s): one slot", {0, 0.5, 1000, 1000}, 1000, 0, 1, 1000, 160, 1160, 0},
  };
  for (const auto& c : cases) {
    const Grant g = Reserve(p, c.state, c.now_ms, c.block, 2000);
    EXPECT_EQ(g.slots, c.slots) << c.name;
    EXPECT_NEAR(g.interval_ms, c.interval_ms, 1e-9) << c.name;
    if (c.slots > 0) {
      EXPECT_NEAR(g.first_ms, c.first_ms, 1e-9) << c.name;
      EXPECT_NEAR(g.next.next_free_ms, c.next_free_ms, 1e-9) << c.name;
    } else {
      EXPECT_NEAR(g.wait_ms, c.wait_ms, 1e-9) << c.name;
      EXPECT_EQ(g.next.next_free_ms, c.state.next_free_ms) << c.name << ": nothing granted, nothing changed";
    }
    EXPECT_EQ(g.next.base_rate, c.state.base_rate) << c.name << ": reserving never changes the rate";
    EXPECT_EQ(g.next.paused_until_ms, c.state.paused_until_ms) << c.name;
  }
}

TEST(AdaptiveRate, RateLimitedTable) {
  const AdaptivePolicy p = Policy25();
  struct Case {
    const char* name;
    AccountState state;
    double now_ms;
    double sent_at_ms;
    std::optional<Millis> retry_after;
    bool decreased;
    double base_rate;
    double paused_until_ms;
  };
  const Case cases[] = {
      {"first 429: 25 -> 20, pause Retry-After", {0, 0, 0, 0}, 10000, 9990, Millis(1000), true, 20, 11000},
      {"no Retry-After: a 1 s pause", {0, 0, 0, 0}, 10000, 9990, std::nullopt, true, 20, 11000},
      {"sent before the last decrease: pause only", {0, 20, 10000, 11000}, 10050, 9995, Millis(2000), false, 20, 12050},
      {"sent after the last decrease: 20 -> 16", {0, 20, 10000, 12000}, 11500, 11100, Millis(1000), true, 16, 12500},
      {"a shorter Retry-After never shortens a pause",
       {0, 20, 10000, 15000},
       10050,
       9000,
       Millis(1000),
       false,
       20,
       15000},
      {"Retry-After capped at a minute", {0, 0, 0, 0}, 10000, 9990, Millis(3600000), true, 20, 70000},
      {"never below the floor", {0, 6.5, 5000, 10000}, 10000, 9990, Millis(1000), true, 6.25, 11000},
      {"grown since: decreases from the grown rate",
       {0, 10, 0, 0},
       10000,
       9990,
       Millis(1000),
       true,
       0.8 * 10 * std::exp(0.2),
       11000},
  };
  for (const auto& c : cases) {
    const Throttle t = OnRateLimited(p, c.state, c.now_ms, c.sent_at_ms, c.retry_after);
    EXPECT_EQ(t.decreased, c.decreased) << c.name;
    EXPECT_NEAR(t.next.base_rate, c.base_rate, 1e-9) << c.name;
    EXPECT_NEAR(t.next.paused_until_ms, c.paused_until_ms, 1e-9) << c.name;
    EXPECT_EQ(t.next.base_ms, c.decreased ? c.now_ms : c.state.base_ms) << c.name;
    EXPECT_EQ(t.next.next_free_ms, c.state.next_free_ms) << c.name;
  }
}

// A whole account in simulated time: 48 requests in flight take slots from
// Reserve() (one process, no database), each request takes 50 ms, and the
// vendor is a token bucket of 10/s (burst 10) answering 429 with Retry-After
// (whole seconds, as nivoda-sim does). The setting is 25/s. Over ten minutes
// the account must serve close to the vendor's 10/s with few 429s.
TEST(AdaptiveRate, SettlesJustUnderTheVendorsLimit) {
  const AdaptivePolicy p = Policy25();
  AccountState state;
  double tokens = 10, last_refill = 0;
  int64_t served = 0, refused = 0;
  std::deque<double> slots;
  double now = 0;
  const double end = 600000;
  int decreases = 0;
  while (now < end) {
    if (slots.empty()) {
      const Grant g = Reserve(p, state, now, 0, 2000);
      if (g.slots == 0) {
        now += g.wait_ms;
        continue;
      }
      state = g.next;
      for (int i = 0; i < g.slots; ++i) slots.push_back(g.first_ms + i * g.interval_ms);
    }
    const double sent = std::max(now, slots.front());
    slots.pop_front();
    now = sent;
    tokens = std::min(10.0, tokens + (now - last_refill) / 100.0);
    last_refill = now;
    if (tokens >= 1) {
      tokens -= 1;
      ++served;
      continue;
    }
    ++refused;
    const auto retry_after = Millis(static_cast<int64_t>(std::ceil((1 - tokens) * 100 / 1000.0)) * 1000);
    const Throttle t = OnRateLimited(p, state, now + 5, sent, retry_after);
    decreases += t.decreased ? 1 : 0;
    state = t.next;
    slots.clear();  // the process drops what it held
  }
  const double served_per_second = static_cast<double>(served) / (end / 1000);
  std::printf("[adaptive] 10 min, vendor 10/s, setting 25/s: %.2f/s served, %lld 429s of %lld (%.2f%%), %d decreases\n",
              served_per_second, static_cast<long long>(refused), static_cast<long long>(served + refused),
              100.0 * static_cast<double>(refused) / static_cast<double>(served + refused), decreases);
  EXPECT_GE(served_per_second, 9.0) << "the vendor's 10/s is used";
  EXPECT_LE(served_per_second, 10.0 + 10.0 / 600) << "never above the vendor's bucket";
  EXPECT_LT(static_cast<double>(refused), 0.03 * static_cast<double>(served + refused)) << "429s stay rare";
}

}  // namespace
}  // namespace di::ratelimit

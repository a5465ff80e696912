// AdaptiveRate: the decisions of the account-wide limiter, as pure functions
// over the account's row (rate_limit_slots, sql/003 and sql/011) and the
// database clock. AccountRateLimiter does the I/O; everything it decides is
// here, so a table of cases tests it.
//
// The policy (multiplicative decrease, slow exponential probe back up):
// - The account sends at CurrentRate(): the configured limit (NIVODA_RATE_LIMIT,
//   the ceiling, never exceeded) until the vendor answers HTTP 429.
// - A 429 pauses the whole account until now + Retry-After (1 s without one,
//   at most max_pause), whoever sent the request.
// - A 429 for a request sent at or after the last decrease (one that saw the
//   current rate) multiplies the rate by `decrease` (0.8), never below `floor`.
//   429s for requests sent before that decrease do not decrease it again: one
//   decrease per round, as TCP does.
// - From the end of the pause the rate grows back by growth_per_second (2% a
//   second, compounded: +25% in about 11 s) up to the ceiling. Against a vendor
//   limit below the setting the rate settles in a sawtooth just under and over
//   the vendor's limit, with a 429 every few hundred requests.
// Times are milliseconds of the database clock (shared by every process).
// Thread-safety: plain values and pure functions.
#pragma once

#include <optional>

#include "common/clock.h"

namespace di::ratelimit {

struct AdaptivePolicy {
  double ceiling = 25;              // requests/s: the configured limit, never exceeded (> 0)
  double decrease = 0.8;            // the rate is multiplied by this on a 429 (0 < decrease < 1)
  double growth_per_second = 0.02;  // relative growth per second after a decrease
  double floor = 0;                 // lowest rate; 0: max(0.1, ceiling / 4)
  Millis default_pause{1000};       // a 429 without Retry-After pauses the account this long
  Millis max_pause{60000};          // longest Retry-After honoured for the whole account
};

// The account's row.
struct AccountState {
  double next_free_ms = 0;     // the next free send slot
  double base_rate = 0;        // the rate set by the last decrease; 0: never decreased
  double base_ms = 0;          // when the last decrease happened
  double paused_until_ms = 0;  // no send before this (Retry-After)
};

// The lowest rate POLICY allows.
double FloorRate(const AdaptivePolicy& policy);

// Requests/s the account may send at NOW_MS: the ceiling when never
// decreased, else base_rate grown since max(base_ms, paused_until_ms),
// capped at the ceiling.
double CurrentRate(const AdaptivePolicy& policy, const AccountState& state, double now_ms);

// The outcome of asking for send slots.
struct Grant {
  int slots = 0;           // 0: nothing granted, ask again after wait_ms
  double first_ms = 0;     // the first slot; the others follow interval_ms apart
  double interval_ms = 0;  // 1000 / the current rate
  double wait_ms = 0;      // when slots == 0: how long to wait before asking again (>= 1)
  double rate = 0;         // the current rate
  AccountState next;       // the row to write back (unchanged when slots == 0)
};

// Reserves BLOCK slots (0: a fifth of a second at the current rate, at least
// one) starting at max(NOW_MS, next free slot, pause end), if that start is at
// most HORIZON_MS ahead of NOW_MS; otherwise grants nothing and says how long
// to wait.
Grant Reserve(const AdaptivePolicy& policy, const AccountState& state, double now_ms, int block, double horizon_ms);

struct Throttle {
  AccountState next;       // the row to write back
  bool decreased = false;  // the rate was decreased
  double rate = 0;         // the current rate after the 429
};

// A request sent at SENT_AT_MS was answered 429 at NOW_MS with RETRY_AFTER.
Throttle OnRateLimited(const AdaptivePolicy& policy, const AccountState& state, double now_ms, double sent_at_ms,
                       std::optional<Millis> retry_after);

}  // namespace di::ratelimit

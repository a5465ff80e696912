#include "ratelimit/adaptive_rate.h"

#include <algorithm>
#include <cmath>

namespace di::ratelimit {

double FloorRate(const AdaptivePolicy& policy) {
  if (policy.floor > 0) return std::min(policy.floor, policy.ceiling);
  return std::min(policy.ceiling, std::max(0.1, policy.ceiling / 4));
}

double CurrentRate(const AdaptivePolicy& policy, const AccountState& state, double now_ms) {
  if (state.base_rate <= 0) return policy.ceiling;
  const double since = std::max(0.0, now_ms - std::max(state.base_ms, state.paused_until_ms)) / 1000.0;
  // exp() overflows to inf for long idle times; min() then gives the ceiling.
  const double grown = state.base_rate * std::exp(policy.growth_per_second * since);
  return std::clamp(grown, FloorRate(policy), policy.ceiling);
}

Grant Reserve(const AdaptivePolicy& policy, const AccountState& state, double now_ms, int block, double horizon_ms) {
  Grant g;
  g.next = state;
  g.rate = CurrentRate(policy, state, now_ms);
  g.interval_ms = 1000.0 / g.rate;
  const double start = std::max({now_ms, state.next_free_ms, state.paused_until_ms});
  if (start > now_ms + horizon_ms) {
    g.wait_ms = std::clamp(std::floor(start - now_ms - horizon_ms) + 1, 1.0, std::max(1.0, horizon_ms));
    return g;
  }
  g.slots = block > 0 ? block : std::max(1, static_cast<int>(g.rate / 5));
  g.first_ms = start;
  g.next.next_free_ms = start + g.slots * g.interval_ms;
  return g;
}

Throttle OnRateLimited(const AdaptivePolicy& policy, const AccountState& state, double now_ms, double sent_at_ms,
                       std::optional<Millis> retry_after) {
  Throttle t;
  t.next = state;
  const Millis pause = std::clamp(retry_after.value_or(policy.default_pause), Millis(0), policy.max_pause);
  const double rate = CurrentRate(policy, state, now_ms);
  // A request sent before the last decrease saw the old rate: that round was answered already.
  if (state.base_rate <= 0 || sent_at_ms >= state.base_ms) {
    t.next.base_rate = std::max(FloorRate(policy), rate * policy.decrease);
    t.next.base_ms = now_ms;
    t.decreased = true;
  }
  t.next.paused_until_ms = std::max(state.paused_until_ms, now_ms + static_cast<double>(pause.count()));
  t.rate = t.decreased ? t.next.base_rate : rate;
  return t;
}

}  // namespace di::ratelimit

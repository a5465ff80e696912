#include "ratelimit/fair_share.h"

#include <algorithm>
#include <cmath>

namespace di::ratelimit {

FairShareDecision DecideFairShare(const std::vector<FlowRow>& flows, const std::string& flow, double now_ms,
                                  double horizon_ms, double active_window_ms) {
  FairShareDecision d;
  if (flow.empty()) return d;
  int others = 0;
  double held_until = now_ms;  // this flow's furthest slot
  for (const FlowRow& f : flows) {
    if (f.flow == flow) {
      held_until = std::max(now_ms, f.last_slot_ms);
    } else if (!f.flow.empty() && f.last_asked_ms > now_ms - active_window_ms) {
      ++others;
    }
  }
  d.active_flows = 1 + others;
  const double share = horizon_ms / d.active_flows;
  const double held = held_until - now_ms;
  if (held < share) return d;
  d.may_reserve = false;
  d.wait_ms = std::max(1.0, std::floor(held - share) + 1);
  return d;
}

}  // namespace di::ratelimit

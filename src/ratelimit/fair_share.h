// FairShare: how the account's budget is shared between flows (the feeds:
// `natural`, `labgrown`), as pure decisions over the flows' rows
// (rate_limit_flows, sql/018) and the database clock.
//
// The policy: every flow with requests waiting gets an equal share of the
// account's slots (max-min fair: a flow that needs less leaves the rest to
// the others); within a flow, slots go first come, first served (so its
// partitions share its part equally). The account keeps one schedule of
// slots (AccountState::next_free_ms, adaptive_rate.h), so the total never
// exceeds the rate; a flow may reserve more of it only while the slots it
// holds ahead of now are fewer than its share of the horizon (horizon / the
// flows active). Two greedy flows therefore alternate: the one that reserved
// last holds the furthest slots and waits, the other reserves. A flow alone,
// or beside flows that ask for little, takes every slot left (nothing idles).
// A flow's share needs requests waiting to hold it: a flow with fewer
// waiting than its share of the horizon holds (a worker's requests in
// flight: 48) gets what it asks, which is less.
// A flow is active while it asked within `active_window_ms`. The unnamed flow
// (authentication, tools) is never held back and never counted.
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <vector>

namespace di::ratelimit {

struct FlowRow {
  std::string flow;
  double last_slot_ms = 0;   // the end of the last block of slots the flow reserved
  double last_asked_ms = 0;  // when the flow last asked for slots
};

struct FairShareDecision {
  bool may_reserve = true;  // false: wait wait_ms, then ask again
  double wait_ms = 0;
  int active_flows = 1;  // named flows sharing the account now (this one included)
};

constexpr double kActiveWindowMs = 1000;

// May FLOW reserve slots at NOW_MS, given every flow's row of the account
// (FLOWS, this flow's included or not yet) and the account's HORIZON_MS?
FairShareDecision DecideFairShare(const std::vector<FlowRow>& flows, const std::string& flow, double now_ms,
                                  double horizon_ms, double active_window_ms = kActiveWindowMs);

}  // namespace di::ratelimit

#include "sim/churn.h"

#include <algorithm>
#include <cmath>

namespace di::sim {

ChurnCounts DueChanges(const ChurnRates& rates, int64_t elapsed_ms, double carry[4]) {
  const double per_min[4] = {rates.reprice_per_min, rates.payload_per_min, rates.add_per_min, rates.remove_per_min};
  int64_t due[4];
  for (int i = 0; i < 4; ++i) {
    carry[i] += per_min[i] * static_cast<double>(elapsed_ms) / 60'000.0;
    due[i] = static_cast<int64_t>(std::floor(carry[i] + 1e-9));  // 0.3 x 10 is 2.9999...
    carry[i] = std::max(0.0, carry[i] - static_cast<double>(due[i]));
  }
  return {due[0], due[1], due[2], due[3]};
}

ChurnCounts CountsFor(const ChurnFractions& f, int64_t live) {
  auto count = [live](double fraction) -> int64_t {
    if (fraction <= 0) return 0;
    return std::max<int64_t>(1, std::llround(fraction * static_cast<double>(live)));
  };
  return {count(f.reprice), count(f.payload), count(f.add), count(f.remove)};
}

ChurnDriver::ChurnDriver(Inventory* inventory, Counters* counters, const Clock* clock, ChurnRates rates, uint64_t seed)
    : inventory_(inventory), counters_(counters), clock_(clock), rates_(rates), rng_(HashOf(seed, 0xc4a7)) {}

ChurnDriver::~ChurnDriver() { Stop(); }

void ChurnDriver::Start() {
  if (!rates_.any() || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void ChurnDriver::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ChurnDriver::Pause() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

void ChurnDriver::Resume() {
  std::lock_guard lock(mu_);
  paused_ = false;
}

bool ChurnDriver::paused() const {
  std::lock_guard lock(mu_);
  return paused_;
}

ChurnCounts ChurnDriver::Apply(const ChurnCounts& counts) {
  // REQUIRES: mu_ held (it guards rng_).
  int64_t now_ms = std::chrono::duration_cast<Millis>(clock_->Now().time_since_epoch()).count();
  ChurnCounts done = inventory_->Mutate(counts, rng_, now_ms);
  counters_->Churned(done.reprice, done.payload, done.add, done.remove);
  return done;
}

ChurnCounts ChurnDriver::Trigger(const ChurnFractions& fractions) {
  std::lock_guard lock(mu_);
  int64_t live = inventory_->LiveCount(false) + inventory_->LiveCount(true);
  return Apply(CountsFor(fractions, live));
}

void ChurnDriver::Loop() {
  double carry[4] = {0, 0, 0, 0};
  int64_t last = clock_->MonotonicMs();
  std::unique_lock lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, std::chrono::milliseconds(rates_.tick_ms), [this] { return stop_; });
    if (stop_) break;
    int64_t now = clock_->MonotonicMs();
    int64_t elapsed = now - last;
    last = now;
    if (paused_) continue;  // changes due while paused are dropped, not queued
    ChurnCounts due = DueChanges(rates_, elapsed, carry);
    if (due.reprice + due.payload + due.add + due.remove > 0) Apply(due);
  }
}

}  // namespace di::sim

// Churn: the inventory changing over time. A background thread applies, every
// tick, the changes due at the configured rates (per minute; fractional
// remainders carry over). Admin calls pause/resume it and trigger immediate
// batches. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "sim/counters.h"
#include "sim/inventory.h"
#include "sim/rng.h"

namespace di::sim {

struct ChurnRates {
  double reprice_per_min = 0;
  double payload_per_min = 0;
  double add_per_min = 0;
  double remove_per_min = 0;
  int64_t tick_ms = 200;
  bool any() const { return reprice_per_min + payload_per_min + add_per_min + remove_per_min > 0; }
};

// Fractions of the live inventory to change at once (admin trigger).
struct ChurnFractions {
  double reprice = 0;
  double payload = 0;
  double add = 0;
  double remove = 0;
};

// The counts due for ELAPSED_MS at RATES, with CARRY (4 values) holding the
// fractional remainders between calls. Pure.
ChurnCounts DueChanges(const ChurnRates& rates, int64_t elapsed_ms, double carry[4]);
// Counts for FRACTIONS of LIVE offers: rounded, and at least 1 for a positive fraction.
ChurnCounts CountsFor(const ChurnFractions& fractions, int64_t live);

class ChurnDriver {
 public:
  // REQUIRES: pointers outlive the driver.
  ChurnDriver(Inventory* inventory, Counters* counters, const Clock* clock, ChurnRates rates, uint64_t seed);
  ~ChurnDriver();

  // Starts the background thread (no-op when every rate is zero).
  void Start();
  void Stop();
  void Pause();
  void Resume();
  bool paused() const;
  // Applies a batch now, paused or not; returns what was done.
  ChurnCounts Trigger(const ChurnFractions& fractions);

 private:
  void Loop();
  ChurnCounts Apply(const ChurnCounts& counts);

  Inventory* inventory_;
  Counters* counters_;
  const Clock* clock_;
  const ChurnRates rates_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  Rng rng_;
  bool paused_ = false;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace di::sim

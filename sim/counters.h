// Counters: what the simulator observed, for the admin interface: requests by
// operation, concurrency, the busiest 1 s window, 429s, injected errors,
// churn totals. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>

namespace di::sim {

class Counters {
 public:
  // A request arrived on the API path at NOW_MS (monotonic); returns the
  // number now in flight. Pair with Finished().
  int64_t Arrived(int64_t now_ms);
  void Finished();
  void Operation(const std::string& name, int64_t n = 1);
  void RateLimited() { ++rate_limited_; }
  void Injected(const std::string& fault_name);
  void Churned(int64_t reprice, int64_t payload, int64_t add, int64_t remove);
  void Reset();

  // The counters as a JSON object (see sim/README.md for the fields).
  std::string ToJson() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, int64_t> by_operation_;
  std::map<std::string, int64_t> injected_;
  std::deque<int64_t> window_;  // arrival times within the last second
  int64_t requests_ = 0;
  int64_t peak_per_second_ = 0;
  int64_t in_flight_ = 0;
  int64_t peak_concurrent_ = 0;
  std::atomic<int64_t> rate_limited_{0};
  int64_t churn_[4] = {0, 0, 0, 0};
};

}  // namespace di::sim

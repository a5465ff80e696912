// Clock: the seam for time and sleeping, so retry and lease logic can be tested
// deterministically. SystemClock is thread-safe; ManualClock too.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>

namespace di {

using Millis = std::chrono::milliseconds;
using WallTime = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual WallTime Now() const = 0;
  // Monotonic milliseconds, for measuring durations.
  virtual int64_t MonotonicMs() const = 0;
  virtual void SleepFor(Millis duration) = 0;
};

class SystemClock final : public Clock {
 public:
  WallTime Now() const override { return std::chrono::system_clock::now(); }
  int64_t MonotonicMs() const override;
  void SleepFor(Millis duration) override;
};

// A clock that only moves when told to (or when slept on). For unit tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(WallTime start = WallTime{}) : now_ms_(ToMs(start)) {}
  WallTime Now() const override { return WallTime(Millis(now_ms_.load())); }
  int64_t MonotonicMs() const override { return now_ms_.load(); }
  void SleepFor(Millis duration) override { Advance(duration); }
  void Advance(Millis d) { now_ms_ += d.count(); }
  int64_t total_slept_ms() const { return now_ms_.load(); }

 private:
  static int64_t ToMs(WallTime t) { return std::chrono::duration_cast<Millis>(t.time_since_epoch()).count(); }
  std::atomic<int64_t> now_ms_;
};

SystemClock& DefaultClock();

// ISO-8601 UTC with milliseconds, e.g. 2026-02-12T19:01:13.001Z.
std::string FormatIso8601(WallTime t);
// Parses ISO-8601 UTC ("Z" or "+00:00", optional fraction), years 1900..2200,
// the whole text (no spaces, nothing after the zone). False if malformed.
bool ParseIso8601(std::string_view text, WallTime* out);

}  // namespace di

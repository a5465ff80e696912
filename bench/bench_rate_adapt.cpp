// The adaptive account limiter against a vendor limit below the setting
// (issue 19, "The rate adapts"): nivoda-sim allows 10 requests/s (429 with
// Retry-After above it); one full run is configured at 10/s (the baseline: the
// right setting) and one at 25/s (a setting above what the vendor allows),
// each on a fresh database and simulator, in the same run. Prints both wall
// times (schedule -> consolidation message), the 429s and the ratio
// adaptive / baseline (goal <= 1.2).
// BENCH_RATE_OFFERS (default 30000) sets the inventory size.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "pipeline_fixture.h"
#include "ratelimit/account_rate_limiter.h"

using namespace di;
using namespace di::testing;

namespace {

struct RunFigures {
  double seconds = 0;
  int64_t requests = 0;
  int64_t rate_limited = 0;
  int64_t peak_per_second = 0;
  int64_t decreases = 0;
  double final_rate = 0;
  bool ok = false;
};

RunFigures FullRun(int64_t offers, double setting) {
  Pipeline p({"--natural", std::to_string(offers), "--labgrown", "0", "--latency-base-ms", "150", "--latency-jitter",
              "0.3", "--rate-limit", "10"});
  auto limiter = p.UseAccountLimiter(setting);
  const auto t0 = std::chrono::steady_clock::now();
  std::string run = p.ScheduleFull();
  WorkerOptions o = p.FastWorkerOptions();
  o.partitions = 8;
  o.requests_in_flight = 24;
  RunFigures f;
  f.ok = !run.empty() && p.WorkUntilConsolidation(run, Millis(1800 * 1000), o);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  f.decreases = limiter->decreases();
  f.final_rate = limiter->current_rate();
  auto c = p.sim->Counters();
  if (c.ok()) {
    f.requests = c->requests;
    f.rate_limited = c->rate_limited;
    f.peak_per_second = c->peak_requests_per_second;
  }
  return f;
}

void Print(const char* name, const RunFigures& f) {
  std::printf("  %-28s %7.1f s  ok=%d requests=%lld 429s=%lld (%.2f%%) peak=%lld/s decreases=%lld rate now %.1f/s\n",
              name, f.seconds, f.ok, static_cast<long long>(f.requests), static_cast<long long>(f.rate_limited),
              f.requests > 0 ? 100.0 * static_cast<double>(f.rate_limited) / static_cast<double>(f.requests) : 0.0,
              static_cast<long long>(f.peak_per_second), static_cast<long long>(f.decreases), f.final_rate);
}

}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  const char* env = std::getenv("BENCH_RATE_OFFERS");
  const int64_t offers = env != nullptr ? std::atoll(env) : 30000;
  std::printf("bench_rate_adapt: %lld offers, vendor limit 10 requests/s (nivoda-sim --rate-limit 10)\n",
              static_cast<long long>(offers));
  const RunFigures baseline = FullRun(offers, 10);
  Print("baseline (setting 10/s):", baseline);
  const RunFigures adaptive = FullRun(offers, 25);
  Print("adaptive (setting 25/s):", adaptive);
  std::printf("  ratio adaptive/baseline: %.3f (goal <= 1.2)\n", adaptive.seconds / baseline.seconds);
  return baseline.ok && adaptive.ok ? 0 : 1;
}

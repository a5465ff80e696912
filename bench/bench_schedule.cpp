// Scheduler end to end: the real Scheduler (count queries through NivodaClient,
// the account-wide rate limiter in PostgreSQL, run + work items in one
// transaction) against a real nivoda-sim holding the default 440,000 natural
// offers, with simulated latency (median 1.5 s, log-normal jitter 0.25) and the
// simulator enforcing 25 requests/s.
//
// For the default heatmap (adaptive) and the baseline --heatmap=seed, in the
// same run and under the same latency: count queries, rounds, planning wall
// time, partitions and balance (largest/mean expected records). Prints the
// figures and adaptive/seed ratios. The seed scan is sequential (~235 queries
// at ~1.5 s): it takes about 6 minutes.
//
//   bench_schedule [LATENCY_MS]   (default 1500; smaller for a quick check)
// Needs DI_TEST_SERVERS_DIR (a PostgreSQL started by scripts/bench) and DI_BIN_DIR.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "app/components.h"
#include "common/log.h"
#include "roles/scheduler.h"
#include "schedule_support.h"
#include "sim_process.h"
#include "test_database.h"

using namespace di;

namespace {

constexpr int64_t kNatural = 440'000;

struct Measured {
  plan::Plan plan;
  int64_t planning_ms = 0;
  int64_t total_ms = 0;  // planning + lock, watermark, run transaction
  bool ok = false;
};

Measured RunOnce(const testing::SimProcess& sim, const char* heatmap) {
  Measured m;
  auto db = testing::TestDatabase::Create();
  auto env = testing::ScheduleEnvironment(db.url(), sim.endpoint());
  env["HEATMAP"] = heatmap;
  env["NIVODA_RATE_LIMIT"] = "25";
  env["NIVODA_TIMEOUT_SECONDS"] = "60";
  env["RETRY_ATTEMPTS"] = "3";
  env["RETRY_BASE_MS"] = "2000";
  env["RETRY_CAP_MS"] = "60000";
  Config config = testing::LoadTestConfig(env);
  auto components = BuildComponents(config, ComponentNeeds{});
  if (!components.ok()) {
    std::fprintf(stderr, "components: %s\n", components.status().ToString().c_str());
    return m;
  }
  SchedulerDeps deps{components->database_url, components->queue.get(), components->watermark.get(),
                     components->client.get(), nullptr};
  Scheduler scheduler(SchedulerSettingsFrom(config), deps);
  const auto start = std::chrono::steady_clock::now();
  auto result = scheduler.Run({});
  m.total_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  components->limiter->Shutdown();
  if (!result.ok()) {
    std::fprintf(stderr, "%s: %s\n", heatmap, result.status().ToString().c_str());
    return m;
  }
  m.plan = std::move(result->plan);
  m.planning_ms = result->planning_ms;
  m.ok = m.plan.total_records == kNatural;
  if (!m.ok)
    std::fprintf(stderr, "%s: total %lld != %lld\n", heatmap, static_cast<long long>(m.plan.total_records),
                 static_cast<long long>(kNatural));
  return m;
}

void Print(const char* name, const Measured& m, const testing::SimCounters& c) {
  std::printf(
      "%-9s count queries %4d (%d for attribution)  rounds %3d  planning %7.1f s  total %7.1f s  "
      "partitions %2zu  largest/mean %.3f  sim: peak %lld req/s, %lld x 429\n",
      name, m.plan.count_queries, m.plan.attribution_queries, m.plan.count_rounds, m.planning_ms / 1000.0,
      m.total_ms / 1000.0, m.plan.partitions.size(), plan::LargestOverMean(m.plan),
      static_cast<long long>(c.peak_requests_per_second), static_cast<long long>(c.rate_limited));
}

}  // namespace

int main(int argc, char** argv) {
  const std::string latency = argc > 1 ? argv[1] : "1500";
  log::Init(log::Level::kWarn, log::Format::kJson);
  auto sim = testing::SimProcess::Start({"--natural", std::to_string(kNatural), "--labgrown", "0", "--seed", "1",
                                         "--latency-base-ms", latency, "--latency-jitter", "0.25", "--rate-limit", "25",
                                         "--log-level", "warn"});
  if (!sim.ok()) {
    std::fprintf(stderr, "nivoda-sim: %s\n", sim.status().ToString().c_str());
    return 1;
  }
  std::printf("nivoda-sim: %lld natural offers, latency median %s ms (jitter 0.25), 25 requests/s\n",
              static_cast<long long>(kNatural), latency.c_str());
  std::fflush(stdout);

  (void)(*sim)->ResetCounters();
  Measured adaptive = RunOnce(**sim, "adaptive");
  auto adaptive_counters = (*sim)->Counters();
  Print("adaptive", adaptive, adaptive_counters.ok() ? *adaptive_counters : testing::SimCounters{});
  std::fflush(stdout);

  (void)(*sim)->ResetCounters();
  Measured seed = RunOnce(**sim, "seed");
  auto seed_counters = (*sim)->Counters();
  Print("seed", seed, seed_counters.ok() ? *seed_counters : testing::SimCounters{});
  if (!adaptive.ok || !seed.ok) return 1;

  std::printf(
      "ratio adaptive/seed: count queries %.3f (goal <= 0.25), planning wall time %.3f; "
      "balance adaptive %.3f (goal <= 1.2) vs seed %.3f\n",
      static_cast<double>(adaptive.plan.count_queries) / seed.plan.count_queries,
      static_cast<double>(adaptive.planning_ms) / std::max<int64_t>(1, seed.planning_ms),
      plan::LargestOverMean(adaptive.plan), plan::LargestOverMean(seed.plan));
  std::fflush(stdout);
  return 0;
}

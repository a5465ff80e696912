// Worker benchmarks against nivoda-sim with its latency model and a 25/s
// account limit (both enforced: our limiter and the simulator's 429s).
// 1. Rate-limit efficiency: full-run wall time (schedule -> sweep ->
//    consolidation message) over the physical bound (pages at 50/page, 25/s);
//    and the seeds' configuration (page size 30, one partition per worker, one
//    request in flight, 30 workers) on the same inventory, in the same run.
// 2. Peak RSS of the real `diamond-ingest work` process with 8 partitions in flight.
// BENCH_OFFERS (default 440000) sets the inventory size, BENCH_PARTITIONS (12) the
// partitions in flight of our configuration; BENCH_ONLY_OURS=1 skips the rest,
// BENCH_ONLY_RSS=1 measures only the peak RSS.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <thread>

#include "pipeline_fixture.h"
#include "ratelimit/account_rate_limiter.h"

using namespace di;
using namespace di::testing;

namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = getenv(name);
  return v ? std::atoll(v) : fallback;
}

std::vector<std::string> SimFlags(int64_t offers) {
  return {"--natural",
          std::to_string(offers),
          "--labgrown",
          "0",
          "--latency-base-ms",
          "1500",
          "--latency-jitter",
          "0.3",
          "--latency-per-1k-offset-ms",
          "20",
          "--rate-limit",
          "26"};
}

struct RunFigures {
  double seconds = 0;
  int64_t requests = 0;
  int64_t rate_limited = 0;
  int64_t peak_per_second = 0;
  bool ok = false;
};

RunFigures FullRun(int64_t offers, int page_size, int partitions, int in_flight) {
  Pipeline p(SimFlags(offers));
  ratelimit::AccountRateLimiterOptions lo;
  lo.account = "bench";
  lo.requests_per_second = 25;
  auto limiter = std::make_shared<ratelimit::AccountRateLimiter>(p.components.pool, lo);
  nivoda::ClientOptions co;
  co.endpoint = p.sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.limiter = limiter;
  p.components.client = std::move(nivoda::NivodaClient::Create(co)).value();
  p.components.limiter = limiter;
  auto t0 = std::chrono::steady_clock::now();
  // Requests per 10 s window (the simulator's counter), to see where the rate is not used.
  std::atomic<bool> done{false};
  std::string timeline;
  std::thread sampler([&] {
    int64_t last = 0;
    while (!done) {
      for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto c = p.sim->Counters();
      if (!c.ok()) continue;
      timeline += " " + std::to_string((c->requests - last) / 10);
      last = c->requests;
    }
  });
  std::string run = p.ScheduleFull();
  WorkerOptions o = p.FastWorkerOptions();
  o.partitions = partitions;
  o.requests_in_flight = in_flight;
  o.fetch.page_size = page_size;  // leases: the fixture queue's 5 s, renewed every 1.7 s
  RunFigures f;
  f.ok = p.WorkUntilConsolidation(run, Millis(3600 * 1000), o);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  sampler.join();
  std::printf("  requests/s per 10 s window:%s\n", timeline.c_str());
  auto c = p.sim->Counters();
  if (c.ok()) {
    f.requests = c->requests;
    f.rate_limited = c->rate_limited;
    f.peak_per_second = c->peak_requests_per_second;
  }
  return f;
}

int64_t PeakRssKb(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  }
  return -1;
}

int64_t WorkerRss(int64_t offers) {
  Pipeline p({"--natural", std::to_string(offers), "--labgrown", "0", "--latency-base-ms", "200"});
  std::string run = p.ScheduleFull();
  pid_t pid = p.StartWorkerProcess({"WORKER_PARTITIONS=8", "WORKER_REQUESTS_IN_FLIGHT=48", "NIVODA_RATE_LIMIT=200"},
                                   /*exit_when_idle=*/true);
  int64_t peak = 0;
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    peak = std::max(peak, PeakRssKb(pid));
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return peak;
}

}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  const int64_t offers = EnvInt("BENCH_OFFERS", 440000);
  const int partitions = static_cast<int>(EnvInt("BENCH_PARTITIONS", 12));
  const double bound = std::ceil(offers / 50.0) / 25.0;
  if (EnvInt("BENCH_ONLY_RSS", 0) != 0) {
    std::printf("  worker peak RSS, 8 partitions in flight: %.1f MB (goal < 150 MB)\n",
                WorkerRss(std::min<int64_t>(offers, 100000)) / 1024.0);
    return 0;
  }
  std::printf("bench_worker: %lld offers, latency median 1.5 s, account limit 25 requests/s\n",
              static_cast<long long>(offers));
  RunFigures ours = FullRun(offers, 50, partitions, 48);
  std::printf("  ours  (page 50, %d partitions, 48 in flight):  %7.1f s  ok=%d requests=%lld 429s=%lld peak=%lld/s\n",
              partitions, ours.seconds, ours.ok, static_cast<long long>(ours.requests),
              static_cast<long long>(ours.rate_limited), static_cast<long long>(ours.peak_per_second));
  std::printf("  physical bound (pages at 50 / 25 per s):        %7.1f s\n", bound);
  std::printf("  ratio ours/bound: %.3f (goal <= 1.15)\n", ours.seconds / bound);
  if (EnvInt("BENCH_ONLY_OURS", 0) != 0) return ours.ok ? 0 : 1;
  RunFigures seeds = FullRun(offers, 30, 30, 30);
  std::printf("  seeds (page 30, 30 workers x 1 in flight):    %7.1f s  ok=%d requests=%lld 429s=%lld peak=%lld/s\n",
              seeds.seconds, seeds.ok, static_cast<long long>(seeds.requests),
              static_cast<long long>(seeds.rate_limited), static_cast<long long>(seeds.peak_per_second));
  std::printf("  ratio seeds/ours: %.2f\n", seeds.seconds / ours.seconds);
  int64_t rss = WorkerRss(std::min<int64_t>(offers, 100000));
  std::printf("  worker peak RSS, 8 partitions in flight: %.1f MB (goal < 150 MB)\n", rss / 1024.0);
  return ours.ok && seeds.ok ? 0 : 1;
}

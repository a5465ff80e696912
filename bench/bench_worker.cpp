// Worker benchmarks against nivoda-sim with its latency model and a 25/s
// account limit (both enforced: our limiter and the simulator's 429s).
// 1. Rate-limit efficiency in the vendor's worlds: full-run wall time
//    (schedule -> catch-up -> consolidation message) over the physical bound
//    (pages at 50/page, 25/s), and requests over those pages, in each world:
//    quiet; 3% short pages; `insert` with ties; `insert` refused; churn of 10%
//    of the inventory per hour with 5% re-priced within one minute mid-run
//    (there the stones unchanged since the run's start are checked exact).
// 2. The seeds' configuration (page size 30, one partition per worker, one
//    request in flight, 30 workers) on the quiet inventory, in the same run.
// 3. Peak RSS of the real `diamond-ingest work` process with 8 partitions in flight.
// BENCH_OFFERS (default 440000) sets the inventory size, BENCH_PARTITIONS (12) the
// partitions in flight of our configuration, BENCH_IN_FLIGHT (the worker's
// default) its requests in flight; BENCH_WORLDS (default
// quiet,short,ties,refused,churn) the worlds; BENCH_ONLY_OURS=1 skips 2 and 3,
// BENCH_ONLY_RSS=1 measures only the peak RSS.
// 4. BENCH_OVERLAP=1 (only this): planning overlapped with fetching, quiet
//    world: the scheduler and a worker start together; time to the first work
//    item published and the full-run wall, with SCHEDULE_OVERLAP off (the
//    baseline: every work item once planning ends) and on, in the same run.
// BENCH_FEED=labgrown runs 1 (and 3) on the lab-grown feed (the simulator's
// lab-grown shape, BENCH_OFFERS of them) instead of the natural one.
// 5. BENCH_PAIR=1 (only this): both feeds scheduled together under one 25/s
//    account (BENCH_OFFERS natural, BENCH_LABGROWN_OFFERS lab-grown), one
//    worker of 2 x BENCH_PARTITIONS partitions: the pair's wall over (both
//    feeds' pages) / 25 and each feed's offers stored per 10 s window (the
//    share each got).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>
#include <tuple>

#include "pipeline_fixture.h"
#include "ratelimit/account_rate_limiter.h"

using namespace di;
using namespace di::testing;

namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = getenv(name);
  return v ? std::atoll(v) : fallback;
}

std::string BenchFeed() {
  const char* v = getenv("BENCH_FEED");
  return v != nullptr && std::string(v) == "labgrown" ? "labgrown" : "natural";
}

Feed FeedOf(const std::string& name) { return name == "labgrown" ? Feed::kLabgrown : Feed::kNatural; }

// The simulator's flags: NATURAL and LABGROWN offers, the vendor's latency
// and limit, then WORLD's.
std::vector<std::string> SimFlags(int64_t natural, int64_t labgrown, const std::vector<std::string>& world) {
  std::vector<std::string> flags = {"--natural",
                                    std::to_string(natural),
                                    "--labgrown",
                                    std::to_string(labgrown),
                                    "--latency-base-ms",
                                    "1500",
                                    "--latency-jitter",
                                    "0.3",
                                    "--latency-per-1k-offset-ms",
                                    "20",
                                    "--rate-limit",
                                    "26"};
  flags.insert(flags.end(), world.begin(), world.end());
  return flags;
}

// OFFERS of the bench's feed (BENCH_FEED), none of the other.
std::vector<std::string> SimFlags(int64_t offers, const std::vector<std::string>& world) {
  const bool lab = BenchFeed() == "labgrown";
  return SimFlags(lab ? 0 : offers, lab ? offers : 0, world);
}

// Stones of FEED unchanged since RUN's start (updated_to) and, of them, those
// stored with the simulator's exact payload: {unchanged, exact}.
std::pair<int64_t, int64_t> UnchangedExact(Pipeline& p, const std::string& feed, const std::string& run) {
  auto dump = p.sim->Dump(feed);
  auto raw = p.RawOfRun(run);
  std::string t0_iso;
  {
    auto conn = p.db.Connect();
    auto r = conn->Exec(
        "SELECT to_char(updated_to AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM run_metadata"
        " WHERE run_id = $1",
        {pg::P(run)});
    if (r.ok() && r->rows() == 1) t0_iso = r->GetString(0, 0);
  }
  int64_t unchanged = 0, exact = 0;
  WallTime snapshot{};
  if (dump.ok() && ParseIso8601(t0_iso, &snapshot)) {
    for (const auto& row : *dump) {
      WallTime updated{};
      if (!ParseIso8601(row.updated_at, &updated) || updated > snapshot) continue;
      ++unchanged;
      auto it = raw.find(row.stone_id);
      exact += it != raw.end() && it->second == row.payload_sha256;
    }
  }
  return {unchanged, exact};
}

struct World {
  std::string name;
  std::vector<std::string> sim_flags;
  bool burst = false;  // 5% of the inventory re-priced within one minute, mid-run
};

// Churn of 10% of the inventory per hour: re-pricings, payload edits,
// additions and removals.
std::vector<std::string> ChurnFlags(int64_t offers) {
  const double per_min = offers * 0.10 / 60;
  auto f = [](double x) { return std::to_string(x); };
  return {"--churn-reprice-per-min", f(per_min * 0.4), "--churn-payload-per-min", f(per_min * 0.4),
          "--churn-add-per-min",     f(per_min * 0.1), "--churn-remove-per-min",  f(per_min * 0.1)};
}

std::vector<World> Worlds(int64_t offers) {
  std::vector<World> all = {{"quiet", {}, false},
                            {"short", {"--short-page-fraction", "0.03"}, false},
                            {"ties", {"--insert-order", "ties"}, false},
                            {"refused", {"--insert-order", "rejected"}, false},
                            {"churn", ChurnFlags(offers), true}};
  const char* pick = getenv("BENCH_WORLDS");
  if (pick == nullptr) return all;
  std::vector<World> out;
  for (const auto& w : all) {
    if (("," + std::string(pick) + ",").find("," + w.name + ",") != std::string::npos) out.push_back(w);
  }
  return out;
}

struct RunFigures {
  double seconds = 0;
  double first_item_s = 0;  // schedule start -> first work item committed
  double planned_s = 0;     // schedule start -> the scheduler returned
  int64_t requests = 0;
  int64_t rate_limited = 0;
  int64_t peak_per_second = 0;
  int64_t unchanged = 0, unchanged_exact = 0;  // stones unchanged since the run's start, and stored exact
  bool ok = false;
};

// With OVERLAPPED set, the scheduler runs beside the worker (which starts with
// it) and publishes partitions as they become final when OVERLAP is true;
// otherwise the worker starts once the run is scheduled (the figures of 1-3).
RunFigures FullRun(int64_t offers, int page_size, int partitions, int in_flight, const World& world,
                   bool overlapped = false, bool overlap = true) {
  Pipeline p(SimFlags(offers, world.sim_flags));
  p.UseAccountLimiter(25);
  auto t0 = std::chrono::steady_clock::now();
  // Requests per 10 s window (the simulator's counter), to see where the rate is not used.
  std::atomic<bool> done{false};
  std::string timeline;
  std::thread sampler([&] {
    int64_t last = 0;
    auto last_at = std::chrono::steady_clock::now();
    while (!done) {
      for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto c = p.sim->Counters();
      if (!c.ok()) continue;
      // Divided by the time measured: a slow Counters() answer lengthens the window.
      const auto now = std::chrono::steady_clock::now();
      const double window = std::chrono::duration<double>(now - last_at).count();
      timeline += " " + std::to_string(static_cast<int64_t>(std::lround((c->requests - last) / window)));
      last = c->requests;
      last_at = now;
    }
  });
  RunFigures f;
  std::string run;
  std::thread scheduling;
  std::atomic<bool> first_seen{false};
  std::thread first_item;
  if (overlapped) {
    scheduling = std::thread([&] {
      run = p.ScheduleFull(30, std::nullopt, overlap, nullptr, FeedOf(BenchFeed()));
      f.planned_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    });
    first_item = std::thread([&] {  // the first partition row commits with its work item
      auto conn = p.db.Connect();
      while (!done && !first_seen) {
        auto r = conn->Exec("SELECT count(*) FROM partition_runs");
        if (r.ok() && r->GetInt64(0, 0) > 0) {
          f.first_item_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
          first_seen = true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  } else {
    run = p.ScheduleFull(30, std::nullopt, true, nullptr, FeedOf(BenchFeed()));
  }
  std::thread burst;
  std::atomic<bool> burst_stop{false};
  if (world.burst) {
    // Mid-run (at about a third of the bound), 5% re-priced within one minute.
    burst = std::thread([&] {
      const int64_t start_s = static_cast<int64_t>(std::ceil(offers / 50.0) / 25.0 / 3);
      for (int64_t i = 0; i < start_s * 10 && !burst_stop; ++i) std::this_thread::sleep_for(Millis(100));
      for (int s = 0; s < 60 && !burst_stop; ++s) {
        (void)p.sim->TriggerChurn({0.05 / 60, 0, 0, 0});  // a failed trigger only weakens the world
        std::this_thread::sleep_for(Millis(1000));
      }
    });
  }
  WorkerOptions o = p.FastWorkerOptions();
  o.partitions = partitions;
  o.requests_in_flight = in_flight;
  o.fetch.page_size = page_size;  // leases: the fixture queue's 5 s, renewed every 1.7 s
  // Overlapped, the run id is not known yet (nor needed: the consolidation message ends the wait).
  f.ok = p.WorkUntilConsolidation(overlapped ? "" : run, Millis(3600 * 1000), o);
  f.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  done = true;
  if (scheduling.joinable()) scheduling.join();
  if (first_item.joinable()) first_item.join();
  burst_stop = true;
  sampler.join();
  if (burst.joinable()) burst.join();
  // Every stone unchanged since the run's start is stored with its exact payload.
  std::tie(f.unchanged, f.unchanged_exact) = UnchangedExact(p, BenchFeed(), run);
  std::printf("  requests/s per 10 s window:%s\n", timeline.c_str());
  auto c = p.sim->Counters();
  if (c.ok()) {
    f.requests = c->requests;
    f.rate_limited = c->rate_limited;
    f.peak_per_second = c->peak_requests_per_second;
  }
  return f;
}

// Both feeds scheduled together (one after the other, planning overlapped) under
// one 25/s account, worked by one worker of PARTITIONS partitions.
struct PairFigures {
  double seconds = 0;
  std::string timeline;                   // offers stored per 10 s window, natural/lab-grown
  int64_t requests = 0, rate_limited = 0;
  std::map<std::string, std::pair<int64_t, int64_t>> exact;  // feed -> {unchanged, exact}
  bool ok = false;
};

PairFigures PairRun(int64_t natural, int64_t labgrown, int partitions) {
  Pipeline p(SimFlags(natural, labgrown, {}));
  p.UseAccountLimiter(25);
  PairFigures f;
  const auto t0 = std::chrono::steady_clock::now();
  auto since = [&] { return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); };
  // One scheduler at a time (its lock is the database's), the feeds in the
  // order `schedule` takes them with FEED=natural,labgrown, beside the worker.
  std::map<std::string, std::string> runs;
  std::thread scheduler([&] {
    for (const std::string feed : {"natural", "labgrown"}) {
      runs[feed] = p.ScheduleFull(30, std::nullopt, true, nullptr, FeedOf(feed));
    }
  });
  std::atomic<bool> done{false};
  std::thread sampler([&] {
    auto conn = p.db.Connect();
    std::map<std::string, int64_t> last;
    while (!done) {
      for (int i = 0; i < 100 && !done; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      auto r = conn->Exec("SELECT feed, count(*) FROM raw_diamonds_nivoda GROUP BY feed");
      if (!r.ok()) continue;
      std::map<std::string, int64_t> now;
      for (int i = 0; i < r->rows(); ++i) now[r->GetString(i, 0)] = r->GetInt64(i, 1);
      f.timeline += " " + std::to_string(now["natural"] - last["natural"]) + "/" +
                    std::to_string(now["labgrown"] - last["labgrown"]);
      last = now;
    }
  });
  WorkerOptions o = p.FastWorkerOptions();
  o.partitions = partitions;
  o.requests_in_flight = 4 * partitions;
  o.fetch.page_size = 50;
  f.ok = p.WorkUntilConsolidation("", Millis(3600 * 1000), o, /*consolidations=*/2);
  f.seconds = since();
  done = true;
  scheduler.join();
  sampler.join();
  for (const auto& [feed, run] : runs) f.exact[feed] = UnchangedExact(p, feed, run);
  auto c = p.sim->Counters();
  if (c.ok()) {
    f.requests = c->requests;
    f.rate_limited = c->rate_limited;
  }
  return f;
}

// A field of /proc/PID/status in kB (VmHWM: the peak RSS; VmRSS: now), -1 if gone.
int64_t StatusKb(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field + ":", 0) == 0) return std::atoll(line.c_str() + field.size() + 1);
  }
  return -1;
}

int64_t WorkerRss(int64_t offers) {
  const bool lab = BenchFeed() == "labgrown";
  Pipeline p({"--natural", std::to_string(lab ? 0 : offers), "--labgrown", std::to_string(lab ? offers : 0),
              "--latency-base-ms", "200"});
  std::string run = p.ScheduleFull(30, std::nullopt, true, nullptr, FeedOf(BenchFeed()));
  std::vector<std::string> env = {"WORKER_PARTITIONS=8", "NIVODA_RATE_LIMIT=200"};  // requests in flight: the default
  // BENCH_WORKER_ENV: more of the worker's environment (space-separated NAME=VALUE).
  if (const char* more = getenv("BENCH_WORKER_ENV")) {
    std::istringstream words(more);
    for (std::string w; words >> w;) env.push_back(w);
  }
  pid_t pid = p.StartWorkerProcess(env, /*exit_when_idle=*/true);
  int64_t peak = 0;
  int status = 0;
  std::string timeline;  // RSS every 10 s: a plateau is the working set, a slope is growth
  for (int tick = 0; waitpid(pid, &status, WNOHANG) == 0; ++tick) {
    peak = std::max(peak, StatusKb(pid, "VmHWM"));
    if (tick % 50 == 0) timeline += " " + std::to_string(StatusKb(pid, "VmRSS") / 1024);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::printf("  worker RSS (MB) every 10 s:%s\n", timeline.c_str());
  return peak;
}

// The offers of the RSS measurement: the natural feed's first 100,000, the
// whole lab-grown feed (BENCH_FEED=labgrown: the 900,000-offer figure).
int64_t RssOffers(int64_t offers) { return BenchFeed() == "labgrown" ? offers : std::min<int64_t>(offers, 100000); }

}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);  // figures appear as they are measured
  const int64_t offers = EnvInt("BENCH_OFFERS", 440000);
  const int partitions = static_cast<int>(EnvInt("BENCH_PARTITIONS", 12));
  // Requests in flight of our configuration: the worker's default unless BENCH_IN_FLIGHT.
  const int in_flight = static_cast<int>(EnvInt("BENCH_IN_FLIGHT", WorkerOptions{}.requests_in_flight));
  const double bound = std::ceil(offers / 50.0) / 25.0;
  if (EnvInt("BENCH_PAIR", 0) != 0) {
    const int64_t labgrown = EnvInt("BENCH_LABGROWN_OFFERS", 900000);
    const double pair_pages = std::ceil(offers / 50.0) + std::ceil(labgrown / 50.0);
    std::printf("bench_worker pair: %lld natural + %lld lab-grown offers under one 25/s account, bound %.1f s"
                " (%.0f pages)\n",
                static_cast<long long>(offers), static_cast<long long>(labgrown), pair_pages / 25, pair_pages);
    PairFigures f = PairRun(offers, labgrown, 2 * partitions);
    std::printf("  offers stored per 10 s window, natural/lab-grown:%s\n", f.timeline.c_str());
    bool exact = true;
    for (const auto& [feed, e] : f.exact) {
      std::printf("  %s: %lld/%lld stones stored exact\n", feed.c_str(), static_cast<long long>(e.second),
                  static_cast<long long>(e.first));
      exact = exact && e.first == e.second && e.first > 0;
    }
    std::printf("  pair %.1f s = %.3f x bound; requests %lld = %.3f x pages; 429s %lld; ok=%d\n", f.seconds,
                f.seconds / (pair_pages / 25), static_cast<long long>(f.requests), f.requests / pair_pages,
                static_cast<long long>(f.rate_limited), f.ok);
    return f.ok && exact ? 0 : 1;
  }
  if (EnvInt("BENCH_ONLY_RSS", 0) != 0) {
    std::printf("  worker peak RSS, 8 partitions in flight: %.1f MB (goal < 150 MB)\n",
                WorkerRss(RssOffers(offers)) / 1024.0);
    return 0;
  }
  std::printf(
      "bench_worker: %lld %s offers, latency median 1.5 s, account limit 25 requests/s, bound %.1f s (%lld pages)\n",
      static_cast<long long>(offers), BenchFeed().c_str(), bound, static_cast<long long>(std::ceil(offers / 50.0)));
  const double pages = std::ceil(offers / 50.0);
  if (EnvInt("BENCH_OVERLAP", 0) != 0) {
    const World quiet_world{"quiet", {}, false};
    RunFigures base = FullRun(offers, 50, partitions, in_flight, quiet_world, /*overlapped=*/true, /*overlap=*/false);
    RunFigures over = FullRun(offers, 50, partitions, in_flight, quiet_world, /*overlapped=*/true, /*overlap=*/true);
    for (const auto& [name, f] : {std::pair{"SCHEDULE_OVERLAP=0", base}, std::pair{"SCHEDULE_OVERLAP=1", over}}) {
      std::printf("  %s: first work item %.1f s, planning ended %.1f s, full run %.1f s (%.3f x bound), "
                  "requests %lld, 429s %lld, ok=%d\n",
                  name, f.first_item_s, f.planned_s, f.seconds, f.seconds / bound, static_cast<long long>(f.requests),
                  static_cast<long long>(f.rate_limited), f.ok);
    }
    std::printf("  overlap: first work item %.1f s earlier, full run %.1f s shorter\n",
                base.first_item_s - over.first_item_s, base.seconds - over.seconds);
    return base.ok && over.ok ? 0 : 1;
  }
  bool all_ok = true;
  RunFigures quiet;
  for (const World& world : Worlds(offers)) {
    RunFigures f = FullRun(offers, 50, partitions, in_flight, world);
    if (world.name == "quiet") quiet = f;
    all_ok = all_ok && f.ok && f.unchanged_exact == f.unchanged;
    std::printf(
        "  %-8s %7.1f s = %.3f x bound; requests %lld = %.3f x pages; 429s %lld; peak %lld/s; unchanged exact "
        "%lld/%lld; ok=%d\n",
        world.name.c_str(), f.seconds, f.seconds / bound, static_cast<long long>(f.requests), f.requests / pages,
        static_cast<long long>(f.rate_limited), static_cast<long long>(f.peak_per_second),
        static_cast<long long>(f.unchanged_exact), static_cast<long long>(f.unchanged), f.ok);
  }
  if (EnvInt("BENCH_ONLY_OURS", 0) != 0) return all_ok ? 0 : 1;
  RunFigures ours = quiet.seconds > 0 ? quiet : FullRun(offers, 50, partitions, in_flight, World{"quiet", {}, false});
  RunFigures seeds = FullRun(offers, 30, 30, 30, World{"quiet", {}, false});
  std::printf("  seeds (page 30, 30 workers x 1 in flight):    %7.1f s  ok=%d requests=%lld 429s=%lld peak=%lld/s\n",
              seeds.seconds, seeds.ok, static_cast<long long>(seeds.requests),
              static_cast<long long>(seeds.rate_limited), static_cast<long long>(seeds.peak_per_second));
  std::printf("  ratio seeds/ours: %.2f\n", seeds.seconds / ours.seconds);
  int64_t rss = WorkerRss(RssOffers(offers));
  std::printf("  worker peak RSS, 8 partitions in flight: %.1f MB (goal < 150 MB)\n", rss / 1024.0);
  return all_ok && ours.ok && seeds.ok ? 0 : 1;
}

// bench_table_health: the tables after 30 simulated days (issue 18, "The tables
// stay healthy over time"). Each day is one full run and 23 incremental runs,
// with 2% of the inventory changed per day (nivoda-sim churn triggered before
// every run: 0.8% re-priced, 0.8% payload changed, 0.2% added, 0.2% removed,
// spread over the day's 24 runs), through the real pipeline: the Scheduler
// (planning count queries, run record, work items), a Worker (paging, raw
// merge, partition end, sweep), a Consolidator (mapping, soft delete,
// watermark), the PostgreSQL queue and a RequestRecorder (request_seconds).
//
// Two worlds run side by side, each with its own database and simulator (same
// seed, same churn calls):
//   * "retention": the consolidator's upkeep as `consolidate` and `run` do it:
//     the raw run_id indexes rebuilt after every complete full run
//     (roles/raw_index_upkeep.h), and the retention pass (roles/retention.h,
//     default policy) after every completed run, its
//     cutoffs mapped from simulated onto real time (a run starts at simulated
//     day d, hour r; rows older than a cutoff are the rows of runs that started
//     before the simulated instant now - retention);
//   * "baseline": no retention, no index rebuild, every table's autovacuum
//     options reset to the server's defaults.
// Then, per table, size, live/dead tuples, free space and index leaf density
// (pg_stat_user_tables + pgstattuple/pgstatindex), both worlds side by side,
// and what a REINDEX of raw_diamonds_nivoda would give back.
// Time is compressed (a run every ~0.5 s instead of every hour), so the
// server's autovacuum_naptime is 1 s instead of 1 min during the bench, for both.
// Env: BENCH_HEALTH_OFFERS (default 20000), BENCH_HEALTH_DAYS (default 30).
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "common/log.h"
#include "ops/request_recorder.h"
#include "pipeline_fixture.h"
#include "roles/consolidator.h"
#include "roles/retention.h"
#include "table_health.h"

using namespace di;
using namespace di::testing;

namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr int kRunsPerDay = 24;
constexpr Millis kHour{3600000};

const char* kTables[] = {"raw_diamonds_nivoda", "diamonds",        "queue_messages",  "queue_dead_letters",
                         "queue_dedup",         "run_metadata",    "partition_runs",  "partition_progress",
                         "run_price_bins",      "request_seconds", "diamond_changes", "raw_offer_failures"};

std::mutex print_mu;
void Progress(const std::string& world, int day, double seconds) {
  std::lock_guard<std::mutex> lock(print_mu);
  std::printf("  %-9s day %2d done, %.0f s\n", world.c_str(), day, seconds);
}

double Seconds(SteadyClock::time_point since) {
  return std::chrono::duration<double>(SteadyClock::now() - since).count();
}

struct World {
  std::string name;
  bool retention = false;
  std::unique_ptr<Pipeline> p;
  RequestRecorder recorder;
  std::vector<WallTime> run_started;  // real start of run i (simulated time i hours)
  PruneCounts pruned;
  int64_t runs = 0, failed = 0;
  double seconds = 0;
  bool ok = true;
  std::vector<bench::TableHealth> health;
  int64_t database_bytes = 0;
};

// The real instant before which rows are older than AGE in simulated time,
// seen from run NOW_INDEX; nullopt when nothing is that old yet.
std::optional<WallTime> RealCutoff(const World& w, size_t now_index, Millis age) {
  if (age.count() <= 0) return std::nullopt;
  const int64_t back = age.count() / kHour.count();  // runs are an hour apart in simulated time
  if (static_cast<int64_t>(now_index) < back) return std::nullopt;
  return w.run_started[now_index - static_cast<size_t>(back)];
}

std::string RunStatus(pg::Connection& conn, const std::string& run_id) {
  auto r = conn.Exec("SELECT status FROM run_metadata WHERE run_id = $1", {pg::P(run_id)});
  return r.ok() && r->rows() == 1 ? r->GetString(0, 0) : "";
}

void Simulate(World* w, int days) {
  const auto t0 = SteadyClock::now();
  Pipeline& p = *w->p;
  w->recorder.Start(p.components.pool);
  nivoda::ClientOptions co;
  co.endpoint = p.sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.timeout = Millis(10000);
  co.observer = &w->recorder;
  p.components.client = std::move(nivoda::NivodaClient::Create(co)).value();

  WorkerOptions wo = p.FastWorkerOptions();
  wo.partitions = 8;
  wo.requests_in_flight = 16;
  wo.poll = Millis(100);
  wo.attribution = &w->recorder;
  const ConsolidatorDeps cd = MakeConsolidatorDeps(p.components, Config{});  // feed natural: p's watermark
  ConsolidatorOptions co2;
  co2.poll = Millis(100);
  co2.not_ready_delay = Millis(200);
  co2.retry_delay = Millis(500);
  co2.rebuild_raw_run_indexes = w->retention;  // after each complete full run (roles/raw_index_upkeep.h)
  Consolidator consolidator(cd, co2);          // retention: run by this loop with simulated cutoffs
  std::atomic<bool> stop{false};
  Worker worker(p.components, wo);
  std::thread work([&] { worker.Run(stop); });
  std::thread consolidate([&] { consolidator.Run(stop); });

  auto conn = p.db.Connect();
  const RetentionPolicy policy;  // the defaults
  // Incremental windows overlap by 1 s, not 15 min: 15 min of real time is
  // ~2,000 compressed runs, and each would re-read every stone changed since.
  SchedulerSettings settings;
  settings.incremental_overlap = Millis(1000);
  SchedulerDeps sd;
  sd.database_url = p.db.url();
  sd.queue = p.components.queue.get();
  sd.watermark = p.components.watermark.get();
  sd.client = p.components.client.get();
  // 2% of the inventory per day: 0.8% re-priced, 0.8% payload, 0.2% added, 0.2% removed.
  const SimChurn churn{0.008 / kRunsPerDay, 0.008 / kRunsPerDay, 0.002 / kRunsPerDay, 0.002 / kRunsPerDay};
  for (int day = 0; day < days && w->ok; ++day) {
    for (int hour = 0; hour < kRunsPerDay && w->ok; ++hour) {
      if (day > 0 || hour > 0) {
        auto c = p.sim->TriggerChurn(churn);
        if (!c.ok()) std::fprintf(stderr, "%s: churn: %s\n", w->name.c_str(), c.status().ToString().c_str());
      }
      w->run_started.push_back(std::chrono::system_clock::now());
      Scheduler scheduler(settings, sd);
      ScheduleRequest request;
      request.full = hour == 0;
      auto scheduled = scheduler.Run(request);
      if (!scheduled.ok()) {
        std::fprintf(stderr, "%s: schedule: %s\n", w->name.c_str(), scheduled.status().ToString().c_str());
        w->ok = false;
        break;
      }
      const auto deadline = SteadyClock::now() + std::chrono::seconds(180);
      std::string status;
      while (SteadyClock::now() < deadline) {
        status = RunStatus(*conn, scheduled->run_id);
        if (status == "completed" || status == "failed" || status == "cancelled") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
      ++w->runs;
      if (status != "completed") {
        ++w->failed;
        std::fprintf(stderr, "%s: run %s ended %s\n", w->name.c_str(), scheduled->run_id.c_str(), status.c_str());
        if (status != "failed") w->ok = false;
      }
      if (w->retention) {
        const size_t i = w->run_started.size() - 1;
        const RetentionCutoffs cutoffs{RealCutoff(*w, i, policy.run_history), RealCutoff(*w, i, policy.request_seconds),
                                       RealCutoff(*w, i, policy.dead_letters)};
        auto pruned = PruneOlderThan(*p.components.pool, policy, cutoffs);
        if (!pruned.ok()) {
          std::fprintf(stderr, "%s: prune: %s\n", w->name.c_str(), pruned.status().ToString().c_str());
        } else {
          w->pruned.runs += pruned->runs;
          w->pruned.request_seconds += pruned->request_seconds;
          w->pruned.dead_letters += pruned->dead_letters;
          w->pruned.diamond_changes += pruned->diamond_changes;
          w->pruned.transactions += pruned->transactions;
        }
      }
    }
    Progress(w->name, day + 1, Seconds(t0));
  }
  stop = true;
  work.join();
  consolidate.join();
  (void)w->recorder.Flush();
  w->seconds = Seconds(t0);
}

void Must(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "bench_table_health: %s\n", what.c_str());
    std::exit(1);
  }
}

void ReadHealth(World* w) {
  auto conn = w->p->db.Connect();
  Must(bench::EnablePgstattuple(*conn), "the pgstattuple extension is needed (postgresql-contrib)");
  Must(bench::RefreshStatistics(*conn).ok(), "refresh statistics");
  for (const char* table : kTables) {
    auto h = bench::ReadTableHealth(*conn, table, true);
    Must(h.ok(), std::string("health of ") + table + ": " + h.status().ToString());
    w->health.push_back(*h);
  }
  auto size = conn->Exec("SELECT pg_database_size(current_database())");
  if (size.ok()) w->database_bytes = size->GetInt64(0, 0);
}

// Every per-table autovacuum option back to the server's default.
void ResetAutovacuum(pg::Connection& conn) {
  for (const char* table : kTables) {
    auto opts = conn.Exec(
        "SELECT split_part(o, '=', 1) FROM pg_class c, unnest(c.reloptions) o WHERE c.oid = $1::regclass"
        " AND o LIKE 'autovacuum%'",
        {pg::P(table)});
    Must(opts.ok(), "reloptions");
    for (int i = 0; i < opts->rows(); ++i) {
      // Identifiers from the catalog, not values: RESET takes no parameters.
      Must(conn.Exec(std::string("ALTER TABLE ") + table + " RESET (" + opts->GetString(i, 0) + ")").ok(), "reset");
    }
  }
}

double Mb(int64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); }

std::string IndexSummary(const bench::TableHealth& h) {
  double min_density = -1;
  for (const auto& i : h.indexes) {
    if (i.leaf_density >= 0 && (min_density < 0 || i.leaf_density < min_density)) min_density = i.leaf_density;
  }
  char out[64];
  if (min_density < 0) return "-";
  std::snprintf(out, sizeof out, "%.0f%%", min_density);
  return out;
}

}  // namespace

int main() {
  setvbuf(stdout, nullptr, _IOLBF, 0);
  log::Init(log::Level::kError, log::Format::kJson);
  const char* env_offers = std::getenv("BENCH_HEALTH_OFFERS");
  const char* env_days = std::getenv("BENCH_HEALTH_DAYS");
  const int64_t offers = env_offers ? std::atoll(env_offers) : 20000;
  const int days = env_days ? std::atoi(env_days) : 30;
  std::printf(
      "bench_table_health: %lld natural offers, %d simulated days x (1 full + 23 incremental runs),"
      " 2%%/day churn; two worlds side by side\n",
      static_cast<long long>(offers), days);
  const std::vector<std::string> sim_flags = {"--natural", std::to_string(offers), "--labgrown", "0", "--seed", "7"};
  // Time is compressed ~3,600x (a run every ~0.5 s instead of every hour):
  // autovacuum looks at each database every second instead of every minute,
  // in both worlds; restored at the end (the server is shared with the other benches).
  auto admin = pg::Connection::Open(TestDatabase::AdminUrl());
  Must(admin.ok(), "admin connection");
  Must((*admin)->Exec("ALTER SYSTEM SET autovacuum_naptime = '1s'").ok(), "ALTER SYSTEM (superuser needed)");
  Must((*admin)->Exec("SELECT pg_reload_conf()").ok(), "reload");
  World with, base;
  with.name = "retention";
  with.retention = true;
  base.name = "baseline";
  with.p = std::make_unique<Pipeline>(sim_flags);
  base.p = std::make_unique<Pipeline>(sim_flags);
  {
    auto conn = base.p->db.Connect();
    ResetAutovacuum(*conn);
  }
  std::thread a([&] { Simulate(&with, days); });
  std::thread b([&] { Simulate(&base, days); });
  a.join();
  b.join();
  ReadHealth(&with);
  ReadHealth(&base);
  Must((*admin)->Exec("ALTER SYSTEM RESET autovacuum_naptime").ok() && (*admin)->Exec("SELECT pg_reload_conf()").ok(),
       "restore autovacuum_naptime");
  for (World* w : {&with, &base}) {
    std::printf("\n%s: %lld runs (%lld failed) in %.0f s; database %.1f MB\n", w->name.c_str(),
                static_cast<long long>(w->runs), static_cast<long long>(w->failed), w->seconds, Mb(w->database_bytes));
    if (w->retention) {
      std::printf(
          "  pruned: %lld runs, %lld diamond_changes rows, %lld request_seconds rows, %lld dead letters"
          " in %lld transactions\n",
          static_cast<long long>(w->pruned.runs), static_cast<long long>(w->pruned.diamond_changes),
          static_cast<long long>(w->pruned.request_seconds), static_cast<long long>(w->pruned.dead_letters),
          static_cast<long long>(w->pruned.transactions));
    }
    for (const auto& h : w->health) std::printf("  %s\n", bench::Describe(h).c_str());
  }
  std::printf("\n%-20s | %-31s | %-31s\n", "table", "retention + index rebuild", "baseline: neither");
  std::printf("%-20s | %-31s | %-31s\n", "", "MB total, live/dead, free, leaf", "MB total, live/dead, free, leaf");
  for (size_t i = 0; i < with.health.size(); ++i) {
    char cells[2][96];
    const bench::TableHealth* hs[2] = {&with.health[i], &base.health[i]};
    for (int k = 0; k < 2; ++k) {
      const auto& h = *hs[k];
      std::snprintf(cells[k], sizeof cells[k], "%6.2f %6lld/%-6lld %3.0f%% %4s",
                    Mb(h.heap_bytes + h.toast_bytes + h.index_bytes), static_cast<long long>(h.exact_live),
                    static_cast<long long>(h.exact_dead), h.free_percent, IndexSummary(h).c_str());
    }
    std::printf("%-20s | %-31s | %-31s\n", with.health[i].table.c_str(), cells[0], cells[1]);
  }
  std::printf(
      "database: %.1f MB with retention, %.1f MB baseline (ratio %.2f)\n", Mb(with.database_bytes),
      Mb(base.database_bytes),
      static_cast<double>(with.database_bytes) / static_cast<double>(std::max<int64_t>(1, base.database_bytes)));
  // How much of raw_diamonds_nivoda's indexes is bloat: rebuild them (retention world).
  {
    auto conn = with.p->db.Connect();
    Must(conn->Exec("REINDEX TABLE raw_diamonds_nivoda").ok(), "reindex");
    auto after = bench::ReadTableHealth(*conn, "raw_diamonds_nivoda", true);
    Must(after.ok(), "health after reindex");
    std::printf("raw_diamonds_nivoda indexes: %.1f MB; after REINDEX %.1f MB (", Mb(with.health[0].index_bytes),
                Mb(after->index_bytes));
    for (const auto& i : after->indexes)
      std::printf(" %s %.1f MB, leaf %.0f%%;", i.name.c_str(), Mb(i.bytes), i.leaf_density);
    std::printf(" )\n");
  }
  return with.ok && base.ok ? 0 : 1;
}

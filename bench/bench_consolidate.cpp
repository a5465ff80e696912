// bench_consolidate: how fast the consolidator turns raw offers into
// `diamonds`, and what a later full run costs (src/consolidate/README.md,
// "Measured performance").
//
//   1. 900,000 realistic raw offers of the lab-grown feed (the nivoda-sim
//      lab-grown item of the mapping fixtures, ~2 KB, with ids, prices, carats,
//      grades and availability varied per offer) are COPY'd into
//      raw_diamonds_nivoda of a full run, in chunks.
//   2. consolidation: Consolidator::ConsolidateRun (list, claim, map, COPY +
//      upsert, finalize, watermark), timed, with the process's peak RSS.
//   3. baseline: INSERT INTO a table LIKE diamonds INCLUDING ALL (same columns,
//      constraints and indexes) SELECT the consolidated rows, timed.
//   4. a second full run that saw every offer unchanged (the raw rows' run_id
//      moved, as the worker moves it): wall, updates and dead tuples left in
//      `diamonds` (autovacuum is off on it, so nothing hides them), peak RSS.
//   5. a third full run that saw all but 1% of the offers: the 1% are
//      soft-deleted; wall and dead tuples.
// Goals (issues 6 and 18): >= 25,000 offers/s and >= 0.5 of the baseline's
// rows/s; the unchanged run under 5 s with <= 1% dead tuples in `diamonds`;
// peak RSS < 300 MB.
// Env: DI_BENCH_OFFERS overrides the offer count, DI_BENCH_LOOPS and
// DI_BENCH_BATCH the consolidator's parallelism and batch size; the PostgreSQL
// comes from DI_TEST_SERVERS_DIR (scripts/bench) through TestDatabase.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "bench_support.h"
#include "common/log.h"
#include "common/sha256.h"
#include "roles/consolidator.h"
#include "table_health.h"
#include "test_database.h"

namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kFeed = "labgrown";

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

using di::bench::Must;

// The COPY text of raw rows [BEGIN, END) of RUN_ID (varied copies of the template).
std::string RawCopyData(int begin, int end, const std::string& run_id) {
  static const char* kColors[] = {"D", "E", "F", "G", "H", "I", "J", "K"};
  static const char* kAvailability[] = {"AVAILABLE", "AVAILABLE", "AVAILABLE", "ON HOLD", "MEMO", "SOLD"};
  static const char* kEye[] = {"yes", "100%", "", "no", "E1"};
  static const nlohmann::json base = di::bench::FixtureItem("labgrown_sim_item.json");
  nlohmann::json item = base;
  std::string data;
  data.reserve(static_cast<size_t>(end - begin) * 2400);
  for (int i = begin; i < end; ++i) {
    const std::string stone = "bench-stone-" + std::to_string(i);
    const int64_t price = 3000 + (static_cast<int64_t>(i) * 7919) % 600000;
    item["id"] = "bench-offer-" + std::to_string(i);
    item["price"] = price;
    item["markup_price"] = price;
    item["diamond_price"] = price * 100 / 106;
    item["diamond"]["id"] = stone;
    item["diamond"]["availability"] = kAvailability[i % 6];
    item["diamond"]["eyeClean"] = kEye[i % 5];
    item["diamond"]["certificate"]["carats"] = 0.3 + (i % 300) / 100.0;
    item["diamond"]["certificate"]["color"] = kColors[i % 8];
    item["diamond"]["certificate"]["certNumber"] = "LG" + std::to_string(2200000000LL + i);
    const std::string payload = item.dump();
    data += stone + "\t" + kFeed + "\t" + run_id + "\t" + "bench-offer-" + std::to_string(i) + "\t" +
            std::to_string(price) + "\t2026-02-01T00:00:00Z\t";
    di::pg::AppendCopyText(&data, payload);
    data += "\t" + di::Sha256Hex(payload) + "\n";
  }
  return data;
}

void CreateRun(di::pg::Connection& conn, const std::string& run_id, const std::string& updated_to) {
  di::bench::CreateCompletedRun(conn, run_id, kFeed, "full", updated_to);
}

// Peak RSS of this process since the last ResetPeakRss (Linux: VmHWM).
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }
double PeakRssMb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::atof(line.c_str() + 6) / 1024.0;
  }
  return -1;
}

void Script(di::pg::Connection& conn, std::initializer_list<const char*> statements) {
  for (const char* sql : statements) Must(conn.Exec(sql).status(), sql);
}

di::bench::TableHealth Health(di::pg::Connection& conn, bool exact) {
  Must(di::bench::RefreshStatistics(conn), "refresh statistics");
  auto h = di::bench::ReadTableHealth(conn, "diamonds", exact);
  Must(h.status(), "table health");
  return *h;
}

struct Pass {
  double seconds = 0;
  double rss_mb = 0;
  di::ConsolidationReport report;
  int64_t updates = 0;  // rows of `diamonds` updated (n_tup_upd)
  di::bench::TableHealth after;
};

// Consolidates RUN_ID, timed, with the peak RSS and what it did to `diamonds`.
Pass Consolidate(di::Consolidator& consolidator, di::pg::Connection& conn, const std::string& run_id) {
  Pass p;
  const di::bench::TableHealth before = Health(conn, false);
  ResetPeakRss();
  const auto t0 = Clock::now();
  auto report = consolidator.ConsolidateRun(run_id, false);
  p.seconds = Seconds(t0);
  p.rss_mb = PeakRssMb();
  Must(report.status(), "consolidation of " + run_id);
  p.report = *report;
  p.after = Health(conn, true);
  p.updates = p.after.updates - before.updates;
  return p;
}

std::string Dead(const Pass& p) {
  const double live = static_cast<double>(std::max<int64_t>(1, p.after.exact_live));
  char out[160];
  std::snprintf(out, sizeof out, "%lld dead tuples (n_dead_tup %lld) = %.2f%% of %lld live; %lld rows updated",
                static_cast<long long>(p.after.exact_dead), static_cast<long long>(p.after.dead),
                100.0 * static_cast<double>(p.after.exact_dead) / live, static_cast<long long>(p.after.exact_live),
                static_cast<long long>(p.updates));
  return out;
}

}  // namespace

int main() {
  di::log::Init(di::log::Level::kWarn, di::log::Format::kJson);
  const char* env_n = std::getenv("DI_BENCH_OFFERS");
  const int n = env_n ? std::atoi(env_n) : 900000;
  auto db = di::testing::TestDatabase::Create();
  auto conn = db.Connect();
  if (!di::bench::EnablePgstattuple(*conn)) {
    std::fprintf(stderr, "bench_consolidate: the pgstattuple extension is needed (postgresql-contrib)\n");
    return 1;
  }
  // Nothing may vacuum `diamonds` behind the measurement's back.
  Script(*conn, {"ALTER TABLE diamonds SET (autovacuum_enabled = false)"});

  auto t0 = Clock::now();
  CreateRun(*conn, "bench-r1", "2026-02-10T00:00:00Z");
  size_t payload_bytes = 0;
  constexpr int kChunk = 50000;
  for (int begin = 0; begin < n; begin += kChunk) {
    const std::string data = RawCopyData(begin, std::min(n, begin + kChunk), "bench-r1");
    payload_bytes += data.size();
    Must(conn->CopyIn("COPY raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, price_cents,"
                      " source_updated_at, payload, payload_hash) FROM STDIN",
                      data),
         "copy raw rows");
  }
  Script(*conn, {"VACUUM ANALYZE raw_diamonds_nivoda", "ANALYZE diamonds", "CHECKPOINT"});
  std::printf("setup: %d raw %s offers (%.0f MB of COPY text) generated and loaded in %.1f s\n", n, kFeed,
              static_cast<double>(payload_bytes) / 1e6, Seconds(t0));

  di::ConsolidatorOptions options;  // defaults: batch 2000, 2 batch loops
  if (const char* v = std::getenv("DI_BENCH_LOOPS")) options.parallelism = std::atoi(v);
  if (const char* v = std::getenv("DI_BENCH_BATCH")) options.batch_size = std::atoi(v);
  auto consolidator_ptr = di::bench::MakeConsolidator(db.url(), kFeed, options);
  di::Consolidator& consolidator = *consolidator_ptr;

  const Pass first = Consolidate(consolidator, *conn, "bench-r1");
  if (first.report.stats.mapped != n) {
    std::fprintf(stderr, "bench_consolidate: mapped %lld of %d offers\n",
                 static_cast<long long>(first.report.stats.mapped), n);
    return 1;
  }
  const double cons_rate = n / first.seconds;

  Script(*conn, {"CREATE TABLE diamonds_baseline (LIKE diamonds INCLUDING ALL)", "CHECKPOINT"});
  t0 = Clock::now();
  Must(conn->Exec("INSERT INTO diamonds_baseline SELECT * FROM diamonds").status(), "baseline insert");
  const double base_s = Seconds(t0);
  const double base_rate = n / base_s;
  Script(*conn, {"DROP TABLE diamonds_baseline"});

  // The second run read every stone, unchanged: the worker moved each raw row's run_id.
  CreateRun(*conn, "bench-r2", "2026-02-11T00:00:00Z");
  Script(*conn, {"UPDATE raw_diamonds_nivoda SET run_id = 'bench-r2'", "VACUUM ANALYZE raw_diamonds_nivoda",
                 "VACUUM ANALYZE diamonds", "CHECKPOINT"});
  const Pass second = Consolidate(consolidator, *conn, "bench-r2");

  // The third read all but 1% (every 100th stone is gone from the vendor).
  CreateRun(*conn, "bench-r3", "2026-02-12T00:00:00Z");
  Script(*conn, {"UPDATE raw_diamonds_nivoda SET run_id = 'bench-r3'"
                 " WHERE substr(supplier_stone_id, 13)::int % 100 <> 0",
                 "VACUUM ANALYZE raw_diamonds_nivoda", "VACUUM ANALYZE diamonds", "CHECKPOINT"});
  const Pass third = Consolidate(consolidator, *conn, "bench-r3");

  const double ratio = cons_rate / base_rate;
  std::printf("consolidation:   %d offers in %.2f s = %.0f offers/s (%lld batches of %d, %d loops), peak RSS %.0f MB\n",
              n, first.seconds, cons_rate, static_cast<long long>(first.report.batches), options.batch_size,
              options.parallelism, first.rss_mb);
  std::printf("                 of which batches (list, claim, map, write) %.2f s, finalize %.2f s\n",
              first.report.batches_ms / 1000.0, first.report.finalize_ms / 1000.0);
  std::printf("baseline:        INSERT ... SELECT of %d rows in %.2f s = %.0f rows/s\n", n, base_s, base_rate);
  std::printf("ratio:           %.2f of the baseline\n", ratio);
  for (const Pass* p : {&second, &third}) {
    std::printf("%s: %lld seen, %lld mapped, %lld deleted in %.2f s (list %.2f s, finalize %.2f s), peak RSS %.0f MB\n",
                p == &second ? "unchanged rerun" : "1% removed     ", static_cast<long long>(p->report.stats.seen),
                static_cast<long long>(p->report.stats.mapped), static_cast<long long>(p->report.stats.deleted),
                p->seconds, p->report.batches_ms / 1000.0, p->report.finalize_ms / 1000.0, p->rss_mb);
    std::printf("                 diamonds after it: %s\n", Dead(*p).c_str());
  }
  std::printf("diamonds:        %s\n", di::bench::Describe(third.after).c_str());
  const double rss = std::max({first.rss_mb, second.rss_mb, third.rss_mb});
  const double dead_pct =
      100.0 * static_cast<double>(second.after.exact_dead) / static_cast<double>(std::max<int64_t>(1, n));
  std::printf(
      "goals: >= 25000 offers/s: %s; >= 0.5 of baseline: %s; unchanged rerun < 5 s: %s, <= 1%% dead: %s;"
      " peak RSS < 300 MB: %s\n",
      cons_rate >= 25000 ? "met" : "NOT MET", ratio >= 0.5 ? "met" : "NOT MET", second.seconds < 5 ? "met" : "NOT MET",
      dead_pct <= 1 ? "met" : "NOT MET", rss < 300 ? "met" : "NOT MET");
  return 0;
}

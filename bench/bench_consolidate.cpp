// bench_consolidate: how fast the consolidator turns raw offers into
// `diamonds` (src/consolidate/README.md, "Measured performance").
//
//   1. 440,000 realistic raw offers (the nivoda-sim natural item of the mapping
//      fixtures, ~2.2 KB, with ids, prices, carats, grades and availability
//      varied per offer) are COPY'd into raw_diamonds_nivoda of a full run.
//   2. consolidation: Consolidator::ConsolidateRun (claim with SKIP LOCKED,
//      map, COPY + upsert, mark consolidated, finalize, watermark), timed.
//   3. baseline: INSERT INTO a table LIKE diamonds INCLUDING ALL (same columns,
//      constraints and indexes) SELECT the 440,000 consolidated rows, timed.
//   4. re-consolidation of a second full run that saw every offer unchanged
//      (nothing to map; every stone's last_run_id moves), timed.
// Goals (issue 6): >= 25,000 offers/s and >= 0.5 of the baseline's rows/s.
// Env: DI_BENCH_OFFERS overrides the offer count, DI_BENCH_LOOPS and
// DI_BENCH_BATCH the consolidator's parallelism and batch size; the PostgreSQL comes from
// DI_TEST_SERVERS_DIR (scripts/bench) through TestDatabase.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cloud/db_watermark_store.h"
#include "common/log.h"
#include "common/sha256.h"
#include "queue/postgres_queue.h"
#include "roles/consolidator.h"
#include "store/runs.h"
#include "test_database.h"

namespace {

using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

void Die(const std::string& what, const di::Status& s) {
  std::fprintf(stderr, "bench_consolidate: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

void Must(const di::Status& s, const std::string& what) {
  if (!s.ok()) Die(what, s);
}

nlohmann::json Template() {
  const char* src = std::getenv("DI_SOURCE_DIR");
  std::ifstream in(std::string(src ? src : ".") + "/tests/fixtures/mapping/natural_sim_item.json");
  std::stringstream text;
  text << in.rdbuf();
  auto fixture = nlohmann::json::parse(text.str(), nullptr, false);
  if (fixture.is_discarded() || !fixture.contains("raw")) {
    std::fprintf(stderr,
                 "bench_consolidate: cannot read tests/fixtures/mapping/natural_sim_item.json (DI_SOURCE_DIR)\n");
    std::exit(1);
  }
  return fixture["raw"];
}

// The COPY text of N raw rows of RUN_ID (varied copies of the template).
std::string RawCopyData(int n, const std::string& run_id) {
  static const char* kColors[] = {"D", "E", "F", "G", "H", "I", "J", "K"};
  static const char* kAvailability[] = {"AVAILABLE", "AVAILABLE", "AVAILABLE", "ON HOLD", "MEMO", "SOLD"};
  static const char* kEye[] = {"yes", "100%", "", "no", "E1"};
  nlohmann::json item = Template();
  std::string data;
  data.reserve(static_cast<size_t>(n) * 2600);
  for (int i = 0; i < n; ++i) {
    const std::string stone = "bench-stone-" + std::to_string(i);
    const int64_t price = 30000 + (static_cast<int64_t>(i) * 7919) % 5000000;
    item["id"] = "bench-offer-" + std::to_string(i);
    item["price"] = price;
    item["markup_price"] = price;
    item["diamond_price"] = price * 100 / 106;
    item["diamond"]["id"] = stone;
    item["diamond"]["availability"] = kAvailability[i % 6];
    item["diamond"]["eyeClean"] = kEye[i % 5];
    item["diamond"]["certificate"]["carats"] = 0.3 + (i % 300) / 100.0;
    item["diamond"]["certificate"]["color"] = kColors[i % 8];
    item["diamond"]["certificate"]["certNumber"] = std::to_string(2200000000LL + i);
    const std::string payload = item.dump();
    data += stone + "\tnatural\t" + run_id + "\t" + "bench-offer-" + std::to_string(i) + "\t" + std::to_string(price) +
            "\t2026-02-01T00:00:00Z\t";
    di::pg::AppendCopyText(&data, payload);
    data += "\t" + di::Sha256Hex(payload) + "\n";
  }
  return data;
}

void CreateRun(di::pg::Connection& conn, const std::string& run_id, const std::string& updated_to) {
  di::store::NewRun run;
  run.run_id = run_id;
  run.feed = "natural";
  run.run_type = "full";
  run.updated_to = updated_to;
  di::store::NewPartition p;
  p.work_item_json = "{}";
  di::pg::Transaction tx(conn);
  Must(di::store::InsertRun(conn, run, {p}), "insert run");
  Must(tx.Commit(), "commit run");
  Must(conn.Exec("UPDATE partition_runs SET status = 'completed' WHERE run_id = $1", {di::pg::P(run_id)}).status(),
       "complete partition");
}

}  // namespace

int main() {
  di::log::Init(di::log::Level::kWarn, di::log::Format::kJson);
  const char* env_n = std::getenv("DI_BENCH_OFFERS");
  const int n = env_n ? std::atoi(env_n) : 440000;
  auto db = di::testing::TestDatabase::Create();
  auto conn = db.Connect();

  auto t0 = Clock::now();
  CreateRun(*conn, "bench-r1", "2026-02-10T00:00:00Z");
  const std::string data = RawCopyData(n, "bench-r1");
  const double gen_s = Seconds(t0);
  t0 = Clock::now();
  Must(conn->CopyIn("COPY raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, price_cents,"
                    " source_updated_at, payload, payload_hash) FROM STDIN",
                    data),
       "copy raw rows");
  for (const char* sql : {"VACUUM ANALYZE raw_diamonds_nivoda", "ANALYZE diamonds", "CHECKPOINT"}) {
    Must(conn->Exec(sql).status(), sql);
  }
  const double load_s = Seconds(t0);
  std::printf("setup: %d raw offers (%.0f MB of payload) generated in %.1f s, loaded in %.1f s\n", n,
              static_cast<double>(data.size()) / 1e6, gen_s, load_s);

  auto pool = std::make_shared<di::pg::Pool>(db.url(), 6);
  di::ConsolidatorDeps deps;
  deps.pool = pool;
  deps.queue = std::make_shared<di::queue::PostgresQueue>(pool, di::queue::QueueOptions{});
  deps.alerts = std::make_shared<di::cloud::LogAlertSink>();
  auto watermark = std::make_shared<di::cloud::DbWatermarkStore>(pool, "natural");
  deps.watermark_for = [watermark](const std::string&) { return watermark; };
  di::ConsolidatorOptions options;  // defaults: batch 2000, 2 batch loops
  if (const char* v = std::getenv("DI_BENCH_LOOPS")) options.parallelism = std::atoi(v);
  if (const char* v = std::getenv("DI_BENCH_BATCH")) options.batch_size = std::atoi(v);
  di::Consolidator consolidator(deps, options);

  t0 = Clock::now();
  auto report = consolidator.ConsolidateRun("bench-r1", false);
  const double cons_s = Seconds(t0);
  if (!report.ok()) Die("consolidation", report.status());
  if (report->stats.mapped != n) {
    std::fprintf(stderr, "bench_consolidate: mapped %lld of %d offers\n", static_cast<long long>(report->stats.mapped),
                 n);
    return 1;
  }
  const double cons_rate = n / cons_s;

  for (const char* sql : {"CREATE TABLE diamonds_baseline (LIKE diamonds INCLUDING ALL)", "CHECKPOINT"}) {
    Must(conn->Exec(sql).status(), sql);
  }
  t0 = Clock::now();
  Must(conn->Exec("INSERT INTO diamonds_baseline SELECT * FROM diamonds").status(), "baseline insert");
  const double base_s = Seconds(t0);
  const double base_rate = n / base_s;

  CreateRun(*conn, "bench-r2", "2026-02-11T00:00:00Z");
  Must(conn->Exec("UPDATE raw_diamonds_nivoda SET run_id = 'bench-r2'").status(), "second run sees every offer");
  for (const char* sql : {"VACUUM ANALYZE raw_diamonds_nivoda", "VACUUM ANALYZE diamonds", "CHECKPOINT"}) {
    Must(conn->Exec(sql).status(), sql);
  }
  t0 = Clock::now();
  auto again = consolidator.ConsolidateRun("bench-r2", false);
  const double again_s = Seconds(t0);
  if (!again.ok()) Die("re-consolidation", again.status());

  const double ratio = cons_rate / base_rate;
  std::printf("consolidation:   %d offers in %.2f s = %.0f offers/s (%lld batches of %d, %d loops)\n", n, cons_s,
              cons_rate, static_cast<long long>(report->batches), options.batch_size, options.parallelism);
  std::printf("                 of which batches (list, claim, map, write) %.2f s, finalize %.2f s\n",
              report->batches_ms / 1000.0, report->finalize_ms / 1000.0);
  std::printf("baseline:        INSERT ... SELECT of %d rows in %.2f s = %.0f rows/s\n", n, base_s, base_rate);
  std::printf("ratio:           %.2f of the baseline\n", ratio);
  std::printf("unchanged rerun: %d offers seen, %lld mapped, in %.2f s = %.0f offers/s\n", n,
              static_cast<long long>(again->stats.mapped), again_s, n / again_s);
  std::printf("goals: >= 25000 offers/s: %s; >= 0.5 of baseline: %s\n", cons_rate >= 25000 ? "met" : "NOT MET",
              ratio >= 0.5 ? "met" : "NOT MET");
  return 0;
}

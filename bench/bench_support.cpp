#include "bench_support.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "cloud/db_watermark_store.h"
#include "queue/postgres_queue.h"
#include "store/runs.h"

namespace di::bench {

void Must(const Status& s, const std::string& what) {
  if (s.ok()) return;
  std::fprintf(stderr, "bench: %s: %s\n", what.c_str(), s.ToString().c_str());
  std::exit(1);
}

void CreateCompletedRun(pg::Connection& conn, const std::string& run_id, const std::string& feed,
                        const std::string& run_type, const std::string& updated_to) {
  store::NewRun run;
  run.run_id = run_id;
  run.feed = feed;
  run.run_type = run_type;
  run.updated_to = updated_to;
  store::NewPartition p;
  p.work_item_json = "{}";
  pg::Transaction tx(conn);
  Must(store::InsertRun(conn, run, {p}), "insert run");
  Must(tx.Commit(), "commit run");
  Must(conn.Exec("UPDATE partition_runs SET status = 'completed' WHERE run_id = $1", {pg::P(run_id)}).status(),
       "complete partition");
}

nlohmann::json FixtureItem(const std::string& file) {
  const char* src = std::getenv("DI_SOURCE_DIR");
  const std::string path = "tests/fixtures/mapping/" + file;
  std::ifstream in(std::string(src ? src : ".") + "/" + path);
  std::stringstream text;
  text << in.rdbuf();
  auto fixture = nlohmann::json::parse(text.str(), nullptr, false);
  if (fixture.is_discarded() || !fixture.contains("raw")) {
    std::fprintf(stderr, "bench: cannot read %s (DI_SOURCE_DIR)\n", path.c_str());
    std::exit(1);
  }
  return fixture["raw"];
}

std::unique_ptr<Consolidator> MakeConsolidator(const std::string& url, const std::string& feed,
                                               const ConsolidatorOptions& options) {
  auto pool = std::make_shared<pg::Pool>(url, 6);
  ConsolidatorDeps deps;
  deps.pool = pool;
  deps.queue = std::make_shared<queue::PostgresQueue>(pool, queue::QueueOptions{});
  deps.alerts = std::make_shared<cloud::LogAlertSink>();
  auto watermark = std::make_shared<cloud::DbWatermarkStore>(pool, feed);
  deps.watermark_for = [watermark](const std::string&) { return watermark; };
  return std::make_unique<Consolidator>(deps, options);
}

}  // namespace di::bench

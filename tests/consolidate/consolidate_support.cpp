#include "consolidate_support.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cloud/db_watermark_store.h"
#include "common/sha256.h"
#include "ingest/raw_writer.h"
#include "queue/postgres_queue.h"
#include "store/runs.h"

namespace di::testing {
namespace {

const nlohmann::json& Template() {
  static const nlohmann::json item = [] {
    const char* src = std::getenv("DI_SOURCE_DIR");
    std::ifstream in(std::string(src ? src : ".") + "/tests/fixtures/mapping/natural_sim_item.json");
    std::stringstream text;
    text << in.rdbuf();
    auto fixture = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
    if (fixture.is_discarded() || !fixture.contains("raw")) {
      std::fprintf(stderr, "cannot read tests/fixtures/mapping/natural_sim_item.json (DI_SOURCE_DIR)\n");
      std::abort();
    }
    return fixture["raw"];
  }();
  return item;
}

void Check(const Status& s, const char* what) {
  if (!s.ok()) {
    ADD_FAILURE() << what << ": " << s.ToString();
  }
}

}  // namespace

void RecordingAlertSink::Send(const cloud::Alert& alert) {
  std::lock_guard<std::mutex> lock(mu_);
  alerts_.push_back(alert);
  ++sent_;
}

std::vector<cloud::Alert> RecordingAlertSink::alerts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return alerts_;
}

int RecordingAlertSink::Count(const std::string& kind) const {
  std::lock_guard<std::mutex> lock(mu_);
  int n = 0;
  for (const auto& a : alerts_) n += a.kind == kind;
  return n;
}

std::string ItemJson(const Stone& s) {
  nlohmann::json item = Template();
  item["id"] = "offer-" + s.id + "-" + std::to_string(s.price_cents);
  item["price"] = s.price_cents;
  item["markup_price"] = s.price_cents;
  item["diamond_price"] = s.price_cents * 100 / 106;
  item["updated_at"] = s.updated_at;
  item["diamond"]["id"] = s.id;
  item["diamond"]["availability"] = s.availability;
  item["diamond"]["certificate"]["color"] = s.color;
  item["diamond"]["certificate"]["carats"] = s.bad ? 0.0 : s.carats;
  return item.dump();
}

ConsolidationEnv::ConsolidationEnv() : db(TestDatabase::Create()), conn(db.Connect()) {
  pool = std::make_shared<pg::Pool>(db.url(), 8);
  queue::QueueOptions qo;
  qo.lease_seconds = 30;
  qo.max_deliveries = 5;
  queue = std::make_shared<queue::PostgresQueue>(pool, qo);
  watermark = std::make_shared<cloud::DbWatermarkStore>(pool, "natural");
  alerts = std::make_shared<RecordingAlertSink>();
}

void ConsolidationEnv::CreateRun(const std::string& run_id, const std::string& run_type, int partitions, int completed,
                                 int failed, const std::string& updated_to, const std::string& feed) {
  store::NewRun run;
  run.run_id = run_id;
  run.feed = feed;
  run.run_type = run_type;
  run.updated_to = updated_to;
  std::vector<store::NewPartition> parts;
  for (int i = 0; i < partitions; ++i) {
    store::NewPartition p;
    p.partition_id = i;
    p.price_min = i * 1000;
    if (i + 1 < partitions) p.price_max = i * 1000 + 1000;
    p.work_item_json = "{}";
    parts.push_back(p);
  }
  {
    pg::Transaction tx(*conn);
    Check(store::InsertRun(*conn, run, parts), "InsertRun");
    Check(tx.Commit(), "commit run");
  }
  for (int i = 0; i < completed + failed && i < partitions; ++i) {
    SetPartitionStatus(run_id, i, i < completed ? "completed" : "failed");
  }
}

void ConsolidationEnv::SetPartitionStatus(const std::string& run_id, int partition_id, const std::string& status) {
  Check(conn->Exec("UPDATE partition_runs SET status = $3 WHERE run_id = $1 AND partition_id = $2",
                   {pg::P(run_id), pg::P(partition_id), pg::P(status)})
            .status(),
        "set partition status");
}

void ConsolidationEnv::WriteRaw(const std::string& run_id, const std::vector<Stone>& stones, const std::string& feed) {
  ingest::RawBatch batch;
  for (const Stone& s : stones) {
    nivoda::Offer o;
    o.stone_id = s.id;
    o.price_cents = s.price_cents;
    o.raw_json = ItemJson(s);
    o.offer_id = "offer-" + s.id + "-" + std::to_string(s.price_cents);
    o.updated_at = s.updated_at;
    o.sha256_hex = Sha256Hex(o.raw_json);
    batch.offers.push_back(std::move(o));
  }
  Check(ingest::WriteRawBatch(*conn, {run_id, 0, feed}, batch), "WriteRawBatch");
}

Consolidator ConsolidationEnv::MakeConsolidator(std::shared_ptr<cloud::WatermarkStore> store, int batch_size,
                                                int parallelism, std::optional<RetentionPolicy> retention) {
  ConsolidatorDeps deps;
  deps.pool = pool;
  deps.queue = queue;
  deps.alerts = alerts;
  auto chosen = store ? store : watermark;
  deps.watermark_for = [chosen](const std::string&) { return chosen; };
  ConsolidatorOptions o;
  o.batch_size = batch_size;
  o.parallelism = parallelism;
  o.poll = Millis(200);
  o.not_ready_delay = Millis(5000);
  o.retry_delay = Millis(5000);
  o.wait_for_others = Millis(20);
  o.retention = std::move(retention);
  return Consolidator(deps, o);
}

std::string ConsolidationEnv::RunStatus(const std::string& run_id) {
  return Scalar("SELECT status FROM run_metadata WHERE run_id = '" + run_id + "'");
}

std::optional<std::string> ConsolidationEnv::Watermark(const std::string& feed) {
  auto r = conn->Exec(
      "SELECT to_char(last_updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"') FROM watermarks "
      "WHERE feed = $1",
      {pg::P(feed)});
  if (!r.ok()) {
    ADD_FAILURE() << r.status().ToString();
    return std::nullopt;
  }
  if (r->rows() == 0) return std::nullopt;
  return r->GetString(0, 0);
}

int64_t ConsolidationEnv::Count(const std::string& sql) {
  auto r = conn->Exec(sql);
  if (!r.ok() || r->rows() == 0) {
    ADD_FAILURE() << sql << ": " << r.status().ToString();
    return -1;
  }
  return r->GetInt64(0, 0);
}

std::string ConsolidationEnv::Scalar(const std::string& sql) {
  auto r = conn->Exec(sql);
  if (!r.ok() || r->rows() == 0) {
    ADD_FAILURE() << sql << ": " << (r.ok() ? "no row" : r.status().ToString());
    return "";
  }
  return r->GetString(0, 0);
}

std::string ConsolidationEnv::DiamondsSnapshot() {
  auto r = conn->Exec(
      "SELECT coalesce(string_agg(x::text, E'\\n' ORDER BY x->>'supplier_stone_id'), '') FROM ("
      " SELECT to_jsonb(d) - 'id' - 'created_at' - 'updated_at' - 'deleted_at'"
      "   || jsonb_build_object('has_deleted_at', d.deleted_at IS NOT NULL) AS x FROM diamonds d) s");
  if (!r.ok()) {
    ADD_FAILURE() << r.status().ToString();
    return "";
  }
  return r->GetString(0, 0);
}

std::vector<Stone> Stones(int n, const std::string& prefix, int64_t base_price) {
  std::vector<Stone> out;
  for (int i = 0; i < n; ++i) {
    Stone s;
    char id[32];
    std::snprintf(id, sizeof id, "%s-%03d", prefix.c_str(), i);
    s.id = id;
    s.price_cents = base_price + i * 100;
    s.carats = 0.5 + 0.01 * i;
    s.availability = i % 5 == 1 ? "ON HOLD" : i % 5 == 2 ? "UNAVAILABLE" : "AVAILABLE";
    out.push_back(s);
  }
  return out;
}

std::pair<Result<ConsolidationReport>, Result<ConsolidationReport>> ConsolidateAtOnce(Consolidator& a, Consolidator& b,
                                                                                      const std::string& run_id) {
  Result<ConsolidationReport> ra = Status(Code::kInternal, "not run");
  Result<ConsolidationReport> rb = Status(Code::kInternal, "not run");
  std::thread ta([&] { ra = a.ConsolidateRun(run_id, false); });
  std::thread tb([&] { rb = b.ConsolidateRun(run_id, false); });
  ta.join();
  tb.join();
  return {std::move(ra), std::move(rb)};
}

ConsolidationReport MustConsolidate(Consolidator& c, const std::string& run_id, bool force) {
  auto r = c.ConsolidateRun(run_id, force);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : ConsolidationReport{};
}

}  // namespace di::testing

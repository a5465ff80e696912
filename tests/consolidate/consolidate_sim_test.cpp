// End to end with real nivoda-sim items: a full run's pages fetched from a
// nivoda-sim process with the client's own page query and parser, written the
// way the worker writes them, then consolidated. `diamonds` must then equal
// the simulator's inventory (its /admin/dump): same stones, offer ids and
// prices, every offer mapped (the simulator's odd values included: empty
// strings, MEMO, "E1", null cuts, ...).
#include <gtest/gtest.h>

#include <map>

#include "consolidate_support.h"
#include "ingest/raw_writer.h"
#include "nivoda/queries.h"
#include "nivoda/response_parser.h"
#include "roles/consolidator.h"
#include "sim_process.h"

namespace di {
namespace {

using testing::SimProcess;

// Every offer of FEED, page by page (price order, limit 50).
std::vector<nivoda::Offer> FetchAll(const SimProcess& sim, bool labgrown) {
  auto token = sim.Token();
  EXPECT_TRUE(token.ok()) << token.status().ToString();
  std::vector<nivoda::Offer> offers;
  for (int offset = 0;; offset += 50) {
    std::string vars = "{\"token\":" + testing::JsonQuote(*token) +
                       ",\"query\":{\"labgrown\":" + (labgrown ? "true" : "false") +
                       "},\"offset\":" + std::to_string(offset) +
                       ",\"limit\":50,\"order\":{\"type\":\"price\",\"direction\":\"ASC\"}}";
    auto reply = sim.Graphql(std::string(nivoda::kPageQuery), vars);
    EXPECT_TRUE(reply.ok() && reply->status == 200) << (reply.ok() ? reply->body : reply.status().ToString());
    if (!reply.ok()) break;
    auto page = nivoda::ParsePageResponse(reply->body);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok() || page->end()) break;
    EXPECT_TRUE(page->bad_items.empty());
    for (auto& o : page->offers) offers.push_back(std::move(o));
  }
  return offers;
}

TEST(ConsolidatorSim, FullRunOfSimulatorItemsEqualsItsInventory) {
  auto sim = SimProcess::Start({"--natural", "400", "--labgrown", "150", "--seed", "7"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  testing::ConsolidationEnv env;
  for (const char* feed : {"natural", "labgrown"}) {
    const std::string run = std::string("run-") + feed;
    env.CreateRun(run, "full", 1, 1, 0, "2026-02-10T00:00:00.000Z", feed);
    ingest::RawBatch batch;
    batch.offers = FetchAll(**sim, std::string(feed) == "labgrown");
    ASSERT_EQ(batch.offers.size(), std::string(feed) == "labgrown" ? 150u : 400u);
    ASSERT_TRUE(ingest::WriteRawBatch(*env.conn, {run, 0, feed}, batch).ok());
  }
  Consolidator c = env.MakeConsolidator(nullptr, 64, 2);
  for (const char* run : {"run-natural", "run-labgrown"}) {
    auto report = c.ConsolidateRun(run, false);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(report->outcome, ConsolidationOutcome::kCompleted);
    EXPECT_EQ(report->stats.failed, 0);
  }

  auto dump = (*sim)->Dump("all");
  ASSERT_TRUE(dump.ok()) << dump.status().ToString();
  ASSERT_EQ(dump->size(), 550u);
  auto rows = env.conn->Exec("SELECT supplier_stone_id, offer_id, price_cents, payload_hash FROM diamonds");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->rows(), 550);
  std::map<std::string, int> index;
  for (int i = 0; i < rows->rows(); ++i) index[rows->GetString(i, 0)] = i;
  for (const auto& d : *dump) {
    auto it = index.find(d.stone_id);
    ASSERT_NE(it, index.end()) << "stone " << d.stone_id << " missing from diamonds";
    EXPECT_EQ(rows->GetString(it->second, 1), d.offer_id);
    EXPECT_EQ(rows->GetInt64(it->second, 2), d.price_cents);
    EXPECT_EQ(rows->GetString(it->second, 3), d.payload_sha256);
  }
  // Per-feed facts and the normalisations the simulator exercises.
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE lab_grown <> (feed = 'labgrown')"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE availability_raw = 'MEMO' AND availability <> 'on_hold'"),
            0);
  EXPECT_GT(env.Count("SELECT count(*) FROM diamonds WHERE availability = 'on_hold'"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE eye_clean_raw = 'E1' AND eye_clean IS NOT NULL"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE eye_clean_raw IN ('100%', 'yes', 'Yes') AND NOT eye_clean"),
            0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE cut = '' OR girdle = '' OR fluorescence_color = ''"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE price_per_carat_cents <> round(price_cents / carats)"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM diamonds WHERE source_updated_at IS NULL OR shape IS NULL"), 0);
  EXPECT_EQ(env.Count("SELECT count(*) FROM watermarks"), 1);  // the test's store serves both feeds
}

}  // namespace
}  // namespace di

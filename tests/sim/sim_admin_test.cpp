// nivoda-sim ground truth: the admin dump (hash of the served bytes), churn
// over time, pause/resume, triggered batches and incremental visibility.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "common/clock.h"
#include "common/sha256.h"
#include "http_util.h"
#include "sim_item_page.h"

namespace di::sim::testing {
namespace {

using di::testing::ItemPage;
using di::testing::SimDumpRow;
using di::testing::SimProcess;
using nlohmann::json;

std::map<std::string, SimDumpRow> ByStone(const std::vector<SimDumpRow>& rows) {
  std::map<std::string, SimDumpRow> out;
  for (const auto& r : rows) out[r.stone_id] = r;
  return out;
}

TEST(SimAdmin, DumpHashIsSha256OfTheServedItemBytes) {
  auto sim = SimProcess::Start({"--natural", "300", "--labgrown", "200", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  auto token = (*sim)->Token();
  ASSERT_TRUE(token.ok());
  auto dump = (*sim)->Dump();
  ASSERT_TRUE(dump.ok()) << dump.status().ToString();
  ASSERT_EQ(dump->size(), 500u);
  auto rows = ByStone(*dump);
  EXPECT_EQ((*sim)->Dump("labgrown")->size(), 200u);
  size_t checked = 0;
  for (int64_t offset = 0; offset < 500; offset += 50) {
    auto reply = ItemPage(**sim, *token, offset, 50);
    ASSERT_TRUE(reply.ok());
    for (const std::string& raw : RawItems(reply->body)) {
      auto item = json::parse(raw);
      const SimDumpRow& row = rows.at(item["diamond"]["id"].get<std::string>());
      EXPECT_EQ(row.offer_id, item["id"]);
      EXPECT_EQ(row.price_cents, item["price"]);
      EXPECT_EQ(row.updated_at, item["updated_at"]);
      EXPECT_EQ(row.payload_sha256, Sha256Hex(raw)) << raw;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 500u);
}

TEST(SimAdmin, SameSeedSameInventoryAcrossProcesses) {
  auto a = SimProcess::Start({"--natural", "200", "--labgrown", "100", "--seed", "9", "--log-level", "warn"});
  auto b = SimProcess::Start({"--natural", "200", "--labgrown", "100", "--seed", "9", "--log-level", "warn"});
  auto c = SimProcess::Start({"--natural", "200", "--labgrown", "100", "--seed", "10", "--log-level", "warn"});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  auto da = (*a)->Dump(), db = (*b)->Dump(), dc = (*c)->Dump();
  ASSERT_EQ(da->size(), 300u);
  for (size_t i = 0; i < da->size(); ++i) {
    EXPECT_EQ((*da)[i].stone_id, (*db)[i].stone_id);
    EXPECT_EQ((*da)[i].payload_sha256, (*db)[i].payload_sha256);
  }
  EXPECT_NE((*da)[0].stone_id, (*dc)[0].stone_id);
}

TEST(SimAdmin, TriggeredChurnChangesExactlyWhatItReports) {
  auto sim = SimProcess::Start({"--natural", "1000", "--labgrown", "0", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok());
  auto token = (*sim)->Token();
  ASSERT_TRUE(token.ok());
  auto before = ByStone(*(*sim)->Dump());
  std::string since;
  {
    auto now = std::chrono::system_clock::now() - std::chrono::milliseconds(5);
    since = FormatIso8601(now);
  }
  auto done = (*sim)->TriggerChurn({0.05, 0.03, 0.02, 0.01});
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(done->reprice, 50);
  EXPECT_EQ(done->payload, 30);
  EXPECT_EQ(done->add, 20);
  EXPECT_EQ(done->remove, 10);
  auto after = ByStone(*(*sim)->Dump());
  EXPECT_EQ(after.size(), 1010u);
  int added = 0, removed = 0, changed = 0, repriced = 0;
  for (const auto& [stone, row] : after) {
    auto it = before.find(stone);
    if (it == before.end()) {
      ++added;
      continue;
    }
    if (row.offer_id != it->second.offer_id) {
      ++changed;
      EXPECT_GT(row.updated_at, it->second.updated_at);
      EXPECT_NE(row.payload_sha256, it->second.payload_sha256);
      repriced += row.price_cents != it->second.price_cents;
    } else {
      EXPECT_EQ(row.payload_sha256, it->second.payload_sha256);
    }
  }
  for (const auto& [stone, row] : before) removed += after.count(stone) == 0;
  EXPECT_EQ(added, 20);
  EXPECT_EQ(removed, 10);
  EXPECT_GE(repriced, 40);  // random picks may repeat or hit removed stones
  EXPECT_LE(changed, 80);
  // An incremental query over `updated` sees exactly the changed and added offers.
  int64_t recent = Count(**sim, *token, {{"updated", {{"from", since}}}});
  int changed_live = 0;
  for (const auto& [stone, row] : after) changed_live += row.updated_at >= since;
  EXPECT_EQ(recent, changed_live);
  EXPECT_EQ(recent, changed + added);
  auto counters = (*sim)->Counters();
  EXPECT_EQ(counters->churn_reprice, 50);
  EXPECT_EQ(counters->natural, 1010);
}

TEST(SimAdmin, ChurnOverTimeAndPauseResume) {
  auto sim = SimProcess::Start({"--natural", "2000", "--labgrown", "0", "--churn-reprice-per-min", "60000",
                                "--churn-add-per-min", "6000", "--churn-remove-per-min", "6000",
                                "--churn-payload-per-min", "6000", "--churn-tick-ms", "50", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  auto c1 = (*sim)->Counters();
  ASSERT_TRUE(c1.ok());
  EXPECT_GT(c1->churn_reprice, 200);  // ~1000/s
  EXPECT_GT(c1->churn_add, 10);
  EXPECT_GT(c1->churn_remove, 10);
  EXPECT_GT(c1->churn_payload, 10);
  ASSERT_TRUE((*sim)->PauseChurn().ok());
  auto paused = (*sim)->Counters();
  EXPECT_TRUE(paused->churn_paused);
  auto dump1 = (*sim)->Dump();
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto c2 = (*sim)->Counters();
  auto dump2 = (*sim)->Dump();
  EXPECT_EQ(c2->churn_reprice, paused->churn_reprice);
  ASSERT_EQ(dump1->size(), dump2->size());
  for (size_t i = 0; i < dump1->size(); ++i) EXPECT_EQ((*dump1)[i].offer_id, (*dump2)[i].offer_id);
  ASSERT_TRUE((*sim)->ResumeChurn().ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_GT((*sim)->Counters()->churn_reprice, c2->churn_reprice + 100);
}

TEST(SimAdmin, CountersByOperationAndReset) {
  auto sim = SimProcess::Start({"--natural", "100", "--labgrown", "0", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok());
  auto token = (*sim)->Token();
  Count(**sim, *token, json::object());
  PageJson(**sim, *token, json::object(), 0, 5, json(nullptr), "id");
  ASSERT_TRUE((*sim)->Graphql("{ nope }").ok());  // answered (with a GraphQL error), so counted
  auto c = (*sim)->Counters();
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->requests, 4);
  EXPECT_EQ(c->requests_by_operation["authenticate"], 1);
  EXPECT_EQ(c->requests_by_operation["diamonds_by_query_count"], 1);
  EXPECT_EQ(c->requests_by_operation["diamonds_by_query"], 1);
  EXPECT_EQ(c->requests_by_operation["invalid"], 1);
  EXPECT_EQ(c->tokens_issued, 1);
  ASSERT_TRUE((*sim)->ResetCounters().ok());
  EXPECT_EQ((*sim)->Counters()->requests, 0);
  EXPECT_EQ((*sim)->Get("/admin/health")->body, "ok\n");
}

}  // namespace
}  // namespace di::sim::testing

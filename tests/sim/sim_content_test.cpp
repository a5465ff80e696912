// nivoda-sim content faults: --bad-offer-fraction serves some stones without a
// required field (price or diamond.id) and --hostile-text-fraction serves
// SQL/JSON/COPY-hostile text in every text field; both fixed per stone, so the
// dump and every page agree. Checked through the client's own page parser.
// Also GET /admin/tokens (the tokens issued, for the log-secrecy tests).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/sha256.h"
#include "http_util.h"
#include "nivoda/response_parser.h"
#include "sim/item_content.h"
#include "sim_item_page.h"

namespace di::sim::testing {
namespace {

using di::testing::ItemPage;
using di::testing::SimProcess;
using nlohmann::json;

struct Served {
  std::vector<std::string> raw;      // every item, in order
  std::vector<nivoda::BadItem> bad;  // as the client's parser classifies them
  std::vector<nivoda::Offer> good;
};

Served FetchAll(SimProcess& sim, int64_t total) {
  Served out;
  auto token = sim.Token();
  EXPECT_TRUE(token.ok());
  for (int64_t offset = 0; offset < total; offset += 50) {
    auto reply = ItemPage(sim, *token, offset, 50);
    EXPECT_TRUE(reply.ok());
    if (!reply.ok()) break;
    for (auto& r : RawItems(reply->body)) out.raw.push_back(r);
    auto page = nivoda::ParsePageResponse(reply->body);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    for (auto& b : page->bad_items) out.bad.push_back(b);
    for (auto& o : page->offers) out.good.push_back(o);
  }
  return out;
}

TEST(SimContent, BadOffersLackPriceOrStoneIdAndTheRestOfThePageIsIntact) {
  auto sim = SimProcess::Start(
      {"--natural", "2000", "--labgrown", "0", "--bad-offer-fraction", "0.02", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  Served served = FetchAll(**sim, 2000);
  ASSERT_EQ(served.raw.size(), 2000u);
  std::map<std::string, int> reasons;
  for (const auto& b : served.bad) ++reasons[b.reason];
  EXPECT_GT(reasons["missing price"], 5) << served.bad.size();
  EXPECT_GT(reasons["missing diamond.id"], 5) << served.bad.size();
  EXPECT_EQ(reasons.size(), 2u);
  EXPECT_EQ(served.bad.size() + served.good.size(), 2000u);
  EXPECT_LT(served.bad.size(), 100u);  // about 2%
  // The dump lists every stone, bad ones too, with the hash of the bytes served.
  auto dump = (*sim)->Dump();
  ASSERT_TRUE(dump.ok());
  std::set<std::string> dumped;
  for (const auto& row : *dump) dumped.insert(row.payload_sha256);
  for (const auto& raw : served.raw) EXPECT_TRUE(dumped.count(Sha256Hex(raw))) << raw;
  // Same stones bad on a second read (fixed per stone, not a per-request draw).
  Served again = FetchAll(**sim, 2000);
  ASSERT_EQ(again.bad.size(), served.bad.size());
  for (size_t i = 0; i < served.bad.size(); ++i) EXPECT_EQ(again.bad[i].raw_json, served.bad[i].raw_json);
}

TEST(SimContent, HostileTextInEveryTextFieldIsValidJsonAndRoundTrips) {
  auto sim = SimProcess::Start(
      {"--natural", "1000", "--labgrown", "0", "--hostile-text-fraction", "0.05", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  Served served = FetchAll(**sim, 1000);
  ASSERT_EQ(served.good.size(), 1000u);
  EXPECT_TRUE(served.bad.empty());
  int hostile = 0;
  const std::string text(kHostileText);
  for (const auto& raw : served.raw) {
    json item = json::parse(raw);
    if (item["diamond"]["certificate"]["shape"] != text) continue;
    ++hostile;
    EXPECT_EQ(item["diamond"]["supplier"]["name"], text);
    EXPECT_EQ(item["diamond"]["certificate"]["comments"], text);
    EXPECT_EQ(item["diamond"]["availability"], text);
    EXPECT_EQ(item["diamond"]["NivodaStockId"], text);
    EXPECT_NE(item["diamond"]["id"], text);  // ids stay ids
    EXPECT_TRUE(item["price"].is_number());
  }
  EXPECT_GT(hostile, 20);
  EXPECT_LT(hostile, 100);
  auto dump = (*sim)->Dump();
  ASSERT_TRUE(dump.ok());
  std::set<std::string> dumped;
  for (const auto& row : *dump) dumped.insert(row.payload_sha256);
  for (const auto& raw : served.raw) EXPECT_TRUE(dumped.count(Sha256Hex(raw)));
}

TEST(SimContent, NoContentFaultsByDefault) {
  ItemContent none;
  for (uint32_t stone = 0; stone < 10000; ++stone) EXPECT_EQ(ContentOf(1, stone, none), StoneContent::kNormal);
  ItemContent all{0.5, 0.5};
  std::map<StoneContent, int> kinds;
  for (uint32_t stone = 0; stone < 10000; ++stone) ++kinds[ContentOf(1, stone, all)];
  EXPECT_EQ(kinds[StoneContent::kNormal], 0);
  EXPECT_GT(kinds[StoneContent::kHostile], 4500);
  EXPECT_GT(kinds[StoneContent::kNoPrice], 2000);
  EXPECT_GT(kinds[StoneContent::kNoStoneId], 2000);
}

}  // namespace
}  // namespace di::sim::testing

namespace di::sim::testing {
namespace {

TEST(SimTokens, AdminTokensListsEveryIssuedTokenUntilRevoked) {
  auto sim = di::testing::SimProcess::Start({"--natural", "10", "--labgrown", "0", "--log-level", "warn"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  auto empty = (*sim)->Get("/admin/tokens");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(empty->body, "");
  auto a = (*sim)->Token();
  auto b = (*sim)->Token();
  ASSERT_TRUE(a.ok() && b.ok());
  auto listed = (*sim)->Get("/admin/tokens");
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->status, 200);
  std::string expected = std::min(*a, *b) + "\n" + std::max(*a, *b) + "\n";
  EXPECT_EQ(listed->body, expected);
  ASSERT_TRUE((*sim)->RevokeTokens().ok());
  EXPECT_EQ((*sim)->Get("/admin/tokens")->body, "");
}

}  // namespace
}  // namespace di::sim::testing

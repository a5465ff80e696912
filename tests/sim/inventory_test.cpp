#include "sim/inventory.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "sim/catalog.h"
#include "unit_fixture.h"

namespace di::sim {
namespace {

using testing::SmallInventory;

int64_t BruteCount(const Inventory& inv, const DiamondQuery& q) {
  int64_t n = 0;
  for (const Offer& o : inv.Snapshot()) n += q.Matches(o) ? 1 : 0;
  return n;
}

TEST(Inventory, SameSeedSameOffers) {
  SmallInventory a(500, 200, 3), b(500, 200, 3), c(500, 200, 4);
  auto sa = a.inventory->Snapshot(), sb = b.inventory->Snapshot(), sc = c.inventory->Snapshot();
  ASSERT_EQ(sa.size(), 700u);
  int differ = 0;
  for (size_t i = 0; i < sa.size(); ++i) {
    EXPECT_EQ(sa[i].offer_key, sb[i].offer_key);
    EXPECT_EQ(sa[i].price_cents, sb[i].price_cents);
    differ += sa[i].price_cents != sc[i].price_cents;
  }
  EXPECT_GT(differ, 600);
}

TEST(Inventory, PriceCountsUseInclusiveWholeDollarsAndMatchAScan) {
  SmallInventory s;
  const Inventory& inv = *s.inventory;
  for (auto [from, to] :
       std::vector<std::pair<int64_t, int64_t>>{{0, 499}, {500, 500}, {1000, 1999}, {250000, 99999999}}) {
    DiamondQuery q;
    q.price_cents = Bounds{from * 100, to * 100};
    EXPECT_TRUE(q.PriceOnly());
    EXPECT_EQ(inv.Count(q), BruteCount(inv, q)) << from << ".." << to;
    q.labgrown = false;
    EXPECT_EQ(inv.Count(q), BruteCount(inv, q));
  }
  DiamondQuery all;
  EXPECT_EQ(inv.Count(all), 4500);
}

TEST(Inventory, FractionalPriceSitsInsideItsWholeDollar) {
  SmallInventory s;
  Offer fractional;
  for (const Offer& o : s.inventory->Snapshot()) {
    if (o.price_cents % 100 != 0) {
      fractional = o;
      break;
    }
  }
  ASSERT_NE(fractional.price_cents % 100, 0);
  DiamondQuery q;
  int64_t dollar = fractional.price_cents / 100;
  q.price_cents = Bounds{dollar * 100, (dollar + 1) * 100};
  bool found = false;
  for (const Offer& o : s.inventory->Page(q, {}, 0, 50, 1).offers) found = found || o.stone == fractional.stone;
  EXPECT_TRUE(found) << "{d, d+1} holds an offer at d.xx";
  q.price_cents = Bounds{dollar * 100, dollar * 100};
  for (const Offer& o : s.inventory->Page(q, {}, 0, 50, 1).offers) EXPECT_NE(o.stone, fractional.stone);
  q.price_cents = Bounds{(dollar + 1) * 100, (dollar + 1) * 100};
  for (const Offer& o : s.inventory->Page(q, {}, 0, 50, 1).offers) EXPECT_NE(o.stone, fractional.stone);
}

TEST(Inventory, AboutTwoPercentAboveTheHighestBandForTheShippedShape) {
  SmallInventory s(20000, 0);
  DiamondQuery q;
  q.price_cents = Bounds{250000 * 100, INT64_MAX};
  double share = static_cast<double>(s.inventory->Count(q)) / 20000.0;
  EXPECT_NEAR(share, 7.0 / 357.0, 0.006);
}

TEST(Inventory, EveryFilterMatchesAScanAndNarrows) {
  SmallInventory s;
  const Inventory& inv = *s.inventory;
  std::vector<std::pair<const char*, DiamondQuery>> cases;
  auto add = [&](const char* name, auto set) {
    DiamondQuery q;
    set(q);
    cases.emplace_back(name, q);
  };
  add("dollar_per_carat", [](DiamondQuery& q) { q.ppc_cents = Bounds{100000, 399999}; });
  add("updated", [](DiamondQuery& q) { q.updated_ms = Bounds{1770922873001 - 90LL * 86400000, 1770922873001}; });
  add("sizes", [](DiamondQuery& q) { q.carat_hundredths = Bounds{50, 100}; });
  add("labgrown", [](DiamondQuery& q) { q.labgrown = true; });
  add("has_image", [](DiamondQuery& q) { q.has_image = true; });
  add("has_v360", [](DiamondQuery& q) { q.has_v360 = false; });
  add("excludeFairPoorCuts", [](DiamondQuery& q) { q.exclude_fair_poor_cuts = true; });
  add("hide_memo", [](DiamondQuery& q) { q.hide_memo = true; });
  add("shapes", [](DiamondQuery& q) {
    q.has_shapes = true;
    q.shapes = {0, 1};
  });
  add("availability", [](DiamondQuery& q) {
    q.has_availability = true;
    q.availability = {1, 2};
  });
  for (const auto& [name, q] : cases) {
    int64_t n = inv.Count(q);
    EXPECT_EQ(n, BruteCount(inv, q)) << name;
    EXPECT_GT(n, 0) << name;
    EXPECT_LT(n, 4500) << name;
    for (const Offer& o : inv.Page(q, {OrderType::kPrice, false}, 0, 50, 9).offers) EXPECT_TRUE(q.Matches(o)) << name;
  }
}

TEST(Inventory, InvertedRangeMatchesEverything) {
  SmallInventory s;
  DiamondQuery q;
  q.price_cents = Bounds{500000, 100099, true};
  EXPECT_EQ(s.inventory->Count(q), 4500);
}

TEST(Inventory, EveryOrderSortsByItsKeyBothWays) {
  SmallInventory s;
  DiamondQuery q;
  for (size_t t = 0; t < OrderTypeNames().size(); ++t) {
    for (bool desc : {false, true}) {
      Order order{static_cast<OrderType>(t), desc};
      auto page = s.inventory->Page(q, order, 100, 50, 5).offers;
      ASSERT_EQ(page.size(), 50u);
      for (size_t i = 1; i < page.size(); ++i) {
        int64_t a = OrderKey(order.type, page[i - 1]), b = OrderKey(order.type, page[i]);
        if (order.type == OrderType::kNone) {
          EXPECT_LT(page[i - 1].insert_seq, page[i].insert_seq);  // storage order
        } else {
          EXPECT_TRUE(desc ? a >= b : a <= b) << OrderTypeNames()[t] << (desc ? " DESC" : " ASC");
        }
      }
    }
  }
}

TEST(Inventory, TiesComeBackInADifferentOrderPerCallSalt) {
  SmallInventory s;
  DiamondQuery q;
  Order by_color{OrderType::kColor, false};
  auto a = s.inventory->Page(q, by_color, 0, 50, 1).offers;
  auto b = s.inventory->Page(q, by_color, 0, 50, 2).offers;
  auto a2 = s.inventory->Page(q, by_color, 0, 50, 1).offers;
  std::vector<uint32_t> ia, ib, ia2;
  for (auto& o : a) ia.push_back(o.stone);
  for (auto& o : b) ib.push_back(o.stone);
  for (auto& o : a2) ia2.push_back(o.stone);
  EXPECT_EQ(ia, ia2);
  EXPECT_NE(ia, ib);
  for (auto& o : b) EXPECT_EQ(o.color, 0);  // all D: only the tie order differs
}

TEST(Inventory, MutateRepricesAddsRemovesAndKeepsTheIndexConsistent) {
  SmallInventory s;
  Inventory& inv = *s.inventory;
  auto before = inv.Snapshot();
  Rng rng(11);
  int64_t now = 1780000000000;
  ChurnCounts done = inv.Mutate({100, 50, 30, 20}, rng, now);
  EXPECT_EQ(done.reprice, 100);
  EXPECT_EQ(done.add, 30);
  EXPECT_EQ(done.remove, 20);
  auto after = inv.Snapshot();
  EXPECT_EQ(after.size(), before.size() + 10);
  DiamondQuery recent;
  recent.updated_ms = Bounds{now, INT64_MAX};
  int64_t changed = inv.Count(recent);
  EXPECT_GT(changed, 150);  // some picks repeat; adds are recent too
  EXPECT_LE(changed, 180);
  for (auto [from, to] : std::vector<std::pair<int64_t, int64_t>>{{0, 999}, {1000, 99999999}}) {
    DiamondQuery q;
    q.price_cents = Bounds{from * 100, to * 100};
    EXPECT_EQ(inv.Count(q), BruteCount(inv, q));
  }
  // `updated` windows (served from the updated_at index) after the churn,
  // with and without a feed or a price filter; pages hold the same offers.
  for (auto [lo, hi] : std::vector<std::pair<int64_t, int64_t>>{
           {now, INT64_MAX}, {INT64_MIN, now - 1}, {1770922873001 - 30LL * 86400000, now}}) {
    for (int variant = 0; variant < 3; ++variant) {
      DiamondQuery q;
      q.updated_ms = Bounds{lo, hi};
      if (variant == 1) q.labgrown = false;
      if (variant == 2) q.price_cents = Bounds{0, 99999};
      EXPECT_EQ(inv.Count(q), BruteCount(inv, q)) << lo << ".." << hi << " variant " << variant;
      auto page = inv.Page(q, Order{OrderType::kInsert, false}, 0, 1000000, 1);
      EXPECT_EQ(static_cast<int64_t>(page.offers.size()), BruteCount(inv, q));
    }
  }
  std::set<uint32_t> stones;
  for (const Offer& o : after) stones.insert(o.stone);
  EXPECT_EQ(stones.size(), after.size());
}

}  // namespace
}  // namespace di::sim

namespace di::sim {
namespace {

// The price-order fast path (one feed, price filter only) must give exactly
// the generic order: by price, ties by the salted hash, both directions.
TEST(Inventory, PriceOrderFastPathMatchesTheDefinitionEvenWithMassiveTies) {
  for (double whole : {0.25, 1.0}) {
    Density d;
    d.timestamp = "2026-02-12T19:01:13.001Z";
    d.bands = whole == 1.0 ? std::vector<DensityBand>{{1000, 1002, 10}} : std::vector<DensityBand>{{0, 5000, 10}};
    d.baseline = 10;
    PriceSampler sampler(d, whole);
    GeneratorOptions options;
    options.as_of_ms = 1770922873001;
    OfferGenerator generator(options, &sampler);
    Inventory inv(&generator, 2000, 0);
    DiamondQuery q;
    q.labgrown = false;
    q.price_cents = Bounds{100000, 500099};
    std::vector<Offer> all;
    for (const Offer& o : inv.Snapshot()) {
      if (q.Matches(o)) all.push_back(o);
    }
    for (bool desc : {false, true}) {
      uint64_t salt = 77;
      auto sorted = all;
      std::sort(sorted.begin(), sorted.end(), [&](const Offer& a, const Offer& b) {
        int64_t ka = desc ? -a.price_cents : a.price_cents, kb = desc ? -b.price_cents : b.price_cents;
        return ka != kb ? ka < kb : HashOf(salt, a.stone) < HashOf(salt, b.stone);
      });
      for (int64_t offset : std::vector<int64_t>{0, 37, 500, static_cast<int64_t>(sorted.size()) - 10}) {
        auto page = inv.Page(q, {OrderType::kPrice, desc}, offset, 50, salt);
        EXPECT_EQ(page.matched, static_cast<int64_t>(sorted.size()));
        ASSERT_EQ(page.offers.size(), std::min<size_t>(50, sorted.size() - offset));
        for (size_t i = 0; i < page.offers.size(); ++i) {
          ASSERT_EQ(page.offers[i].stone, sorted[offset + i].stone)
              << whole << " " << desc << " " << offset << " " << i;
        }
      }
    }
  }
}

}  // namespace
}  // namespace di::sim

// Pure pieces of the simulator: density, rate limiter, faults, latency, churn
// arithmetic, item JSON.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/clock.h"
#include "sim/churn.h"
#include "sim/density.h"
#include "sim/faults.h"
#include "sim/item_writer.h"
#include "sim/rate_limiter.h"
#include "sim/selection.h"
#include "unit_fixture.h"

namespace di::sim {
namespace {

TEST(Density, ParsesBandsAndRejectsBadFiles) {
  auto d = ParseDensity(R"({"timestamp":"2026-02-12T19:01:13.001Z","baseline":120,
                           "dollar_value":[{"from":0,"to":9,"count":60},{"from":10,"to":10,"count":40}]})");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(d->bands.size(), 2u);
  EXPECT_EQ(d->baseline, 120);
  PriceSampler sampler(*d, 0.0);
  EXPECT_NEAR(sampler.tail_fraction(), 20.0 / 120.0, 1e-9);
  EXPECT_FALSE(ParseDensity("[]").ok());
  EXPECT_FALSE(ParseDensity(R"({"dollar_value":[{"from":5,"to":1,"count":3}]})").ok());
  EXPECT_FALSE(ParseDensity(R"({"dollar_value":[]})").ok());
}

TEST(Density, SingleWholeDollarBandHoldsEveryOffer) {
  auto d = ParseDensity(R"({"dollar_value":[{"from":1000,"to":1000,"count":5000}]})");
  ASSERT_TRUE(d.ok());
  PriceSampler sampler(*d, 0.5);
  Rng rng(1);
  int fractional = 0;
  for (int i = 0; i < 2000; ++i) {
    int64_t cents = sampler.SampleCents(rng);
    ASSERT_EQ(cents / 100, 1000);
    fractional += cents % 100 != 0;
  }
  EXPECT_GT(fractional, 800);
  EXPECT_LT(fractional, 1200);
}

TEST(Density, ABandFromZeroNeverYieldsAFreeOffer) {
  auto d = ParseDensity(R"({"dollar_value":[{"from":0,"to":1,"count":5000}]})");
  ASSERT_TRUE(d.ok());
  PriceSampler sampler(*d, 1.0);  // whole dollars only: $0 or $1
  Rng rng(3);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sampler.SampleCents(rng), 100);
}

TEST(RateLimiter, BurstThenRefillsAtTheRate) {
  RateLimiter limiter(10, 5);
  for (int i = 0; i < 5; ++i) EXPECT_TRUE(limiter.Acquire(1000).allowed);
  auto refused = limiter.Acquire(1000);
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after_ms, 100);
  EXPECT_TRUE(limiter.Acquire(1100).allowed);
  EXPECT_FALSE(limiter.Acquire(1100).allowed);
  int allowed = 0;
  for (int64_t t = 2000; t < 3000; t += 10) allowed += limiter.Acquire(t).allowed;
  EXPECT_NEAR(allowed, 10 + 5, 1);  // a full bucket, then the rate
  RateLimiter off(0, 0);
  EXPECT_FALSE(off.enabled());
  EXPECT_TRUE(off.Acquire(0).allowed);
}

TEST(Faults, DrawsEachKindAtItsProbability) {
  FaultConfig config;
  config.http503 = 0.2;
  config.reset = 0.1;
  Rng rng(3);
  int n503 = 0, reset = 0, none = 0;
  for (int i = 0; i < 10000; ++i) {
    Fault f = DrawFault(config, rng);
    n503 += f == Fault::kHttp503;
    reset += f == Fault::kReset;
    none += f == Fault::kNone;
  }
  EXPECT_NEAR(n503, 2000, 200);
  EXPECT_NEAR(reset, 1000, 150);
  EXPECT_EQ(n503 + reset + none, 10000);
  EXPECT_EQ(DrawFault(FaultConfig{}, rng), Fault::kNone);
}

TEST(Latency, MedianIsBaseAndDeepOffsetsAreSlower) {
  LatencyModel model;
  model.base_ms = 1500;
  model.jitter = 0.3;
  model.per_1k_offset_ms = 200;
  Rng rng(5);
  std::vector<int64_t> shallow;
  for (int i = 0; i < 2001; ++i) shallow.push_back(model.DelayMs(0, rng));
  std::nth_element(shallow.begin(), shallow.begin() + 1000, shallow.end());
  EXPECT_NEAR(shallow[1000], 1500, 75);
  LatencyModel flat;
  flat.base_ms = 100;
  EXPECT_EQ(flat.DelayMs(0, rng), 100);
  flat.per_1k_offset_ms = 200;
  EXPECT_EQ(flat.DelayMs(100000, rng), 100 + 20000);
  EXPECT_EQ(LatencyModel{}.DelayMs(5000, rng), 0);
}

TEST(Churn, DueChangesCarryFractions) {
  ChurnRates rates;
  rates.reprice_per_min = 90;  // 1.5/s
  double carry[4] = {0, 0, 0, 0};
  int64_t total = 0;
  for (int i = 0; i < 10; ++i) total += DueChanges(rates, 200, carry).reprice;
  EXPECT_EQ(total, 3);  // 2 s at 1.5/s
  ChurnCounts c = CountsFor({0.1, 0, 0.001, 0}, 1000);
  EXPECT_EQ(c.reprice, 100);
  EXPECT_EQ(c.payload, 0);
  EXPECT_EQ(c.add, 1);
}

TEST(ItemWriter, FullSelectionIsValidDeterministicJsonWithEveryField) {
  testing::SmallInventory s(200, 100);
  int nulls = 0;
  for (const Offer& o : s.inventory->Snapshot()) {
    std::string a, b;
    WriteItem(&a, o, 7, FullItemSelection());
    WriteItem(&b, o, 7, FullItemSelection());
    ASSERT_EQ(a, b);
    auto j = nlohmann::json::parse(a, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << a;
    EXPECT_EQ(j["id"], OfferId(o.offer_key));
    EXPECT_EQ(j["diamond"]["id"], StoneId(7, o.stone));
    EXPECT_EQ(j["price"], o.price_cents);
    EXPECT_EQ(j["diamond"]["certificate"].size(), 38u);
    nulls += j["diamond"]["eyeClean"].is_null();
  }
  EXPECT_GT(nulls, 30);
}

TEST(ItemWriter, Iso8601MatchesTheCommonFormatter) {
  for (int64_t ms : {0LL, 1770922873001LL, 951782400000LL, 4102444799999LL}) {
    std::string out;
    AppendIso8601(&out, ms);
    EXPECT_EQ(out, FormatIso8601(WallTime(Millis(ms))));
  }
}

}  // namespace
}  // namespace di::sim

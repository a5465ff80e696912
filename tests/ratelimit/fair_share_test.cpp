#include "ratelimit/fair_share.h"

#include <gtest/gtest.h>

namespace di::ratelimit {
namespace {

constexpr double kNow = 100000;
constexpr double kHorizon = 2000;

TEST(FairShareTest, AFlowAloneMayHoldTheWholeHorizon) {
  const std::vector<FlowRow> flows = {{"natural", kNow + 1900, kNow}};
  const FairShareDecision d = DecideFairShare(flows, "natural", kNow, kHorizon);
  EXPECT_TRUE(d.may_reserve);
  EXPECT_EQ(d.active_flows, 1);
}

TEST(FairShareTest, TwoActiveFlowsMayEachHoldHalf) {
  const std::vector<FlowRow> flows = {{"natural", kNow + 1200, kNow - 10}, {"labgrown", kNow + 400, kNow - 5}};
  const FairShareDecision natural = DecideFairShare(flows, "natural", kNow, kHorizon);
  EXPECT_FALSE(natural.may_reserve);
  EXPECT_EQ(natural.active_flows, 2);
  EXPECT_DOUBLE_EQ(natural.wait_ms, 201);  // until it holds less than 1000 ms
  const FairShareDecision labgrown = DecideFairShare(flows, "labgrown", kNow, kHorizon);
  EXPECT_TRUE(labgrown.may_reserve);
}

TEST(FairShareTest, AFlowThatStoppedAskingIsNotCounted) {
  const std::vector<FlowRow> flows = {{"natural", kNow + 1200, kNow - 10}, {"labgrown", kNow - 3000, kNow - 1500}};
  EXPECT_TRUE(DecideFairShare(flows, "natural", kNow, kHorizon).may_reserve);
  EXPECT_EQ(DecideFairShare(flows, "natural", kNow, kHorizon).active_flows, 1);
}

TEST(FairShareTest, ANewFlowMayReserveAtOnce) {
  const std::vector<FlowRow> flows = {{"natural", kNow + 1900, kNow}};
  const FairShareDecision d = DecideFairShare(flows, "labgrown", kNow, kHorizon);
  EXPECT_TRUE(d.may_reserve);
  EXPECT_EQ(d.active_flows, 2);
}

TEST(FairShareTest, SlotsInThePastAreNotHeld) {
  const std::vector<FlowRow> flows = {{"natural", kNow - 500, kNow}, {"labgrown", kNow + 900, kNow}};
  EXPECT_TRUE(DecideFairShare(flows, "natural", kNow, kHorizon).may_reserve);
}

TEST(FairShareTest, TheUnnamedFlowIsNeverHeldBackNorCounted) {
  const std::vector<FlowRow> flows = {{"", kNow + 1999, kNow}, {"natural", kNow + 1500, kNow}};
  EXPECT_TRUE(DecideFairShare(flows, "", kNow, kHorizon).may_reserve);
  const FairShareDecision natural = DecideFairShare(flows, "natural", kNow, kHorizon);
  EXPECT_TRUE(natural.may_reserve);
  EXPECT_EQ(natural.active_flows, 1);
}

TEST(FairShareTest, ThreeFlowsShareInThirds) {
  const std::vector<FlowRow> flows = {
      {"a", kNow + 700, kNow}, {"b", kNow + 600, kNow}, {"c", kNow + 100, kNow}};
  EXPECT_FALSE(DecideFairShare(flows, "a", kNow, kHorizon).may_reserve);  // 700 >= 666.7
  EXPECT_TRUE(DecideFairShare(flows, "b", kNow, kHorizon).may_reserve);
  EXPECT_EQ(DecideFairShare(flows, "c", kNow, kHorizon).active_flows, 3);
}

}  // namespace
}  // namespace di::ratelimit

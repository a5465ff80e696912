#include "nivoda/request_builder.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "nivoda/queries.h"

namespace di::nivoda {
namespace {

using nlohmann::json;

TEST(RequestBuilder, AuthenticateBody) {
  json body = json::parse(BuildAuthenticateBody("user@x", "p\"ss"));
  EXPECT_EQ(body["query"], std::string(kAuthenticateQuery));
  EXPECT_EQ(body["variables"]["username"], "user@x");
  EXPECT_EQ(body["variables"]["password"], "p\"ss");
}

TEST(RequestBuilder, CountBodyCarriesTokenAndOnlySetFields) {
  DiamondQuery q;
  q.dollar_value = DollarRange{100, 200};
  q.labgrown = false;
  json body = json::parse(BuildCountBody("tok", q).value());
  EXPECT_EQ(body["query"], std::string(kCountQuery));
  EXPECT_EQ(body["variables"]["token"], "tok");
  EXPECT_EQ(body["variables"]["query"], json::parse(R"({"dollar_value":{"from":100,"to":200},"labgrown":false})"));
}

TEST(RequestBuilder, OpenEndedRangeOmitsTo) {
  DiamondQuery q;
  q.dollar_value = DollarRange{250000, std::nullopt};
  EXPECT_EQ(json::parse(DiamondQueryJson(q).value()), json::parse(R"({"dollar_value":{"from":250000}})"));
}

TEST(RequestBuilder, AllFields) {
  DiamondQuery q;
  q.dollar_value = DollarRange{0, 10};
  q.dollar_per_carat = DollarRange{5, 5};
  q.updated = TimeRange{"2026-02-01T00:00:00.000Z", "2026-02-02T00:00:00.000Z"};
  q.labgrown = true;
  q.shapes = {"ROUND", "OVAL"};
  q.sizes = CaratRange{0.5, 1.5};
  q.availability = {"AVAILABLE"};
  q.has_image = true;
  q.has_v360 = false;
  q.exclude_fair_poor_cuts = true;
  q.hide_memo = true;
  json expected = json::parse(R"({
    "dollar_value": {"from": 0, "to": 10},
    "dollar_per_carat": {"from": 5, "to": 5},
    "updated": {"from": "2026-02-01T00:00:00.000Z", "to": "2026-02-02T00:00:00.000Z"},
    "labgrown": true, "shapes": ["ROUND", "OVAL"], "sizes": {"from": 0.5, "to": 1.5},
    "availability": ["AVAILABLE"], "has_image": true, "has_v360": false,
    "excludeFairPoorCuts": true, "hide_memo": true})");
  EXPECT_EQ(json::parse(DiamondQueryJson(q).value()), expected);
}

TEST(RequestBuilder, RefusesInvertedRanges) {
  DiamondQuery q;
  q.dollar_value = DollarRange{201, 200};
  EXPECT_EQ(BuildCountBody("t", q).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(BuildPageBody("t", q, 0, 50, Order{}).status().code(), Code::kInvalidArgument);

  DiamondQuery per_carat;
  per_carat.dollar_per_carat = DollarRange{10, 9};
  EXPECT_EQ(per_carat.Validate().code(), Code::kInvalidArgument);

  DiamondQuery sizes;
  sizes.sizes = CaratRange{2.0, 1.0};
  EXPECT_EQ(sizes.Validate().code(), Code::kInvalidArgument);

  DiamondQuery updated;
  updated.updated = TimeRange{"2026-02-02T00:00:00Z", "2026-02-01T23:59:59.999Z"};
  EXPECT_EQ(updated.Validate().code(), Code::kInvalidArgument);
}

TEST(RequestBuilder, EqualBoundsAreFine) {
  DiamondQuery q;
  q.dollar_value = DollarRange{200, 200};
  q.updated = TimeRange{"2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z"};
  EXPECT_TRUE(q.Validate().ok());
}

TEST(RequestBuilder, RefusesNegativeAndMalformedValues) {
  DiamondQuery negative;
  negative.dollar_value = DollarRange{-1, 5};
  EXPECT_EQ(negative.Validate().code(), Code::kInvalidArgument);
  DiamondQuery bad_time;
  bad_time.updated = TimeRange{"yesterday", std::nullopt};
  EXPECT_EQ(bad_time.Validate().code(), Code::kInvalidArgument);
}

TEST(RequestBuilder, PageBody) {
  DiamondQuery q;
  q.dollar_value = DollarRange{1, 2};
  json body = json::parse(BuildPageBody("tok", q, 4950, 50, Order{"price", Direction::kDesc}).value());
  EXPECT_EQ(body["query"], std::string(kPageQuery));
  const json& v = body["variables"];
  EXPECT_EQ(v["token"], "tok");
  EXPECT_EQ(v["offset"], 4950);
  EXPECT_EQ(v["limit"], 50);
  EXPECT_EQ(v["order"], json::parse(R"({"type":"price","direction":"DESC"})"));
  EXPECT_EQ(v["query"], json::parse(R"({"dollar_value":{"from":1,"to":2}})"));
}

TEST(RequestBuilder, PageLimitAndOffsetAndOrderEnforced) {
  DiamondQuery q;
  EXPECT_EQ(BuildPageBody("t", q, 0, 0, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(BuildPageBody("t", q, 0, 51, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(BuildPageBody("t", q, -1, 50, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(BuildPageBody("t", q, 0, 50, Order{"bogus", Direction::kAsc}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(BuildPageBody("t", q, 0, 1, Order{"createdAt", Direction::kAsc}).ok());
  EXPECT_TRUE(BuildPageBody("t", q, 0, 50, Order{"price_per_carat", Direction::kAsc}).ok());
}

}  // namespace
}  // namespace di::nivoda

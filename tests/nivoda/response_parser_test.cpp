#include "nivoda/response_parser.h"

#include <gtest/gtest.h>

#include "common/sha256.h"

namespace di::nivoda {
namespace {

std::string PageBody(const std::string& items_text) {
  return R"({"data":{"as":{"diamonds_by_query":{"total_count":999,"items":)" + items_text + "}}}}";
}

TEST(ResponseParser, RawSliceIsTheExactServedText) {
  // Odd spacing, escapes, unicode, nested arrays, key order: all kept verbatim.
  const std::string a =
      "{ \"id\" : \"offer-1\",\n  \"price\": 199950, \"updated_at\":\"2026-02-01T10:00:00.000Z\","
      " \"diamond\": {\"id\": \"stone-\\u00e9\\\"1\", \"certificate\": {\"comments\": \"a\\nb\", "
      "\"tags\": [1, 2.50, null, true]}, \"supplier\": {\"name\": \"Bj\xc3\xb6rk\"}} }";
  const std::string b = R"({"diamond":{"id":"s2"},"price":5,"id":"o2","updated_at":null})";
  const std::string body = PageBody("[ " + a + " ,\n\t" + b + "\n]");
  Result<Page> page = ParsePageResponse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->offers.size(), 2u);
  const Offer& first = page->offers[0];
  EXPECT_EQ(first.raw_json, a);
  EXPECT_EQ(first.sha256_hex, Sha256Hex(a));
  EXPECT_EQ(first.stone_id, "stone-\xc3\xa9\"1");  // unescaped
  EXPECT_EQ(first.offer_id, "offer-1");
  EXPECT_EQ(first.price_cents, 199950);
  EXPECT_EQ(first.updated_at, "2026-02-01T10:00:00.000Z");
  const Offer& second = page->offers[1];
  EXPECT_EQ(second.raw_json, b);
  EXPECT_EQ(second.sha256_hex, Sha256Hex(b));
  EXPECT_EQ(second.stone_id, "s2");
  EXPECT_EQ(second.price_cents, 5);
  EXPECT_EQ(second.updated_at, "");
  EXPECT_TRUE(page->bad_items.empty());
  EXPECT_FALSE(page->end());
}

TEST(ResponseParser, PriceForms) {
  const std::string body = PageBody(R"([
    {"id":"a","price":100.0,"diamond":{"id":"s1"}},
    {"id":"b","price":"250","diamond":{"id":"s2"}},
    {"id":"c","price":12345678901234,"diamond":{"id":"s3"}},
    {"id":"d","price":1.5,"diamond":{"id":"s4"}},
    {"id":"e","price":"12x","diamond":{"id":"s5"}},
    {"id":"f","price":null,"diamond":{"id":"s6"}},
    {"id":"g","diamond":{"id":"s7"}},
    {"id":"h","price":-3,"diamond":{"id":"s8"}},
    {"id":"i","price":{"amount":1},"diamond":{"id":"s9"}}])");
  Result<Page> page = ParsePageResponse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->offers.size(), 3u);
  EXPECT_EQ(page->offers[0].price_cents, 100);
  EXPECT_EQ(page->offers[1].price_cents, 250);
  EXPECT_EQ(page->offers[2].price_cents, 12345678901234);
  ASSERT_EQ(page->bad_items.size(), 6u);
  EXPECT_EQ(page->bad_items[0].reason, "malformed price: 1.5");
  EXPECT_EQ(page->bad_items[0].raw_json, R"({"id":"d","price":1.5,"diamond":{"id":"s4"}})");
  EXPECT_EQ(page->bad_items[2].reason, "malformed price: null");
  EXPECT_EQ(page->bad_items[3].reason, "missing price");
  EXPECT_EQ(page->item_count(), 9u);
}

TEST(ResponseParser, MissingStoneIdIsABadItemNotAFailedPage) {
  const std::string body = PageBody(R"([
    {"id":"a","price":1,"diamond":null},
    {"id":"b","price":1},
    {"id":"c","price":1,"diamond":{"id":""}},
    {"id":"d","price":1,"diamond":{"id":null}},
    42,
    {"id":"e","price":1,"diamond":{"id":123456}}])");
  Result<Page> page = ParsePageResponse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->bad_items.size(), 5u);
  EXPECT_EQ(page->bad_items[0].reason, "missing diamond.id");
  EXPECT_EQ(page->bad_items[1].raw_json, R"({"id":"b","price":1})");
  EXPECT_EQ(page->bad_items[4].reason, "item is not an object");
  EXPECT_EQ(page->bad_items[4].raw_json, "42");
  ASSERT_EQ(page->offers.size(), 1u);
  EXPECT_EQ(page->offers[0].stone_id, "123456");
}

TEST(ResponseParser, EmptyItemsIsTheEnd) {
  Result<Page> page = ParsePageResponse(PageBody("[]"));
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->end());
  // total_count is not the total: ignored whatever it says.
  Result<Page> short_page = ParsePageResponse(PageBody(R"([{"price":1,"diamond":{"id":"x"}}])"));
  ASSERT_TRUE(short_page.ok());
  EXPECT_EQ(short_page->item_count(), 1u);
}

TEST(ResponseParser, GraphQLErrorsAreClassified) {
  const std::string validation =
      R"({"errors":[{"message":"Cannot query field \"nope\" on type \"Diamond\".","locations":[]}],"data":null})";
  EXPECT_EQ(ParsePageResponse(validation).status().code(), Code::kPermanent);
  const std::string auth = R"({"data":{"as":null},"errors":[{"message":"Invalid token"}]})";
  EXPECT_EQ(ParsePageResponse(auth).status().code(), Code::kUnauthenticated);
  EXPECT_EQ(ParseCountResponse(auth).status().code(), Code::kUnauthenticated);
  const std::string transient = R"({"errors":[{"message":"boom","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]})";
  Status s = ParsePageResponse(transient).status();
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_NE(s.message().find("boom [INTERNAL_SERVER_ERROR]"), std::string::npos);
  // An empty or null errors member is no error.
  EXPECT_TRUE(ParseCountResponse(R"({"errors":[],"data":{"as":{"diamonds_by_query_count":3}}})").ok());
  EXPECT_TRUE(ParseCountResponse(R"({"errors":null,"data":{"as":{"diamonds_by_query_count":3}}})").ok());
}

TEST(ResponseParser, MalformedBodiesAreCorrupt) {
  EXPECT_EQ(ParsePageResponse("").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse("<html>502</html>").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse(PageBody("[{\"price\":1,")).status().code(), Code::kCorrupt);
  // Broken inside an item (a literal on-demand skipping would not check).
  EXPECT_EQ(ParsePageResponse(PageBody(R"([{"price":1,"diamond":{"id":"x","f":tru}}])")).status().code(),
            Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse(R"({"data":{"as":{"diamonds_by_query":{"items":{}}}}})").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse(R"({"data":{"as":null}})").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse("[]").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParsePageResponse(R"({"errors":"x"})").status().code(), Code::kCorrupt);
}

TEST(ResponseParser, Count) {
  EXPECT_EQ(*ParseCountResponse(R"({"data":{"as":{"diamonds_by_query_count":437849}}})"), 437849);
  EXPECT_EQ(*ParseCountResponse(R"({"data":{"as":{"diamonds_by_query_count":0}}})"), 0);
  EXPECT_EQ(ParseCountResponse(R"({"data":{"as":{"diamonds_by_query_count":null}}})").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParseCountResponse(R"({"data":{"as":{"diamonds_by_query_count":-1}}})").status().code(), Code::kCorrupt);
  EXPECT_EQ(ParseCountResponse(R"({"data":{"as":{"diamonds_by_query_count":"7"}}})").status().code(), Code::kCorrupt);
}

TEST(ResponseParser, Token) {
  EXPECT_EQ(*ParseTokenResponse(R"({"data":{"authenticate":{"username_and_password":{"token":"abc.def"}}}})"),
            "abc.def");
  EXPECT_EQ(ParseTokenResponse(R"({"data":{"authenticate":{"username_and_password":{"token":""}}}})").status().code(),
            Code::kCorrupt);
  EXPECT_EQ(
      ParseTokenResponse(R"({"data":{"authenticate":null},"errors":[{"message":"Invalid username or password"}]})")
          .status()
          .code(),
      Code::kPermanent);
  EXPECT_EQ(ParseTokenResponse(R"({"errors":[{"message":"Service temporarily unavailable"}]})").status().code(),
            Code::kUnavailable);
}

TEST(ResponseParser, LargePageAndReuseAcrossCalls) {
  std::string items = "[";
  for (int i = 0; i < 50; ++i) {
    if (i) items += ",";
    items += R"({"id":"o)" + std::to_string(i) + R"(","price":)" + std::to_string(1000 + i) + R"(,"diamond":{"id":"s)" +
             std::to_string(i) + R"(","certificate":{"comments":")" + std::string(2000, 'c') + "\"}}}";
  }
  items += "]";
  for (int round = 0; round < 3; ++round) {
    Result<Page> page = ParsePageResponse(PageBody(items));
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->offers.size(), 50u);
    EXPECT_EQ(page->offers[49].stone_id, "s49");
    EXPECT_EQ(page->offers[49].price_cents, 1049);
  }
}

TEST(ResponseParser, ErrorsList) {
  auto errors = ParseGraphQLErrors(R"({"errors":[{"message":"a","extensions":{"code":"X"}},{"message":"b"}]})");
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].message, "a");
  EXPECT_EQ(errors[0].code, "X");
  EXPECT_EQ(errors[1].code, "");
  EXPECT_TRUE(ParseGraphQLErrors("not json").empty());
}

}  // namespace
}  // namespace di::nivoda

namespace di::nivoda {
namespace {

TEST(ResponseParser, PageWithItsCountAndItemKeysInServedOrder) {
  const std::string bad = R"({"id":"o2","price":7})";
  const std::string body =
      R"({"data":{"as":{"diamonds_by_query_count":1234,"diamonds_by_query":{"total_count":3,"items":[)"
      R"({"id":"o1","price":5,"diamond":{"id":"s1"}},)" +
      bad + R"(,{"id":"o3","price":9,"diamond":{"id":"s3"}}]}}}})";
  Result<Page> page = ParsePageResponse(body);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_TRUE(page->count.has_value());
  EXPECT_EQ(*page->count, 1234);
  EXPECT_EQ(page->keys, (std::vector<std::string>{"s1", "bad:" + Sha256Hex(bad), "s3"}));
  EXPECT_FALSE(ParsePageResponse(PageBody("[]"))->count.has_value()) << "no count asked, none read";
  auto negative = ParsePageResponse(
      R"({"data":{"as":{"diamonds_by_query_count":-1,"diamonds_by_query":{"total_count":0,"items":[]}}}})");
  EXPECT_EQ(negative.status().code(), Code::kCorrupt);
}

}  // namespace
}  // namespace di::nivoda

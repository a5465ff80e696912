// The executor on an in-process inventory: validation and authentication
// errors, argument forms (variables and inline literals), selections.
#include "sim/executor.h"

#include <gtest/gtest.h>

#include <atomic>
#include <nlohmann/json.hpp>
#include <thread>

#include "nivoda/queries.h"
#include "schema/item_selection.h"
#include "sim/rng.h"
#include "unit_fixture.h"

namespace di::sim {
namespace {

// The client's page query shape with the full item selection (built here so
// these tests exercise the simulator, whatever the client's text).
std::string PageQueryText() {
  return "query Page($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, $order: DiamondOrder) { "
         "as(token: $token) { diamonds_by_query(query: $query, offset: $offset, limit: $limit, order: $order) { "
         "total_count items { " +
         std::string(schema::kItemSelection) + " } } } }";
}

class ExecutorTest : public ::testing::Test {
 protected:
  ExecutorTest() : tokens_("u", "p", 60'000, &DefaultClock()), executor_(s_.inventory.get(), &tokens_, &counters_, {}) {
    token_ = *tokens_.Authenticate("u", "p");
  }

  nlohmann::json Run(const std::string& query, const nlohmann::json& variables = nlohmann::json::object(),
                     int want_status = 200) {
    nlohmann::json body = {{"query", query}, {"variables", variables}};
    Execution e = executor_.Execute(body.dump());
    EXPECT_EQ(e.http_status, want_status) << e.body;
    auto j = nlohmann::json::parse(e.body, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << e.body;
    return j;
  }
  std::string FirstError(const nlohmann::json& j) {
    if (!j.contains("errors")) return "";
    return j["errors"][0]["message"].get<std::string>();
  }
  std::string Page(const std::string& args, const std::string& selection = "id") {
    return "{ as(token: \"" + token_ + "\") { diamonds_by_query(" + args + ") { total_count items { " + selection +
           " } } } }";
  }

  testing::SmallInventory s_;
  TokenStore tokens_;
  Counters counters_;
  Executor executor_;
  std::string token_;
};

TEST_F(ExecutorTest, ClientQueriesWithVariables) {
  auto auth = Run(std::string(nivoda::kAuthenticateQuery), {{"username", "u"}, {"password", "p"}});
  std::string token = auth["data"]["authenticate"]["username_and_password"]["token"];
  EXPECT_FALSE(token.empty());
  auto count = Run(std::string(nivoda::kCountQuery),
                   {{"token", token}, {"query", {{"dollar_value", {{"from", 0}, {"to", 999}}}}}});
  int64_t n = count["data"]["as"]["diamonds_by_query_count"];
  EXPECT_GT(n, 0);
  auto page = Run(PageQueryText(), {{"token", token},
                                    {"query", {{"dollar_value", {{"from", 0}, {"to", 999}}}}},
                                    {"offset", 0},
                                    {"limit", 50},
                                    {"order", {{"type", "price"}, {"direction", "ASC"}}}});
  auto& result = page["data"]["as"]["diamonds_by_query"];
  EXPECT_EQ(result["total_count"], 50);  // the page size, not the total
  EXPECT_EQ(result["items"].size(), 50u);
  EXPECT_LE(result["items"][49]["price"].get<int64_t>(), 99999);
}

TEST_F(ExecutorTest, InlineLiteralsAliasesAndSelectionOrder) {
  auto j =
      Run(Page("query: {dollar_value: {from: 0, to: 999}}, offset: 0, limit: 2, order: {type: price, direction: DESC}",
               "p: price __typename id diamond { certificate { shape } }"));
  auto& item = j["data"]["as"]["diamonds_by_query"]["items"][0];
  ASSERT_TRUE(item.is_object()) << j.dump();
  std::vector<std::string> keys;
  for (auto& [k, v] : item.items()) keys.push_back(k);
  EXPECT_EQ(item["__typename"], "Item");
  EXPECT_TRUE(item["diamond"]["certificate"].contains("shape"));
  EXPECT_FALSE(item["diamond"].contains("id"));
  Execution raw = executor_.Execute(nlohmann::json({{"query", Page("query: {}, limit: 1", "price id")}}).dump());
  EXPECT_LT(raw.body.find("\"price\""), raw.body.find("\"id\""));  // output order = selection order
}

TEST_F(ExecutorTest, ValidationErrors) {
  struct Case {
    std::string query;
    std::string needle;
  };
  std::vector<Case> cases = {
      {Page("query: {}, limit: 51"), "limit must be between 0 and 50"},
      {Page("query: {}, offset: -1"), "offset must be >= 0"},
      {Page("query: {}, limit: \"ten\""), "expected type Int"},
      {Page("query: {}", "id no_such_field"), "Cannot query field \"no_such_field\" on type \"Item\""},
      {Page("query: {}", "diamond { certificate { bogus } }"), "on type \"Certificate\""},
      {Page("query: {}", "diamond"), "must have a selection of subfields"},
      {Page("query: {}", "price { x }"), "must not have a selection"},
      {Page("query: {color: \"D\"}"), "Field \"color\" is not defined by type \"DiamondQuery\""},
      {Page("query: {dollar_value: {from: \"1\"}}"), "expected type Int"},
      {Page("query: {labgrown: 1}"), "expected type Boolean"},
      {Page("query: {updated: {from: \"yesterday\"}}"), "ISO-8601"},
      {Page("query: {}, order: {type: \"price\"}"), "enum"},
      {Page("query: {}, order: {type: cheapest}"), "enum"},
      {Page("query: {}, page: 2"), "Unknown argument \"page\""},
      {Page("offset: 0"), "\"query\""},
      {"{ as(token: \"x\") { nope } }", "Cannot query field \"nope\" on type \"AuthenticatedQuery\""},
      {"query Q($q: DiamondQuery!) { as(token: \"x\") { diamonds_by_query_count(query: $q) } }", "was not provided"},
      {"{ as(token: \"x\") { diamonds_by_query_count(query: $q) } }", "Variable \"$q\" is not defined"},
      {"{ as(token: \"x\") { diamonds_by_query_count(query: {}) ", "Syntax Error"},
      {"mutation { x }", "mutation"},
  };
  for (const auto& c : cases) {
    auto j = Run(c.query);
    EXPECT_NE(FirstError(j).find(c.needle), std::string::npos) << c.query << "\n" << j.dump();
    EXPECT_FALSE(j.contains("data")) << c.query;
  }
  auto big = Run("query Q($l: Int) " + Page("query: {}, limit: $l"), {{"l", 5000000000LL}});
  EXPECT_NE(FirstError(big).find("32-bit"), std::string::npos);
}

TEST_F(ExecutorTest, AuthenticationErrors) {
  auto wrong = Run("{ authenticate { username_and_password(username: \"u\", password: \"bad\") { token } } }");
  EXPECT_NE(FirstError(wrong).find("Invalid username or password"), std::string::npos);
  EXPECT_TRUE(wrong["data"]["authenticate"]["username_and_password"].is_null());
  const char* count = "diamonds_by_query_count(query: {}) } }";
  for (auto [token, needle] :
       std::vector<std::pair<std::string, std::string>>{{"{ as(token: \"\") { ", "missing token"},
                                                        {"{ as(token: null) { ", "missing token"},
                                                        {"{ as { ", "missing token"},
                                                        {"{ as(token: \"forged\") { ", "invalid token"}}) {
    auto j = Run(token + count);
    EXPECT_NE(FirstError(j).find(needle), std::string::npos) << j.dump();
    EXPECT_EQ(j["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    EXPECT_TRUE(j["data"]["as"].is_null());
  }
  tokens_.RevokeAll();
  auto revoked = Run(Page("query: {}"));
  EXPECT_NE(FirstError(revoked).find("invalid token"), std::string::npos);
}

TEST_F(ExecutorTest, ExpiredToken) {
  ManualClock clock(WallTime(Millis(1'000'000)));
  TokenStore tokens("u", "p", 1000, &clock);
  std::string token = *tokens.Authenticate("u", "p");
  EXPECT_EQ(tokens.Validate(token), TokenStore::Check::kValid);
  clock.Advance(Millis(1000));
  EXPECT_EQ(tokens.Validate(token), TokenStore::Check::kExpired);
}

TEST_F(ExecutorTest, BadBodiesAre400) {
  EXPECT_EQ(executor_.Execute("not json").http_status, 400);
  EXPECT_EQ(executor_.Execute("{\"variables\":{}}").http_status, 400);
  EXPECT_EQ(executor_.Execute("{\"query\":\"{ x }\",\"variables\":[1]}").http_status, 400);
}

}  // namespace
}  // namespace di::sim

namespace di::sim {
namespace {

class ExecutorModesTest : public ::testing::Test {
 protected:
  nlohmann::json Run(Executor& executor, const std::string& query, const nlohmann::json& variables) {
    Execution e = executor.Execute(nlohmann::json({{"query", query}, {"variables", variables}}).dump());
    return nlohmann::json::parse(e.body, nullptr, false);
  }
  nlohmann::json PageVars(const std::string& order, nlohmann::json query = nlohmann::json::object()) {
    return {{"token", token_},
            {"query", query},
            {"offset", 0},
            {"limit", 50},
            {"order", {{"type", order}, {"direction", "ASC"}}}};
  }
  std::vector<std::string> Ids(const nlohmann::json& j) {
    std::vector<std::string> ids;
    for (const auto& item : j["data"]["as"]["diamonds_by_query"]["items"]) ids.push_back(item["diamond"]["id"]);
    return ids;
  }
  testing::SmallInventory s_;
  TokenStore tokens_{"u", "p", 60'000, &DefaultClock()};
  Counters counters_;
  std::string token_ = *tokens_.Authenticate("u", "p");
};

TEST_F(ExecutorModesTest, InsertOrderUniqueTiesOrRejected) {
  ExecutorOptions unique, ties, rejected;
  ties.insert_order = InsertOrder::kTies;
  rejected.insert_order = InsertOrder::kRejected;
  Executor u(s_.inventory.get(), &tokens_, &counters_, unique), t(s_.inventory.get(), &tokens_, &counters_, ties),
      r(s_.inventory.get(), &tokens_, &counters_, rejected);
  const std::string q(nivoda::kPageCountQuery);
  EXPECT_EQ(Ids(Run(u, q, PageVars("insert"))), Ids(Run(u, q, PageVars("insert")))) << "unique: stable";
  int differ = 0;
  for (int i = 0; i < 5; ++i) differ += Ids(Run(t, q, PageVars("insert"))) != Ids(Run(t, q, PageVars("insert")));
  EXPECT_GT(differ, 0) << "ties: equal keys come back in another order";
  auto refused = Run(r, q, PageVars("insert"));
  ASSERT_TRUE(refused.contains("errors")) << refused.dump();
  EXPECT_NE(refused["errors"][0]["message"].get<std::string>().find("insert"), std::string::npos);
  EXPECT_FALSE(Run(r, q, PageVars("none")).contains("errors")) << "other orders still work";
}

TEST_F(ExecutorModesTest, CountAndPageOfOneRequestSeeOneState) {
  // Churn in a second thread the whole time: a cell of fewer than 50 offers
  // always comes back whole, with its count.
  Executor e(s_.inventory.get(), &tokens_, &counters_, {});
  nlohmann::json cell = {{"labgrown", false}, {"dollar_value", {{"from", 1000}, {"to", 1040}}}};
  int64_t n = s_.inventory->Count(DiamondQuery{});
  ASSERT_GT(n, 0);
  std::atomic<bool> stop{false};
  std::thread churn([&] {
    Rng rng(3);
    for (int64_t t = 1; !stop; ++t) s_.inventory->Mutate({20, 0, 5, 5}, rng, 1770922873001 + t);
  });
  int whole = 0, checked = 0;
  for (int i = 0; i < 300; ++i) {
    auto j = Run(e, std::string(nivoda::kPageCountQuery), PageVars("insert", cell));
    int64_t count = j["data"]["as"]["diamonds_by_query_count"];
    size_t items = j["data"]["as"]["diamonds_by_query"]["items"].size();
    if (count >= 50) continue;
    ++checked;
    whole += static_cast<int64_t>(items) == count;
  }
  stop = true;
  churn.join();
  ASSERT_GT(checked, 100);
  EXPECT_EQ(whole, checked);
}

}  // namespace
}  // namespace di::sim

// Helpers for the simulator's HTTP tests: splitting a page response into the
// exact text of each item, and paging through a query.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "sim_process.h"

namespace di::sim::testing {

// The raw JSON text of each element of the first `"items":[...]` array in BODY
// (string-aware bracket matching; no re-serialisation).
inline std::vector<std::string> RawItems(std::string_view body) {
  std::vector<std::string> out;
  size_t pos = body.find("\"items\":[");
  if (pos == std::string_view::npos) return out;
  pos += 9;
  int depth = 0;
  bool in_string = false;
  size_t start = 0;
  for (size_t i = pos; i < body.size(); ++i) {
    char c = body[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"')
      in_string = true;
    else if (c == '{') {
      if (depth++ == 0) start = i;
    } else if (c == '}') {
      if (--depth == 0) out.emplace_back(body.substr(start, i + 1 - start));
    } else if (c == ']' && depth == 0)
      break;
  }
  return out;
}

inline nlohmann::json ParseOrFail(const std::string& body) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << body;
  return j;
}

// Runs the count query for QUERY_JSON (a DiamondQuery as JSON).
inline int64_t Count(const di::testing::SimProcess& sim, const std::string& token, const nlohmann::json& query) {
  auto reply =
      sim.Graphql("query C($t: String!, $q: DiamondQuery!) { as(token: $t) { diamonds_by_query_count(query: $q) } }",
                  nlohmann::json({{"t", token}, {"q", query}}).dump());
  EXPECT_TRUE(reply.ok());
  auto j = ParseOrFail(reply->body);
  EXPECT_TRUE(j["data"]["as"]["diamonds_by_query_count"].is_number()) << reply->body;
  return j["data"]["as"]["diamonds_by_query_count"].get<int64_t>();
}

// One page of QUERY with SELECTION; returns the parsed response body.
inline nlohmann::json PageJson(const di::testing::SimProcess& sim, const std::string& token,
                               const nlohmann::json& query, int64_t offset, int64_t limit, const nlohmann::json& order,
                               const std::string& selection) {
  auto reply = sim.Graphql(
      "query P($t: String!, $q: DiamondQuery!, $o: Int, $l: Int, $ord: DiamondOrder) { as(token: $t) { "
      "diamonds_by_query(query: $q, offset: $o, limit: $l, order: $ord) { total_count items { " +
          selection + " } } } }",
      nlohmann::json({{"t", token}, {"q", query}, {"o", offset}, {"l", limit}, {"ord", order}}).dump());
  EXPECT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  return ParseOrFail(reply->body);
}

// Every item of QUERY, paging by the number of items received until an empty page.
inline std::vector<nlohmann::json> FetchAll(const di::testing::SimProcess& sim, const std::string& token,
                                            const nlohmann::json& query, const std::string& selection,
                                            const nlohmann::json& order = {{"type", "insert"}, {"direction", "ASC"}}) {
  std::vector<nlohmann::json> items;
  for (int64_t offset = 0;;) {
    auto page = PageJson(sim, token, query, offset, 50, order, selection);
    auto& list = page["data"]["as"]["diamonds_by_query"]["items"];
    if (!list.is_array() || list.empty()) break;
    for (auto& item : list) items.push_back(item);
    offset += static_cast<int64_t>(list.size());
  }
  return items;
}

}  // namespace di::sim::testing

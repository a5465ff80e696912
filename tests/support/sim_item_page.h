// One page of a nivoda-sim process's inventory asked for as the real client
// asks (its full item selection, schema::kItemSelection), in insertion order:
// for tests that compare the exact bytes served with the simulator's dump.
// Header-only; the test links di_nivoda and nlohmann_json. Thread-safety as
// SimProcess::Graphql.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "schema/item_selection.h"
#include "sim_process.h"

namespace di::testing {

// The reply to the page of LIMIT items from OFFSET (all feeds), asked with TOKEN.
inline Result<SimHttpReply> ItemPage(const SimProcess& sim, const std::string& token, int64_t offset,
                                     int64_t limit = 50) {
  return sim.Graphql(
      "query Page($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, $order: DiamondOrder) { "
      "as(token: $token) { diamonds_by_query(query: $query, offset: $offset, limit: $limit, order: $order) { "
      "total_count items { " +
          std::string(schema::kItemSelection) + " } } } }",
      nlohmann::json({{"token", token},
                      {"query", nlohmann::json::object()},
                      {"offset", offset},
                      {"limit", limit},
                      {"order", {{"type", "insert"}, {"direction", "ASC"}}}})
          .dump());
}

}  // namespace di::testing

// The GraphQL documents the client sends to Nivoda. The simulator's schema
// (schema/nivoda.graphql) is checked against every one of them in a test.
#pragma once

#include <string_view>
#include <vector>

namespace di::nivoda {

// authenticate { username_and_password(username, password) { token } }
// Variables: $username, $password.
extern const std::string_view kAuthenticateQuery;
// as(token) { diamonds_by_query_count(query) }. Variables: $token, $query.
extern const std::string_view kCountQuery;
// as(token) { diamonds_by_query(query, offset, limit, order) { total_count items {...} } }
// with the full item selection. Variables: $token, $query, $offset, $limit, $order.
extern const std::string_view kPageQuery;
// kPageQuery with diamonds_by_query_count of the same query in the same
// request, asked first: the page and the count of one vendor call.
extern const std::string_view kPageCountQuery;
// The item selection set used by kPageQuery (between the braces of items).
extern const std::string_view kItemSelection;

// Every document above, for schema validation tests.
std::vector<std::string_view> AllQueries();

}  // namespace di::nivoda

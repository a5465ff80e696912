#include "nivoda/queries.h"

#include "schema/item_selection.h"

namespace di::nivoda {

const std::string_view kItemSelection = schema::kItemSelection;

const std::string_view kAuthenticateQuery =
    "query Authenticate($username: String!, $password: String!) { authenticate { "
    "username_and_password(username: $username, password: $password) { token } } }";

const std::string_view kCountQuery =
    "query Count($token: String!, $query: DiamondQuery!) { as(token: $token) { "
    "diamonds_by_query_count(query: $query) } }";

const std::string_view kPageQuery =
    "query Page($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, "
    "$order: DiamondOrder) { as(token: $token) { diamonds_by_query(query: $query, "
    "offset: $offset, limit: $limit, order: $order) { total_count items { " DI_ITEM_SELECTION " } } } }";

const std::string_view kPageCountQuery =
    "query PageCount($token: String!, $query: DiamondQuery!, $offset: Int, $limit: Int, "
    "$order: DiamondOrder) { as(token: $token) { diamonds_by_query_count(query: $query) "
    "diamonds_by_query(query: $query, offset: $offset, limit: $limit, order: $order) { total_count items { "
    DI_ITEM_SELECTION " } } } }";

std::vector<std::string_view> AllQueries() { return {kAuthenticateQuery, kCountQuery, kPageQuery, kPageCountQuery}; }

}  // namespace di::nivoda

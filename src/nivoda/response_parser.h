// Parsing of Nivoda response bodies (HTTP 200) with simdjson.
//
// Every parser first checks the body is well-formed JSON (kCorrupt otherwise) and
// then looks for a non-empty top-level `errors` array, returned as the Status
// ClassifyGraphQLErrors gives (whatever `data` holds). A body without errors but
// without the expected `data` path is kCorrupt. Pure functions; thread-safe (each
// thread has its own simdjson parsers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "nivoda/error_classifier.h"
#include "nivoda/page.h"

namespace di::nivoda {

// data.authenticate.username_and_password.token. GraphQL errors are classified
// with ClassifyAuthenticateErrors (bad credentials: kPermanent).
Result<std::string> ParseTokenResponse(std::string_view body);

// data.as.diamonds_by_query_count (an integer >= 0).
Result<int64_t> ParseCountResponse(std::string_view body);

// data.as.diamonds_by_query.items. For each item: diamond.id (string, or a
// number's text), id, price in cents (an integer, an integral float, or a string
// of digits; anything else makes the item bad), updated_at, and the item's exact
// text with its SHA-256. total_count is ignored.
Result<Page> ParsePageResponse(std::string_view body);

// The top-level errors array of BODY (empty when none, or BODY is malformed).
std::vector<GraphQLError> ParseGraphQLErrors(std::string_view body);

}  // namespace di::nivoda

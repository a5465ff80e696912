// Request bodies: {"query": <GraphQL document from queries.h>, "variables": {...}}.
//
// Pure functions, thread-safe. The bodies carry the password or the token: never
// log them.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "nivoda/diamond_query.h"

namespace di::nivoda {

// The maximum `limit` of a page query the API accepts.
inline constexpr int kMaxPageLimit = 50;

std::string BuildAuthenticateBody(const std::string& username, const std::string& password);

// The DiamondQuery input object as JSON (only the fields that are set).
// REQUIRES: query.Validate() is ok (checked again: kInvalidArgument otherwise).
Result<std::string> DiamondQueryJson(const DiamondQuery& query);

// kInvalidArgument for an invalid query.
Result<std::string> BuildCountBody(const std::string& token, const DiamondQuery& query);

// kInvalidArgument for an invalid query or order, offset < 0, or limit outside
// 1..kMaxPageLimit. WITH_COUNT: kPageCountQuery (the count in the same request).
Result<std::string> BuildPageBody(const std::string& token, const DiamondQuery& query, int64_t offset, int limit,
                                  const Order& order, bool with_count = false);

}  // namespace di::nivoda

// Error classification: maps what Nivoda answered to a Status code that says what
// the caller should do (retry, re-authenticate once, or give up). The table of
// answers and codes, and the rules for GraphQL errors: src/nivoda/README.md,
// "Error classification". Several GraphQL errors in one answer: an auth error
// wins, then a validation error, else the answer is retryable.
// Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace di::nivoda {

// One entry of a GraphQL `errors` array.
struct GraphQLError {
  std::string message;
  std::string code;  // extensions.code, empty when absent
};

// True iff the error says the token is invalid, expired or missing: extensions.code
// UNAUTHENTICATED, or a message (case-insensitive) containing "token" together with
// one of invalid/expired/missing/malformed/not provided/required, or containing
// unauthenticated / not authenticated / unauthorized / unauthorised / jwt expired.
bool IsAuthError(const GraphQLError& error);

// True iff the error is about the request itself (its document or variables), so
// the same request fails the same way every time: extensions.code
// GRAPHQL_VALIDATION_FAILED / GRAPHQL_PARSE_FAILED / BAD_USER_INPUT, or a message
// containing one of the phrases GraphQL servers use for those (case-insensitive):
// "cannot query field", "unknown argument", "unknown type", "unknown field",
// "variable \"$", "got invalid value", "expected type", "expected value of type",
// "must not be greater than", "must not be less than", "syntax error",
// "is not defined by type", "of required type", "was not provided",
// "cannot represent", "argument \"".
bool IsValidationError(const GraphQLError& error);

// True iff an error of the authenticate call refuses the credentials:
// extensions.code UNAUTHENTICATED or FORBIDDEN, IsAuthError(), or a message
// containing password / username / credential / invalid login / access denied /
// forbidden (case-insensitive).
bool IsCredentialsError(const GraphQLError& error);

// The Status for a non-empty errors array, per the table above; the message joins
// the error messages (truncated). REQUIRES: !errors.empty().
Status ClassifyGraphQLErrors(const std::vector<GraphQLError>& errors);

// The same for the errors of the authenticate call: a credentials error is
// kPermanent (retrying cannot fix a wrong password); otherwise as above.
Status ClassifyAuthenticateErrors(const std::vector<GraphQLError>& errors);

// The Status for an HTTP status other than 200, per the table above. BODY (may be
// empty) contributes a short excerpt to the message.
Status ClassifyHttpStatus(int http_status, std::string_view body);

// True iff a call that failed with CODE may succeed when repeated unchanged:
// kUnavailable, kRateLimited, kCorrupt. (kUnauthenticated is repaired by
// re-authentication, not by plain repetition.)
bool IsRetryable(Code code);

}  // namespace di::nivoda

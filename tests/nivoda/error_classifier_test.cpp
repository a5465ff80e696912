// The error classifier (nivoda/error_classifier.h) as tables, each answer beside
// the Status code it must give:
// - HTTP statuses other than 200, with every boundary of the ranges;
// - GraphQL `errors` arrays, each classified twice: as the answer to a query
//   (ClassifyGraphQLErrors) and as the answer to the authenticate call
//   (ClassifyAuthenticateErrors). One row per code and per phrase that IsAuthError,
//   IsValidationError and IsCredentialsError recognise, messages that must not
//   match, case-insensitivity, and the precedence when several errors come together
//   (auth, then validation, else retryable);
// - which codes are retryable.
// The messages the classifier builds are checked apart (the tables check codes).
#include "nivoda/error_classifier.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace di::nivoda {
namespace {

constexpr Code kRetry = Code::kUnavailable;  // retry with backoff
constexpr Code kRate = Code::kRateLimited;   // retry after Retry-After
constexpr Code kAuth = Code::kUnauthenticated;
constexpr Code kPerm = Code::kPermanent;

struct HttpRow {
  int status;
  Code code;
};

// clang-format off
constexpr HttpRow kHttpTable[] = {
  {429, kRate},
  {401, kAuth}, {403, kAuth},
  {408, kRetry}, {500, kRetry}, {502, kRetry}, {503, kRetry}, {504, kRetry}, {599, kRetry},
  {300, kPerm}, {301, kPerm}, {304, kPerm}, {400, kPerm}, {402, kPerm}, {404, kPerm}, {407, kPerm}, {409, kPerm},
  {413, kPerm}, {428, kPerm}, {430, kPerm}, {499, kPerm},
  // Outside 3xx-5xx: nothing says the request is wrong, so retry.
  {0, kRetry}, {100, kRetry}, {204, kRetry}, {299, kRetry}, {600, kRetry}, {999, kRetry},
};
// clang-format on

// Codes by name, so a failing row reads "unavailable" vs "permanent".
std::string Name(Code code) { return CodeName(code); }

TEST(ErrorClassifier, HttpStatusTable) {
  for (const HttpRow& row : kHttpTable) {
    EXPECT_EQ(Name(ClassifyHttpStatus(row.status, "").code()), Name(row.code)) << "HTTP " << row.status;
  }
}

struct GraphQLRow {
  std::vector<GraphQLError> errors;  // {message, extensions.code}
  Code as_query;                     // ClassifyGraphQLErrors
  Code as_authenticate;              // ClassifyAuthenticateErrors
};

// clang-format off
const GraphQLRow kGraphQLTable[] = {
  // Auth errors (IsAuthError): by code, by phrase, "token" with a qualifier.
  {{{"anything", "UNAUTHENTICATED"}},                                        kAuth,  kPerm},
  {{{"Unauthenticated: invalid token", ""}},                                 kAuth,  kPerm},
  {{{"You are not authenticated", ""}},                                      kAuth,  kPerm},
  {{{"Unauthorized", ""}},                                                   kAuth,  kPerm},
  {{{"UNAUTHORISED request", ""}},                                           kAuth,  kPerm},
  {{{"jwt expired", ""}},                                                    kAuth,  kPerm},
  {{{"Invalid token", ""}},                                                  kAuth,  kPerm},
  {{{"Token expired", ""}},                                                  kAuth,  kPerm},
  {{{"Missing token", ""}},                                                  kAuth,  kPerm},
  {{{"Malformed TOKEN", ""}},                                                kAuth,  kPerm},
  {{{"token not provided", ""}},                                             kAuth,  kPerm},
  {{{"A token is required", ""}},                                            kAuth,  kPerm},
  // "token" alone, or a qualifier without "token": not an auth error.
  {{{"Unexpected token < in JSON", ""}},                                     kRetry, kRetry},
  {{{"Invalid cursor", ""}},                                                 kRetry, kRetry},
  // Validation errors (IsValidationError): by code, by phrase, any case.
  {{{"whatever", "GRAPHQL_VALIDATION_FAILED"}},                              kPerm,  kPerm},
  {{{"whatever", "GRAPHQL_PARSE_FAILED"}},                                   kPerm,  kPerm},
  {{{"whatever", "BAD_USER_INPUT"}},                                         kPerm,  kPerm},
  {{{"Cannot query field \"foo\" on type \"Diamond\".", ""}},                kPerm,  kPerm},
  {{{"Unknown argument \"bar\" on field \"Query.as\".", ""}},                kPerm,  kPerm},
  {{{"Unknown type \"DiamondQueryX\".", ""}},                                kPerm,  kPerm},
  {{{"Unknown field \"colour\" on input type", ""}},                         kPerm,  kPerm},
  {{{"Variable \"$limit\" of non-null type \"Int!\" must not be null.", ""}}, kPerm,  kPerm},
  {{{"Value \"x\" got invalid value", ""}},                                  kPerm,  kPerm},
  {{{"Expected type Int, found \"a\".", ""}},                                kPerm,  kPerm},
  {{{"Expected value of type \"Int\", found \"a\".", ""}},                   kPerm,  kPerm},
  {{{"limit must not be greater than 50", ""}},                              kPerm,  kPerm},
  {{{"offset must not be less than 0", ""}},                                 kPerm,  kPerm},
  {{{"Syntax Error: Expected Name, found <EOF>.", ""}},                      kPerm,  kPerm},
  {{{"Field \"x\" is not defined by type \"DiamondQuery\".", ""}},           kPerm,  kPerm},
  {{{"Argument of required type \"String!\"", ""}},                          kPerm,  kPerm},
  // Both (the missing argument is the token): auth wins.
  {{{"Field \"token\" was not provided.", ""}},                              kAuth,  kPerm},
  {{{"Field \"offset\" was not provided.", ""}},                             kPerm,  kPerm},
  {{{"Int cannot represent non 32-bit signed integer value: 3000000000", ""}}, kPerm, kPerm},
  {{{"Argument \"limit\" has invalid value", ""}},                           kPerm,  kPerm},
  // Other GraphQL errors: transient, retried.
  {{{"Internal server error", ""}},                                          kRetry, kRetry},
  {{{"Database timeout", "INTERNAL_SERVER_ERROR"}},                          kRetry, kRetry},
  {{{"", ""}},                                                               kRetry, kRetry},
  {{{"nope", "FORBIDDEN"}},                                                  kRetry, kPerm},
  // Refused credentials (IsCredentialsError): permanent for authenticate only.
  {{{"Invalid username or password", ""}},                                   kRetry, kPerm},
  {{{"Unknown USERNAME", ""}},                                               kRetry, kPerm},
  {{{"Bad credentials", ""}},                                                kRetry, kPerm},
  {{{"Invalid login", ""}},                                                  kRetry, kPerm},
  {{{"Access denied", ""}},                                                  kRetry, kPerm},
  {{{"Forbidden", ""}},                                                      kRetry, kPerm},
  // Several errors: auth wins, then validation, else retryable.
  {{{"Internal error", ""}, {"Cannot query field \"x\"", ""}},               kPerm,  kPerm},
  {{{"Cannot query field \"x\"", ""}, {"Invalid token", ""}},                kAuth,  kPerm},
  {{{"Invalid token", ""}, {"Internal error", ""}},                          kAuth,  kPerm},
  {{{"Internal error", ""}, {"Timeout", "INTERNAL_SERVER_ERROR"}},           kRetry, kRetry},
  {{{"Internal error", ""}, {"Bad credentials", ""}},                        kRetry, kPerm},
};
// clang-format on

std::string Describe(const std::vector<GraphQLError>& errors) {
  std::string out;
  for (const auto& e : errors) out += "{\"" + e.message + "\", \"" + e.code + "\"} ";
  return out;
}

TEST(ErrorClassifier, GraphQLErrorsTable) {
  for (const GraphQLRow& row : kGraphQLTable) {
    SCOPED_TRACE(Describe(row.errors));
    EXPECT_EQ(Name(ClassifyGraphQLErrors(row.errors).code()), Name(row.as_query)) << "as the answer to a query";
    EXPECT_EQ(Name(ClassifyAuthenticateErrors(row.errors).code()), Name(row.as_authenticate))
        << "as the answer to the authenticate call";
  }
}

struct RetryRow {
  Code code;
  bool retryable;
};

constexpr RetryRow kRetryTable[] = {
    {Code::kUnavailable, true},      {Code::kRateLimited, true},
    {Code::kCorrupt, true},          {Code::kPermanent, false},
    {Code::kInvalidArgument, false}, {Code::kUnauthenticated, false},
    {Code::kCancelled, false},       {Code::kOk, false},
};

TEST(ErrorClassifier, RetryableTable) {
  for (const RetryRow& row : kRetryTable) {
    EXPECT_EQ(IsRetryable(row.code), row.retryable) << Name(row.code);
  }
}

TEST(ErrorClassifier, HttpMessageCarriesStatusAndShortExcerpt) {
  Status s = ClassifyHttpStatus(503, std::string(2000, 'x') + "\nmore");
  EXPECT_NE(s.message().find("HTTP 503"), std::string::npos);
  EXPECT_LT(s.message().size(), 600u);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST(ErrorClassifier, MessageJoinsAllErrors) {
  Status s = ClassifyGraphQLErrors({{"first", ""}, {"second", "X"}});
  EXPECT_NE(s.message().find("first; second [X]"), std::string::npos) << s.message();
}

TEST(ErrorClassifier, AuthenticateRefusalSaysSo) {
  Status s = ClassifyAuthenticateErrors({{"Invalid username or password", ""}});
  EXPECT_NE(s.message().find("authentication refused: GraphQL error: Invalid username or password"), std::string::npos)
      << s.message();
}

}  // namespace
}  // namespace di::nivoda

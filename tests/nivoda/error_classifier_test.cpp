#include "nivoda/error_classifier.h"

#include <gtest/gtest.h>

namespace di::nivoda {
namespace {

Code ClassifyOne(const std::string& message, const std::string& code = "") {
  return ClassifyGraphQLErrors({GraphQLError{message, code}}).code();
}

TEST(ErrorClassifier, HttpStatusTable) {
  EXPECT_EQ(ClassifyHttpStatus(429, "").code(), Code::kRateLimited);
  EXPECT_EQ(ClassifyHttpStatus(500, "").code(), Code::kUnavailable);
  EXPECT_EQ(ClassifyHttpStatus(502, "").code(), Code::kUnavailable);
  EXPECT_EQ(ClassifyHttpStatus(503, "").code(), Code::kUnavailable);
  EXPECT_EQ(ClassifyHttpStatus(504, "").code(), Code::kUnavailable);
  EXPECT_EQ(ClassifyHttpStatus(408, "").code(), Code::kUnavailable);
  EXPECT_EQ(ClassifyHttpStatus(401, "").code(), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyHttpStatus(403, "").code(), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyHttpStatus(400, "").code(), Code::kPermanent);
  EXPECT_EQ(ClassifyHttpStatus(404, "").code(), Code::kPermanent);
  EXPECT_EQ(ClassifyHttpStatus(413, "").code(), Code::kPermanent);
  EXPECT_EQ(ClassifyHttpStatus(301, "").code(), Code::kPermanent);
}

TEST(ErrorClassifier, HttpMessageCarriesStatusAndShortExcerpt) {
  Status s = ClassifyHttpStatus(503, std::string(2000, 'x') + "\nmore");
  EXPECT_NE(s.message().find("HTTP 503"), std::string::npos);
  EXPECT_LT(s.message().size(), 600u);
  EXPECT_EQ(s.message().find('\n'), std::string::npos);
}

TEST(ErrorClassifier, AuthErrors) {
  EXPECT_EQ(ClassifyOne("Invalid token"), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyOne("Token expired"), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyOne("Missing token"), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyOne("jwt expired"), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyOne("Unauthorized"), Code::kUnauthenticated);
  EXPECT_EQ(ClassifyOne("anything", "UNAUTHENTICATED"), Code::kUnauthenticated);
  // "token" alone is not an auth error.
  EXPECT_EQ(ClassifyOne("Unexpected token < in JSON"), Code::kUnavailable);
}

TEST(ErrorClassifier, ValidationErrorsArePermanent) {
  EXPECT_EQ(ClassifyOne("Cannot query field \"foo\" on type \"Diamond\"."), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("Unknown argument \"bar\" on field \"Query.as\"."), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("Variable \"$limit\" got invalid value \"x\"; Int cannot represent..."), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("Expected type Int, found \"a\"."), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("limit must not be greater than 50"), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("Syntax Error: Expected Name, found <EOF>."), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("whatever", "GRAPHQL_VALIDATION_FAILED"), Code::kPermanent);
  EXPECT_EQ(ClassifyOne("whatever", "BAD_USER_INPUT"), Code::kPermanent);
}

TEST(ErrorClassifier, OtherGraphQLErrorsAreRetryable) {
  EXPECT_EQ(ClassifyOne("Internal server error"), Code::kUnavailable);
  EXPECT_EQ(ClassifyOne("Database timeout", "INTERNAL_SERVER_ERROR"), Code::kUnavailable);
  EXPECT_EQ(ClassifyOne(""), Code::kUnavailable);
}

TEST(ErrorClassifier, AuthWinsOverValidationWhichWinsOverTransient) {
  EXPECT_EQ(ClassifyGraphQLErrors({{"Internal error", ""}, {"Cannot query field \"x\"", ""}}).code(), Code::kPermanent);
  EXPECT_EQ(ClassifyGraphQLErrors({{"Cannot query field \"x\"", ""}, {"Invalid token", ""}}).code(),
            Code::kUnauthenticated);
}

TEST(ErrorClassifier, MessageJoinsAllErrors) {
  Status s = ClassifyGraphQLErrors({{"first", ""}, {"second", "X"}});
  EXPECT_NE(s.message().find("first; second [X]"), std::string::npos) << s.message();
}

TEST(ErrorClassifier, AuthenticateCallRefusalIsPermanent) {
  EXPECT_EQ(ClassifyAuthenticateErrors({{"Invalid username or password", ""}}).code(), Code::kPermanent);
  EXPECT_EQ(ClassifyAuthenticateErrors({{"Bad credentials", ""}}).code(), Code::kPermanent);
  EXPECT_EQ(ClassifyAuthenticateErrors({{"nope", "FORBIDDEN"}}).code(), Code::kPermanent);
  EXPECT_EQ(ClassifyAuthenticateErrors({{"Internal error", ""}}).code(), Code::kUnavailable);
  // Outside the authenticate call a password message is no auth error.
  EXPECT_EQ(ClassifyGraphQLErrors({{"Invalid username or password", ""}}).code(), Code::kUnavailable);
}

TEST(ErrorClassifier, Retryable) {
  EXPECT_TRUE(IsRetryable(Code::kUnavailable));
  EXPECT_TRUE(IsRetryable(Code::kRateLimited));
  EXPECT_TRUE(IsRetryable(Code::kCorrupt));
  EXPECT_FALSE(IsRetryable(Code::kPermanent));
  EXPECT_FALSE(IsRetryable(Code::kInvalidArgument));
  EXPECT_FALSE(IsRetryable(Code::kUnauthenticated));
  EXPECT_FALSE(IsRetryable(Code::kCancelled));
  EXPECT_FALSE(IsRetryable(Code::kOk));
}

}  // namespace
}  // namespace di::nivoda

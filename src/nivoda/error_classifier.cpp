#include "nivoda/error_classifier.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "common/strings.h"

namespace di::nivoda {
namespace {

constexpr size_t kMaxMessage = 500;

bool Contains(const std::string& haystack, std::string_view needle) {
  return haystack.find(needle) != std::string::npos;
}

template <size_t N>
bool ContainsAny(const std::string& haystack, const std::array<std::string_view, N>& needles) {
  return std::any_of(needles.begin(), needles.end(), [&](std::string_view n) { return Contains(haystack, n); });
}

std::string Excerpt(std::string_view text) {
  std::string out;
  for (char c : text.substr(0, kMaxMessage)) out += (c == '\n' || c == '\r') ? ' ' : c;
  if (text.size() > kMaxMessage) out += "...";
  return out;
}

}  // namespace

bool IsAuthError(const GraphQLError& error) {
  if (error.code == "UNAUTHENTICATED") return true;
  const std::string m = Lower(error.message);
  static constexpr std::array<std::string_view, 5> kGeneral = {"unauthenticated", "not authenticated", "unauthorized",
                                                               "unauthorised", "jwt expired"};
  if (ContainsAny(m, kGeneral)) return true;
  static constexpr std::array<std::string_view, 6> kTokenWords = {"invalid",   "expired",      "missing",
                                                                  "malformed", "not provided", "required"};
  return Contains(m, "token") && ContainsAny(m, kTokenWords);
}

bool IsValidationError(const GraphQLError& error) {
  if (error.code == "GRAPHQL_VALIDATION_FAILED" || error.code == "GRAPHQL_PARSE_FAILED" ||
      error.code == "BAD_USER_INPUT") {
    return true;
  }
  const std::string m = Lower(error.message);
  static constexpr std::array<std::string_view, 16> kPhrases = {"cannot query field",
                                                                "unknown argument",
                                                                "unknown type",
                                                                "unknown field",
                                                                "variable \"$",
                                                                "got invalid value",
                                                                "expected type",
                                                                "expected value of type",
                                                                "must not be greater than",
                                                                "must not be less than",
                                                                "syntax error",
                                                                "is not defined by type",
                                                                "of required type",
                                                                "was not provided",
                                                                "cannot represent",
                                                                "argument \""};
  return ContainsAny(m, kPhrases);
}

bool IsCredentialsError(const GraphQLError& error) {
  if (error.code == "UNAUTHENTICATED" || error.code == "FORBIDDEN" || IsAuthError(error)) return true;
  const std::string m = Lower(error.message);
  static constexpr std::array<std::string_view, 6> kPhrases = {"password",      "username",      "credential",
                                                               "invalid login", "access denied", "forbidden"};
  return ContainsAny(m, kPhrases);
}

Status ClassifyAuthenticateErrors(const std::vector<GraphQLError>& errors) {
  Status status = ClassifyGraphQLErrors(errors);
  for (const auto& e : errors) {
    if (IsCredentialsError(e)) {
      return Status(Code::kPermanent, "authentication refused: " + status.message());
    }
  }
  return status;
}

Status ClassifyGraphQLErrors(const std::vector<GraphQLError>& errors) {
  bool auth = false;
  bool validation = false;
  std::string joined;
  for (const auto& e : errors) {
    auth = auth || IsAuthError(e);
    validation = validation || IsValidationError(e);
    if (!joined.empty()) joined += "; ";
    joined += e.message;
    if (!e.code.empty()) joined += " [" + e.code + "]";
  }
  std::string message = "GraphQL error: " + Excerpt(joined);
  if (auth) return Status(Code::kUnauthenticated, std::move(message));
  if (validation) return Status(Code::kPermanent, std::move(message));
  return Status(Code::kUnavailable, std::move(message));
}

Status ClassifyHttpStatus(int http_status, std::string_view body) {
  std::string message = "HTTP " + std::to_string(http_status);
  if (!body.empty()) message += ": " + Excerpt(body);
  if (http_status == 429) return Status(Code::kRateLimited, std::move(message));
  if (http_status == 401 || http_status == 403) {
    return Status(Code::kUnauthenticated, std::move(message));
  }
  if (http_status == 408 || (http_status >= 500 && http_status <= 599)) {
    return Status(Code::kUnavailable, std::move(message));
  }
  if (http_status >= 300 && http_status <= 499) {
    return Status(Code::kPermanent, std::move(message));
  }
  return Status(Code::kUnavailable, std::move(message));
}

bool IsRetryable(Code code) {
  return code == Code::kUnavailable || code == Code::kRateLimited || code == Code::kCorrupt;
}

}  // namespace di::nivoda

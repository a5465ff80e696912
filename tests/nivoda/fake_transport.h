// FakeTransport: an http::HttpTransport whose answers come from a test's handler.
// Decodes each request body (operation, token, variables) for the handler and
// records every request. Thread-safe.
#pragma once

#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/http_transport.h"

namespace di::nivoda::testing {

struct FakeRequest {
  std::string operation;  // "authenticate", "count", "page"
  std::string token;      // empty for authenticate
  nlohmann::json variables;
};

class FakeTransport final : public http::HttpTransport {
 public:
  using Handler = std::function<Result<http::HttpResponse>(const FakeRequest&)>;
  explicit FakeTransport(Handler handler) : handler_(std::move(handler)) {}

  // REQUIRES: a POST of a GraphQL JSON body (all the Nivoda client sends).
  Result<http::HttpResponse> Send(const http::HttpRequest& http_request) override {
    if (http_request.method != "POST") return Status(Code::kInternal, "fake Nivoda: " + http_request.method);
    FakeRequest request;
    nlohmann::json parsed = nlohmann::json::parse(http_request.body);
    const std::string query = parsed["query"];
    request.variables = parsed["variables"];
    if (query.rfind("query Authenticate", 0) == 0)
      request.operation = "authenticate";
    else if (query.rfind("query Count", 0) == 0)
      request.operation = "count";
    else
      request.operation = "page";
    if (request.variables.contains("token")) request.token = request.variables["token"];
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    return handler_(request);
  }

  std::vector<FakeRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  int count(const std::string& operation) const {
    std::lock_guard<std::mutex> lock(mu_);
    int n = 0;
    for (const auto& r : requests_) n += r.operation == operation;
    return n;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
};

inline http::HttpResponse Ok(std::string body) { return http::HttpResponse{200, {}, std::move(body)}; }
inline http::HttpResponse TokenBody(const std::string& token) {
  return Ok(R"({"data":{"authenticate":{"username_and_password":{"token":")" + token + "\"}}}}");
}
inline http::HttpResponse CountBody(int64_t n) {
  return Ok(R"({"data":{"as":{"diamonds_by_query_count":)" + std::to_string(n) + "}}}");
}
inline http::HttpResponse ErrorBody(const std::string& message) {
  return Ok(R"({"errors":[{"message":")" + message + R"("}],"data":null})");
}

}  // namespace di::nivoda::testing

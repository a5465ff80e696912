// NivodaClient against a scripted transport: the order of operations, retries,
// re-authentication, rate limiting and validation, deterministic on a ManualClock.
#include "nivoda/nivoda_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "fake_transport.h"
#include "nivoda/token_bucket_limiter.h"

namespace di::nivoda {
namespace {

using testing::CountBody;
using testing::ErrorBody;
using testing::FakeRequest;
using testing::FakeTransport;
using testing::Ok;
using testing::TokenBody;

class CountingLimiter final : public RateLimiter {
 public:
  Status AcquireFor(const std::string&) override {
    ++acquired;
    return shut_down ? Status(Code::kCancelled, "x") : Status::Ok();
  }
  void Shutdown() override { shut_down = true; }
  void OnRateLimited(int64_t sent_at_ms, std::optional<Millis> retry_after) override {
    std::lock_guard<std::mutex> lock(mu);
    throttles.emplace_back(sent_at_ms, retry_after);
  }
  std::atomic<int> acquired{0};
  std::atomic<bool> shut_down{false};
  std::mutex mu;
  std::vector<std::pair<int64_t, std::optional<Millis>>> throttles;
};

class Recorder final : public ClientObserver {
 public:
  void OnCall(const CallEvent& e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
  std::mutex mu;
  std::vector<CallEvent> events;
};

struct Fixture {
  explicit Fixture(FakeTransport::Handler handler, RetryOptions retry = {}) {
    transport = std::make_shared<FakeTransport>(std::move(handler));
    limiter = std::make_shared<CountingLimiter>();
    ClientOptions o;
    o.endpoint = "http://nivoda.test/api/diamonds";
    o.username = "user@example.com";
    o.password = "correct horse battery staple";
    retry.jitter = Jitter::kNone;
    o.retry = retry;
    o.limiter = limiter;
    o.transport = transport;
    o.clock = &clock;
    o.observer = &recorder;
    client = NivodaClient::Create(std::move(o)).value();
  }
  ManualClock clock;
  Recorder recorder;
  std::shared_ptr<FakeTransport> transport;
  std::shared_ptr<CountingLimiter> limiter;
  std::unique_ptr<NivodaClient> client;
};

DiamondQuery Range(int64_t from, std::optional<int64_t> to) {
  DiamondQuery q;
  q.dollar_value = DollarRange{from, to};
  return q;
}

// Accepts token "t<N>" for the current N; authenticate hands out the next one.
struct TokenServer {
  std::atomic<int> issued{0};
  std::atomic<int> valid{0};
  http::HttpResponse Authenticate() {
    int n = ++issued;
    valid = n;
    return TokenBody("t" + std::to_string(n));
  }
  bool Accepts(const FakeRequest& r) const { return r.token == "t" + std::to_string(valid.load()); }
};

TEST(NivodaClient, CountAuthenticatesOnceAndReusesTheToken) {
  TokenServer tokens;
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") {
      EXPECT_EQ(r.variables["username"], "user@example.com");
      return tokens.Authenticate();
    }
    EXPECT_TRUE(tokens.Accepts(r));
    EXPECT_EQ(r.variables["query"]["dollar_value"]["from"], 0);
    EXPECT_FALSE(r.variables["query"]["dollar_value"].contains("to"));
    return CountBody(437849);
  });
  EXPECT_EQ(*f.client->Count(Range(0, std::nullopt)), 437849);
  EXPECT_EQ(*f.client->Count(Range(0, std::nullopt)), 437849);
  EXPECT_EQ(f.transport->count("authenticate"), 1);
  EXPECT_EQ(f.transport->count("count"), 2);
  EXPECT_EQ(f.limiter->acquired.load(), 3);  // every request, auth included
  EXPECT_EQ(f.clock.MonotonicMs(), 0);       // nothing slept
}

TEST(NivodaClient, TokenRefreshedFiveMinutesBeforeSixHours) {
  TokenServer tokens;
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return tokens.Authenticate();
    return CountBody(1);
  });
  ASSERT_TRUE(f.client->Count({}).ok());
  f.clock.Advance(std::chrono::minutes(6 * 60 - 6));
  ASSERT_TRUE(f.client->Count({}).ok());
  EXPECT_EQ(f.transport->count("authenticate"), 1);
  f.clock.Advance(std::chrono::minutes(2));
  ASSERT_TRUE(f.client->Count({}).ok());
  EXPECT_EQ(f.transport->count("authenticate"), 2);
  EXPECT_EQ(f.transport->requests().back().token, "t2");
}

TEST(NivodaClient, ExpiredTokenReauthenticatesOnceAndRetriesTheCall) {
  TokenServer tokens;
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return tokens.Authenticate();
    if (!tokens.Accepts(r)) return ErrorBody("Token expired");
    return CountBody(5);
  });
  ASSERT_TRUE(f.client->Count({}).ok());
  tokens.valid = 99;  // the server forgets t1
  EXPECT_EQ(*f.client->Count({}), 5);
  EXPECT_EQ(f.transport->count("authenticate"), 2);
  EXPECT_EQ(f.transport->count("count"), 3);
  EXPECT_EQ(f.client->counters().reauthentications, 1);
  EXPECT_EQ(f.clock.MonotonicMs(), 0);  // re-authentication does not back off
}

TEST(NivodaClient, Http401ReauthenticatesToo) {
  TokenServer tokens;
  std::atomic<int> calls{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return tokens.Authenticate();
    if (++calls == 1) return http::HttpResponse{401, {}, "unauthorized"};
    return CountBody(5);
  });
  EXPECT_EQ(*f.client->Count({}), 5);
  EXPECT_EQ(f.transport->count("authenticate"), 2);
}

TEST(NivodaClient, StillRefusedAfterReauthenticationGivesUp) {
  TokenServer tokens;
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return tokens.Authenticate();
    return http::HttpResponse{403, {}, "forbidden"};
  });
  Result<int64_t> result = f.client->Count({});
  EXPECT_EQ(result.status().code(), Code::kUnauthenticated);
  EXPECT_EQ(f.transport->count("authenticate"), 2);
  EXPECT_EQ(f.transport->count("count"), 2);
}

TEST(NivodaClient, BadCredentialsArePermanentAndNotRetried) {
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    EXPECT_EQ(r.operation, "authenticate");
    return ErrorBody("Invalid username or password");
  });
  Status s = f.client->Authenticate();
  EXPECT_EQ(s.code(), Code::kPermanent) << s.ToString();
  EXPECT_EQ(f.transport->count("authenticate"), 1);
  EXPECT_EQ(f.client->Count({}).status().code(), Code::kPermanent);
  EXPECT_EQ(f.transport->count("count"), 0);
}

TEST(NivodaClient, AuthenticationIsRetriedOnServerErrors) {
  std::atomic<int> auths{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") {
      if (++auths < 3) return http::HttpResponse{502, {}, ""};
      return TokenBody("tok");
    }
    return CountBody(1);
  });
  EXPECT_TRUE(f.client->Count({}).ok());
  EXPECT_EQ(auths.load(), 3);
  EXPECT_EQ(f.clock.MonotonicMs(), 2000 + 4000);
}

TEST(NivodaClient, RateLimitedHonoursRetryAfter) {
  std::atomic<int> calls{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    if (++calls == 1) return http::HttpResponse{429, {{"retry-after", "7"}}, "slow down"};
    return CountBody(3);
  });
  EXPECT_EQ(*f.client->Count({}), 3);
  EXPECT_EQ(f.clock.MonotonicMs(), 7000);
  EXPECT_EQ(f.client->counters().rate_limited, 1);
  EXPECT_EQ(f.client->counters().retries, 1);
  // The limiter hears of it, with the Retry-After and when the request was admitted.
  ASSERT_EQ(f.limiter->throttles.size(), 1u);
  EXPECT_EQ(f.limiter->throttles[0].second, Millis(7000));
  EXPECT_LE(f.limiter->throttles[0].first, DefaultClock().MonotonicMs());
}

TEST(NivodaClient, RateLimitedAttemptsAreCountedApartFromFailures) {
  // Five 429s, then two 503s, then an answer: within 10 answered 429 and 3 other failures.
  std::atomic<int> calls{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    const int n = ++calls;
    if (n <= 5) return http::HttpResponse{429, {{"retry-after", "1"}}, "slow down"};
    if (n <= 7) return http::HttpResponse{503, {}, "busy"};
    return CountBody(4);
  });
  Result<int64_t> count = f.client->Count({});
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 4);
  EXPECT_EQ(f.limiter->throttles.size(), 5u);
  // Endless 429s still end: after max_rate_limited_attempts answers.
  Fixture g([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    return http::HttpResponse{429, {{"retry-after", "1"}}, "slow down"};
  });
  EXPECT_EQ(g.client->Count({}).status().code(), Code::kRateLimited);
  EXPECT_EQ(g.limiter->throttles.size(), 10u);
}

TEST(NivodaClient, EventsSayWhetherTheRequestWasSentAndHowManyItems) {
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    return CountBody(2);
  });
  ASSERT_TRUE(f.client->Count({}).ok());
  ASSERT_EQ(f.recorder.events.size(), 2u);
  EXPECT_TRUE(f.recorder.events[1].sent);
  EXPECT_EQ(f.recorder.events[1].items, 0);
  f.limiter->Shutdown();
  EXPECT_EQ(f.client->Count({}).status().code(), Code::kCancelled);
  // A request the limiter refused never went out.
  for (size_t i = 2; i < f.recorder.events.size(); ++i) EXPECT_FALSE(f.recorder.events[i].sent);
}

TEST(NivodaClient, ServerErrorsRetriedWithExponentialBackoffThenGiveUp) {
  std::atomic<int> calls{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    ++calls;
    return http::HttpResponse{503, {}, "busy"};
  });
  Result<int64_t> result = f.client->Count({});
  EXPECT_EQ(result.status().code(), Code::kUnavailable);
  EXPECT_EQ(calls.load(), 3);
  EXPECT_EQ(f.clock.MonotonicMs(), 2000 + 4000);
}

TEST(NivodaClient, TransientFailuresOfEveryKindAreRetried) {
  std::atomic<int> calls{0};
  Fixture f(
      [&](const FakeRequest& r) -> Result<http::HttpResponse> {
        if (r.operation == "authenticate") return TokenBody("tok");
        switch (++calls) {
          case 1:
            return Status(Code::kUnavailable, "connection reset");
          case 2:
            return Ok("<html>bad gateway</html>");
          case 3:
            return ErrorBody("Internal server error");
          case 4:
            return http::HttpResponse{504, {}, ""};
          default:
            return CountBody(9);
        }
      },
      RetryOptions{5, Millis(10), Millis(1000), Millis(120000), Jitter::kNone, 1});
  EXPECT_EQ(*f.client->Count({}), 9);
  EXPECT_EQ(calls.load(), 5);
  EXPECT_EQ(f.clock.MonotonicMs(), 10 + 20 + 40 + 80);
}

TEST(NivodaClient, ValidationErrorIsNotRetried) {
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    return ErrorBody("Cannot query field \\\"bogus\\\" on type \\\"Diamond\\\".");
  });
  Result<Page> page = f.client->FetchPage({}, 0, 50, Order{});
  EXPECT_EQ(page.status().code(), Code::kPermanent) << page.status().ToString();
  EXPECT_EQ(f.transport->count("page"), 1);
  EXPECT_EQ(f.clock.MonotonicMs(), 0);
}

TEST(NivodaClient, InvalidRequestsAreNeverSent) {
  Fixture f([&](const FakeRequest&) -> Result<http::HttpResponse> { return TokenBody("tok"); });
  EXPECT_EQ(f.client->FetchPage({}, 0, 51, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.client->FetchPage({}, 0, 0, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.client->FetchPage({}, -50, 50, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.client->FetchPage(Range(10, 9), 0, 50, Order{}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(f.client->Count(Range(10, 9)).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(f.transport->requests().empty());
  EXPECT_EQ(f.limiter->acquired.load(), 0);
}

TEST(NivodaClient, FetchPageSendsPagingVariablesAndParses) {
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    EXPECT_EQ(r.variables["offset"], 100);
    EXPECT_EQ(r.variables["limit"], 50);
    EXPECT_EQ(r.variables["order"]["type"], "price");
    EXPECT_EQ(r.variables["order"]["direction"], "ASC");
    return Ok(R"({"data":{"as":{"diamonds_by_query":{"total_count":1,"items":[)"
              R"({"id":"o1","price":123,"diamond":{"id":"s1"}}]}}}})");
  });
  Result<Page> page = f.client->FetchPage(Range(1, 2), 100, 50, Order{});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->offers.size(), 1u);
  EXPECT_EQ(page->offers[0].raw_json, R"({"id":"o1","price":123,"diamond":{"id":"s1"}})");
}

TEST(NivodaClient, ConcurrentCallersShareOneAuthentication) {
  std::atomic<int> auths{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") {
      ++auths;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      return TokenBody("tok");
    }
    EXPECT_EQ(r.token, "tok");
    return CountBody(1);
  });
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 24; ++i) {
    threads.emplace_back([&] { ok += f.client->Count({}).ok(); });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 24);
  EXPECT_EQ(auths.load(), 1);
}

TEST(NivodaClient, ConcurrentExpiryReauthenticatesOnce) {
  TokenServer tokens;
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      return tokens.Authenticate();
    }
    if (!tokens.Accepts(r)) return ErrorBody("Invalid token");
    return CountBody(1);
  });
  ASSERT_TRUE(f.client->Count({}).ok());
  tokens.valid = 0;  // revoke t1 while 16 callers are about to use it
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) threads.emplace_back([&] { ok += f.client->Count({}).ok(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ(tokens.issued.load(), 2);
}

TEST(NivodaClient, SecretsAreRegisteredForRedaction) {
  Fixture f([&](const FakeRequest&) -> Result<http::HttpResponse> { return TokenBody("eyJ-secret-token-value"); });
  ASSERT_TRUE(f.client->Authenticate().ok());
  EXPECT_EQ(log::Redact("pw=correct horse battery staple"), "pw=***");
  EXPECT_EQ(log::Redact("Bearer eyJ-secret-token-value"), "Bearer ***");
}

TEST(NivodaClient, ObserverSeesEveryExchange) {
  std::atomic<int> calls{0};
  Fixture f([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    if (++calls == 1) return http::HttpResponse{500, {}, ""};
    return CountBody(1);
  });
  ASSERT_TRUE(f.client->Count({}).ok());
  ASSERT_EQ(f.recorder.events.size(), 3u);
  EXPECT_STREQ(f.recorder.events[0].operation, "authenticate");
  EXPECT_EQ(f.recorder.events[1].http_status, 500);
  EXPECT_EQ(f.recorder.events[1].code, Code::kUnavailable);
  EXPECT_EQ(f.recorder.events[1].retry_in, Millis(2000));
  EXPECT_EQ(f.recorder.events[2].attempt, 2);
  EXPECT_EQ(f.recorder.events[2].code, Code::kOk);
  EXPECT_EQ(f.client->counters().requests, 3);
}

TEST(NivodaClient, CancelAndLimiterShutdownStopCalls) {
  Fixture f([&](const FakeRequest&) -> Result<http::HttpResponse> { return TokenBody("tok"); });
  f.limiter->Shutdown();
  EXPECT_EQ(f.client->Count({}).status().code(), Code::kCancelled);
  f.limiter->shut_down = false;
  f.client->Cancel();
  EXPECT_EQ(f.client->Count({}).status().code(), Code::kCancelled);
}

TEST(NivodaClient, CancelInterruptsARetrySleep) {
  std::atomic<int> calls{0};
  auto transport = std::make_shared<FakeTransport>([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    ++calls;
    return http::HttpResponse{503, {}, ""};
  });
  ClientOptions o;
  o.endpoint = "http://nivoda.test/";
  o.transport = transport;
  o.retry.base_delay = Millis(60000);  // a real 60 s sleep unless interrupted
  auto client = NivodaClient::Create(std::move(o)).value();
  SystemClock clock;
  const int64_t start = clock.MonotonicMs();
  std::thread canceller([&] {
    while (calls.load() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    client->Cancel();
  });
  EXPECT_EQ(client->Count({}).status().code(), Code::kCancelled);
  canceller.join();
  EXPECT_LT(clock.MonotonicMs() - start, 2000);
  EXPECT_EQ(calls.load(), 1);
}

TEST(NivodaClient, CreateValidatesOptions) {
  ClientOptions o;
  o.endpoint = "ftp://x";
  EXPECT_EQ(NivodaClient::Create(o).status().code(), Code::kInvalidArgument);
  o.endpoint = "https://x";
  o.timeout = Millis(0);
  EXPECT_EQ(NivodaClient::Create(o).status().code(), Code::kInvalidArgument);
  o.timeout = Millis(1000);
  o.token.refresh_margin = o.token.lifetime;
  EXPECT_EQ(NivodaClient::Create(o).status().code(), Code::kInvalidArgument);
}

TEST(NivodaClient, WorksWithTheTokenBucket) {
  ManualClock clock;
  auto limiter = std::make_shared<TokenBucketRateLimiter>(TokenBucketRateLimiter::Options{25, 1, Millis(50)}, &clock);
  ClientOptions o;
  o.endpoint = "http://nivoda.test/";
  o.transport = std::make_shared<FakeTransport>([&](const FakeRequest& r) -> Result<http::HttpResponse> {
    if (r.operation == "authenticate") return TokenBody("tok");
    return CountBody(1);
  });
  o.limiter = limiter;
  o.clock = &clock;
  auto client = NivodaClient::Create(std::move(o)).value();
  for (int i = 0; i < 25; ++i) ASSERT_TRUE(client->Count({}).ok());
  // 26 requests at 25/s, burst 1: the last goes out at 1000 ms.
  EXPECT_EQ(clock.MonotonicMs(), 1000);
}

}  // namespace
}  // namespace di::nivoda

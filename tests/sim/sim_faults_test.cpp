// nivoda-sim fault injection, latency, rate limit and token lifetime, against
// real processes.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "http_util.h"

namespace di::sim::testing {
namespace {

using di::testing::SimProcess;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

std::unique_ptr<SimProcess> StartSim(std::vector<std::string> flags) {
  std::vector<std::string> all = {"--natural", "500", "--labgrown", "0", "--log-level", "warn"};
  all.insert(all.end(), flags.begin(), flags.end());
  auto sim = SimProcess::Start(all);
  EXPECT_TRUE(sim.ok()) << sim.status().ToString();
  return sim.ok() ? std::move(*sim) : nullptr;
}

const std::string kCount = "{\"query\":\"{ as(token: \\\"x\\\") { diamonds_by_query_count(query: {}) } }\"}";

TEST(SimFaults, HttpStatuses) {
  for (auto [flag, status, kind] : std::vector<std::tuple<std::string, int, std::string>>{
           {"--fault-500", 500, "http_500"}, {"--fault-502", 502, "http_502"}, {"--fault-503", 503, "http_503"}}) {
    auto sim = StartSim({flag, "1"});
    ASSERT_TRUE(sim);
    auto reply = sim->Post("/api/diamonds", kCount);
    ASSERT_TRUE(reply.ok());
    EXPECT_EQ(reply->status, status);
    auto counters = sim->Counters();
    ASSERT_TRUE(counters.ok());
    EXPECT_EQ(counters->errors_injected, 1);
    EXPECT_EQ(counters->errors_injected_by_kind[kind], 1);
  }
}

TEST(SimFaults, HangOutlastsTheClientTimeoutThen504) {
  auto sim = StartSim({"--fault-hang", "1", "--fault-hang-ms", "2000"});
  ASSERT_TRUE(sim);
  httplib::Client impatient("127.0.0.1", sim->port());
  impatient.set_read_timeout(std::chrono::milliseconds(150));
  auto r = impatient.Post("/api/diamonds", kCount, "application/json");
  EXPECT_FALSE(r);
  EXPECT_EQ(r.error(), httplib::Error::Read) << "timed out waiting for the answer";
  // The client gave up while the simulator still held its request: the hang
  // (2 s, 13x the client's timeout) outlasted the timeout.
  auto held = sim->Counters();
  for (int i = 0; i < 100 && held.ok() && held->errors_injected_by_kind["hang"] == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));  // the request may not have been read yet
    held = sim->Counters();
  }
  ASSERT_TRUE(held.ok());
  EXPECT_EQ(held->errors_injected_by_kind["hang"], 1);
  EXPECT_EQ(held->in_flight, 1) << "the hung request is still held";
  auto patient = sim->Post("/api/diamonds", kCount);
  ASSERT_TRUE(patient.ok());
  EXPECT_EQ(patient->status, 504);
}

TEST(SimFaults, ConnectionResetGivesNoResponse) {
  auto sim = StartSim({"--fault-reset", "1"});
  ASSERT_TRUE(sim);
  auto reply = sim->Post("/api/diamonds", kCount);
  EXPECT_FALSE(reply.ok());
  auto counters = sim->Counters();
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->errors_injected_by_kind["reset"], 1);
}

TEST(SimFaults, MalformedJsonWith200) {
  auto sim = StartSim({"--fault-malformed", "1"});
  ASSERT_TRUE(sim);
  auto reply = sim->Post("/api/diamonds", kCount);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  EXPECT_TRUE(json::parse(reply->body, nullptr, false).is_discarded()) << reply->body;
}

TEST(SimFaults, TransientGraphqlErrorWith200) {
  auto sim = StartSim({"--fault-graphql-error", "1"});
  ASSERT_TRUE(sim);
  auto reply = sim->Post("/api/diamonds", kCount);
  ASSERT_TRUE(reply.ok());
  EXPECT_EQ(reply->status, 200);
  auto j = ParseOrFail(reply->body);
  EXPECT_EQ(j["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR");
  EXPECT_TRUE(j["data"].is_null());
}

// The exact delays are LatencyModel's (policy_test); here the process applies
// them: a delay is never cut short, so lower bounds hold on any machine; the
// upper bound on the shallow page is 10x its base and still far below the
// deep page's cost, so the offset cost is charged by offset.
TEST(SimFaults, LatencyBasePlusDeepOffsetCost) {
  auto sim = StartSim({"--latency-base-ms", "150", "--latency-per-1k-offset-ms", "600"});
  ASSERT_TRUE(sim);
  auto token = sim->Token();  // takes the base latency too
  ASSERT_TRUE(token.ok());
  auto timed = [&](int64_t offset) {
    auto start = Clock::now();
    PageJson(*sim, *token, json::object(), offset, 1, json(nullptr), "id");
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  };
  int64_t shallow = timed(0);
  int64_t deep = timed(3000);
  EXPECT_GE(shallow, 150 - 10);
  EXPECT_LT(shallow, 10 * 150) << "offset 0 is charged no offset cost";
  EXPECT_GE(deep, 150 + 3 * 600 - 10);
}

TEST(SimFaults, ManySlowRequestsRunConcurrently) {
  auto sim = StartSim({"--latency-base-ms", "1000"});
  ASSERT_TRUE(sim);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 64; ++i) {
    threads.emplace_back([&] {
      auto r = sim->Post("/api/diamonds", kCount);
      ok += r.ok() && r->status == 200;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok, 64);
  // Held 1 s each, the 64 requests were held together, not one after another.
  auto counters = sim->Counters();
  ASSERT_TRUE(counters.ok());
  EXPECT_GE(counters->peak_concurrent, 48);
  EXPECT_GE(counters->peak_requests_per_second, 64);
}

TEST(SimRateLimit, Sends429WithRetryAfterAndCountsThem) {
  auto sim = StartSim({"--rate-limit", "5", "--rate-burst", "5"});
  ASSERT_TRUE(sim);
  int limited = 0, passed = 0;
  std::string retry_after;
  httplib::Client client("127.0.0.1", sim->port());
  const auto start = Clock::now();
  for (int i = 0; i < 20; ++i) {
    auto r = client.Post("/api/diamonds", kCount, "application/json");
    ASSERT_TRUE(r);
    if (r->status == 429) {
      ++limited;
      retry_after = r->get_header_value("Retry-After");
    } else {
      ++passed;
    }
  }
  // The burst at once, then 5 per second: however slowly these 20 requests
  // went, no more passed than the bucket held plus what it earned meanwhile.
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_GE(passed, 5);
  EXPECT_LE(passed, 5 + static_cast<int>(5 * seconds) + 1) << "in " << seconds << " s";
  EXPECT_EQ(limited + passed, 20);
  EXPECT_GE(std::stoi(retry_after), 1);
  auto counters = sim->Counters();
  ASSERT_TRUE(counters.ok());
  EXPECT_EQ(counters->rate_limited, limited);
  EXPECT_EQ(counters->requests, 20);
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  auto later = client.Post("/api/diamonds", kCount, "application/json");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 200);
}

TEST(SimTokens, ExpireAfterTheirLifetimeAndCanBeRevoked) {
  auto sim = StartSim({"--token-ttl", "1"});
  ASSERT_TRUE(sim);
  auto token = sim->Token();
  ASSERT_TRUE(token.ok());
  auto count_error = [&](const std::string& t) {
    auto reply = sim->Graphql("query($t: String!) { as(token: $t) { diamonds_by_query_count(query: {}) } }",
                              json({{"t", t}}).dump());
    auto j = ParseOrFail(reply->body);
    return j.contains("errors") ? j["errors"][0]["message"].get<std::string>() : std::string();
  };
  EXPECT_EQ(count_error(*token), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  EXPECT_NE(count_error(*token).find("expired token"), std::string::npos);
  auto fresh = sim->Token();
  ASSERT_TRUE(fresh.ok());
  auto revoked = sim->RevokeTokens();
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, 1);
  EXPECT_NE(count_error(*fresh).find("invalid token"), std::string::npos);
  EXPECT_NE(count_error("").find("missing token"), std::string::npos);
  auto wrong =
      sim->Graphql("{ authenticate { username_and_password(username: \"nivoda-sim\", password: \"no\") { token } } }");
  EXPECT_NE(wrong->body.find("Invalid username or password"), std::string::npos);
}

TEST(SimValidation, ErrorsArriveAsGraphqlErrorsWithHttp200) {
  auto sim = StartSim({});
  ASSERT_TRUE(sim);
  auto token = sim->Token();
  ASSERT_TRUE(token.ok());
  auto page = PageJson(*sim, *token, json::object(), 0, 51, json(nullptr), "id");
  EXPECT_NE(page["errors"][0]["message"].get<std::string>().find("limit"), std::string::npos);
  auto neg = PageJson(*sim, *token, json::object(), -1, 10, json(nullptr), "id");
  EXPECT_NE(neg["errors"][0]["message"].get<std::string>().find("offset"), std::string::npos);
  auto unknown = PageJson(*sim, *token, json::object(), 0, 10, json(nullptr), "id bogus");
  EXPECT_NE(unknown["errors"][0]["message"].get<std::string>().find("bogus"), std::string::npos);
  auto bad_body = sim->Post("/api/diamonds", "{not json");
  ASSERT_TRUE(bad_body.ok());
  EXPECT_EQ(bad_body->status, 400);
}

}  // namespace
}  // namespace di::sim::testing

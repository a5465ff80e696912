// NivodaClient against a real nivoda-sim process: counts, paging with exact
// payloads, token expiry, 429s, injected faults, validation errors, connection
// reuse and the local rate limiter, each checked on the simulator's own counters.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <set>
#include <thread>

#include "http/curl_transport.h"
#include "nivoda/nivoda_client.h"
#include "nivoda/token_bucket_limiter.h"
#include "sim_process.h"

namespace di::nivoda {
namespace {

using di::testing::SimProcess;

std::unique_ptr<SimProcess> StartSim(std::vector<std::string> flags) {
  for (const char* f : {"--natural", "--labgrown"}) {
    bool given = false;
    for (const auto& x : flags) given = given || x == f;
    if (!given) flags.insert(flags.end(), {f, std::string(f) == "--natural" ? "600" : "0"});
  }
  auto sim = SimProcess::Start(flags);
  if (!sim.ok()) ADD_FAILURE() << sim.status().ToString();
  return sim.ok() ? std::move(sim).value() : nullptr;
}

ClientOptions Options(const SimProcess& sim) {
  ClientOptions o;
  o.endpoint = sim.endpoint();
  o.username = SimProcess::kUsername;
  o.password = SimProcess::kPassword;
  o.timeout = Millis(10000);
  o.retry.base_delay = Millis(5);
  o.retry.max_delay = Millis(50);
  o.retry.seed = 1;
  return o;
}

std::unique_ptr<NivodaClient> Client(ClientOptions o) { return NivodaClient::Create(std::move(o)).value(); }

DiamondQuery Natural() {
  DiamondQuery q;
  q.labgrown = false;
  return q;
}

TEST(NivodaSim, CountAndPagingReturnTheExactServedPayloads) {
  auto sim = StartSim({});
  ASSERT_TRUE(sim);
  auto dump = sim->Dump("natural").value();
  ASSERT_EQ(dump.size(), 600u);
  std::map<std::string, di::testing::SimDumpRow> by_stone;
  std::map<int64_t, int> stones_at_price;
  for (const auto& row : dump) {
    by_stone[row.stone_id] = row;
    ++stones_at_price[row.price_cents];
  }

  auto client = Client(Options(*sim));
  EXPECT_EQ(*client->Count(Natural()), 600);

  std::set<std::string> seen;
  int64_t offset = 0, items = 0;
  int pages = 0;
  while (true) {
    Result<Page> page = client->FetchPage(Natural(), offset, 50, Order{"price", Direction::kAsc});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ++pages;
    if (page->end()) break;
    EXPECT_TRUE(page->bad_items.empty());
    for (const Offer& offer : page->offers) {
      auto it = by_stone.find(offer.stone_id);
      ASSERT_NE(it, by_stone.end()) << offer.stone_id;
      // The exact bytes served: their hash is the simulator's payload hash.
      EXPECT_EQ(offer.sha256_hex, it->second.payload_sha256) << offer.stone_id;
      EXPECT_EQ(offer.price_cents, it->second.price_cents);
      EXPECT_EQ(offer.offer_id, it->second.offer_id);
      EXPECT_EQ(offer.updated_at, it->second.updated_at);
      seen.insert(offer.stone_id);
    }
    items += static_cast<int64_t>(page->item_count());
    offset += static_cast<int64_t>(page->item_count());
  }
  EXPECT_EQ(items, 600);
  EXPECT_EQ(pages, 13);  // 12 full pages and the empty one
  // Offset paging over equal prices may swap stones between pages (no tiebreaker);
  // any stone missed must share its price with another.
  for (const auto& row : dump) {
    if (!seen.count(row.stone_id)) {
      EXPECT_GT(stones_at_price[row.price_cents], 1) << row.stone_id;
    }
  }
  EXPECT_EQ(client->counters().authentications, 1);
  EXPECT_EQ(client->counters().retries, 0);
}

TEST(NivodaSim, ShortPagesAreNotTheEnd) {
  auto sim = StartSim({"--short-page-fraction", "0.5"});
  ASSERT_TRUE(sim);
  auto client = Client(Options(*sim));
  int64_t offset = 0;
  int short_pages = 0;
  while (true) {
    Result<Page> page = client->FetchPage(Natural(), offset, 50, Order{"price", Direction::kAsc});
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    if (page->end()) break;
    if (page->item_count() < 50 && offset + 50 < 600) ++short_pages;
    offset += static_cast<int64_t>(page->item_count());
  }
  EXPECT_GT(short_pages, 0);
  EXPECT_EQ(offset, 600);  // read on past every short page up to the real end
}

TEST(NivodaSim, ExpiredTokenReauthenticatesOnce) {
  auto sim = StartSim({"--token-ttl", "1"});
  ASSERT_TRUE(sim);
  auto client = Client(Options(*sim));  // believes tokens last 6 hours
  ASSERT_TRUE(client->Count(Natural()).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  EXPECT_EQ(*client->Count(Natural()), 600);
  EXPECT_EQ(client->counters().reauthentications, 1);
  EXPECT_EQ(client->counters().authentications, 2);
  auto counters = sim->Counters().value();
  EXPECT_EQ(counters.tokens_issued, 2);
  EXPECT_EQ(counters.requests_by_operation["unauthenticated"], 1);
  EXPECT_EQ(counters.requests_by_operation["diamonds_by_query_count"], 2);
}

TEST(NivodaSim, RevokedTokensUnderConcurrencyCostOneAuthentication) {
  auto sim = StartSim({});
  ASSERT_TRUE(sim);
  auto client = Client(Options(*sim));
  ASSERT_TRUE(client->Count(Natural()).ok());
  ASSERT_EQ(*sim->RevokeTokens(), 1);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) threads.emplace_back([&] { ok += client->Count(Natural()).ok(); });
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(sim->Counters()->tokens_issued, 2);
}

TEST(NivodaSim, BadCredentialsArePermanentAndNotRetried) {
  auto sim = StartSim({});
  ASSERT_TRUE(sim);
  ClientOptions o = Options(*sim);
  o.password = "wrong-password";
  auto client = Client(o);
  Status s = client->Authenticate();
  EXPECT_EQ(s.code(), Code::kPermanent) << s.ToString();
  EXPECT_EQ(sim->Counters()->requests, 1);
}

TEST(NivodaSim, ValidationErrorIsNotRetried) {
  auto sim = StartSim({"--max-limit", "10"});
  ASSERT_TRUE(sim);
  auto client = Client(Options(*sim));
  ASSERT_TRUE(client->Authenticate().ok());
  ASSERT_TRUE(sim->ResetCounters().ok());
  Result<Page> page = client->FetchPage(Natural(), 0, 50, Order{});
  EXPECT_EQ(page.status().code(), Code::kPermanent) << page.status().ToString();
  EXPECT_EQ(sim->Counters()->requests, 1);
}

class Recorder final : public ClientObserver {
 public:
  void OnCall(const CallEvent& e) override {
    std::lock_guard<std::mutex> lock(mu);
    events.push_back(e);
  }
  std::mutex mu;
  std::vector<CallEvent> events;
};

TEST(NivodaSim, RateLimited429HonoursRetryAfter) {
  auto sim = StartSim({"--rate-limit", "4", "--rate-burst", "1"});
  ASSERT_TRUE(sim);
  Recorder recorder;
  ClientOptions o = Options(*sim);
  o.retry.max_attempts = 10;
  o.observer = &recorder;
  auto client = Client(o);
  for (int i = 0; i < 8; ++i) ASSERT_EQ(*client->Count(Natural()), 600);
  auto counters = sim->Counters().value();
  EXPECT_GT(counters.rate_limited, 0);
  EXPECT_EQ(client->counters().rate_limited, counters.rate_limited);
  int honoured = 0;
  for (const auto& e : recorder.events) {
    if (e.http_status != 429) continue;
    ASSERT_TRUE(e.retry_in.has_value());
    EXPECT_GE(*e.retry_in, Millis(1000));  // Retry-After is whole seconds, at least 1
    ++honoured;
  }
  EXPECT_EQ(honoured, counters.rate_limited);
}

// Every injected fault costs exactly one retry and no call fails.
void ExpectFaultsRetried(std::vector<std::string> flags, int calls, Millis timeout = Millis(10000)) {
  auto sim = StartSim(flags);
  ASSERT_TRUE(sim);
  ClientOptions o = Options(*sim);
  o.retry.max_attempts = 12;
  o.timeout = timeout;
  auto client = Client(o);
  for (int i = 0; i < calls; ++i) {
    Result<int64_t> count = client->Count(Natural());
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    ASSERT_EQ(*count, 600);
  }
  Result<Page> page = client->FetchPage(Natural(), 0, 50, Order{});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->item_count(), 50u);
  auto counters = sim->Counters().value();
  EXPECT_GT(counters.errors_injected, 0);
  EXPECT_EQ(client->counters().retries, counters.errors_injected);
}

TEST(NivodaSim, ServerErrorsAreRetried) {
  ExpectFaultsRetried({"--fault-500", "0.15", "--fault-502", "0.1", "--fault-503", "0.15"}, 40);
}

TEST(NivodaSim, MalformedBodiesAndTransientGraphQLErrorsAreRetried) {
  ExpectFaultsRetried({"--fault-malformed", "0.2", "--fault-graphql-error", "0.2"}, 40);
}

// A reset kills the connection before any answer. libcurl itself repeats a
// request once when a reused connection dies before answering; otherwise the
// client's retry does. Either way every call succeeds, and each reset costs
// exactly one new connection.
TEST(NivodaSim, ConnectionResetsAreRetried) {
  auto sim = StartSim({"--fault-reset", "0.25"});
  ASSERT_TRUE(sim);
  auto transport = std::make_shared<http::CurlTransport>();
  ClientOptions o = Options(*sim);
  o.retry.max_attempts = 12;
  o.transport = transport;
  auto client = Client(o);
  for (int i = 0; i < 30; ++i) {
    Result<int64_t> count = client->Count(Natural());
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    ASSERT_EQ(*count, 600);
  }
  auto counters = sim->Counters().value();
  EXPECT_GT(counters.errors_injected, 0);
  EXPECT_LE(client->counters().retries, counters.errors_injected);
  EXPECT_EQ(transport->connections_opened(), 1 + counters.errors_injected);
}

TEST(NivodaSim, HungRequestsTimeOutAndAreRetried) {
  ExpectFaultsRetried({"--fault-hang", "0.3", "--fault-hang-ms", "3000"}, 20, Millis(400));
}

TEST(NivodaSim, ConcurrentCallersReuseConnections) {
  auto sim = StartSim({});
  ASSERT_TRUE(sim);
  auto transport = std::make_shared<http::CurlTransport>();
  ClientOptions o = Options(*sim);
  o.transport = transport;
  auto client = Client(o);
  const int threads = 8, per_thread = 20;
  std::vector<std::thread> pool;
  std::atomic<int> ok{0};
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < per_thread; ++i) ok += client->Count(Natural()).ok();
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(ok.load(), threads * per_thread);
  auto counters = sim->Counters().value();
  EXPECT_EQ(counters.requests, threads * per_thread + 1);
  // One connection per concurrent caller at most, not one per request.
  EXPECT_LE(transport->connections_opened(), threads);
  EXPECT_LE(counters.peak_concurrent, threads);
}

TEST(NivodaSim, LocalRateLimiterStaysUnderTheAccountLimit) {
  auto sim = StartSim({"--rate-limit", "25"});
  ASSERT_TRUE(sim);
  ClientOptions o = Options(*sim);
  o.limiter =
      std::make_shared<TokenBucketRateLimiter>(TokenBucketRateLimiter::Options{20, 1, Millis(50)}, &DefaultClock());
  auto client = Client(o);
  std::vector<std::thread> pool;
  std::atomic<int> ok{0};
  for (int t = 0; t < 8; ++t) {
    pool.emplace_back([&] {
      for (int i = 0; i < 8; ++i) ok += client->Count(Natural()).ok();
    });
  }
  for (auto& t : pool) t.join();
  EXPECT_EQ(ok.load(), 64);
  auto counters = sim->Counters().value();
  EXPECT_EQ(counters.rate_limited, 0);
  EXPECT_LE(counters.peak_requests_per_second, 21);
  EXPECT_GE(counters.peak_requests_per_second, 10);  // the limiter did not starve callers
}

}  // namespace
}  // namespace di::nivoda

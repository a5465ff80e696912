#include "nivoda/token_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

namespace di::nivoda {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

TEST(TokenCache, CachesUntilRefreshMargin) {
  ManualClock clock;
  int calls = 0;
  TokenCache cache([&]() -> Result<std::string> { return "token-" + std::to_string(++calls); }, TokenCacheOptions{},
                   &clock);
  EXPECT_EQ(*cache.Get(), "token-1");
  clock.Advance(hours(5) + minutes(54));
  EXPECT_EQ(*cache.Get(), "token-1");  // 6 min left: still fresh
  clock.Advance(minutes(1) + Millis(1));
  EXPECT_EQ(*cache.Get(), "token-2");  // < 5 min left: refreshed
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(cache.authentications(), 2);
}

TEST(TokenCache, ConfigurableLifetimeAndMargin) {
  ManualClock clock;
  int calls = 0;
  TokenCache cache([&]() -> Result<std::string> { return "t" + std::to_string(++calls); },
                   TokenCacheOptions{Millis(1000), Millis(100)}, &clock);
  EXPECT_EQ(*cache.Get(), "t1");
  clock.Advance(Millis(899));
  EXPECT_EQ(*cache.Get(), "t1");
  clock.Advance(Millis(1));
  EXPECT_EQ(*cache.Get(), "t2");
}

TEST(TokenCache, FailureIsNotCachedAndIsReturned) {
  ManualClock clock;
  int calls = 0;
  TokenCache cache(
      [&]() -> Result<std::string> {
        if (++calls == 1) return Status(Code::kPermanent, "bad credentials");
        return std::string("good");
      },
      TokenCacheOptions{}, &clock);
  EXPECT_EQ(cache.Get().status().code(), Code::kPermanent);
  EXPECT_EQ(*cache.Get(), "good");
}

TEST(TokenCache, EmptyTokenIsCorrupt) {
  ManualClock clock;
  TokenCache cache([]() -> Result<std::string> { return std::string(); }, TokenCacheOptions{}, &clock);
  EXPECT_EQ(cache.Get().status().code(), Code::kCorrupt);
}

TEST(TokenCache, InvalidateOnlyForgetsTheStaleToken) {
  ManualClock clock;
  int calls = 0;
  TokenCache cache([&]() -> Result<std::string> { return "t" + std::to_string(++calls); }, TokenCacheOptions{}, &clock);
  EXPECT_EQ(*cache.Get(), "t1");
  cache.Invalidate("t1");
  EXPECT_EQ(*cache.Get(), "t2");
  cache.Invalidate("t1");  // a late report about the old token: ignored
  EXPECT_EQ(*cache.Get(), "t2");
  EXPECT_EQ(calls, 2);
}

// Concurrent callers while an authentication runs all wait for it and get its
// token: exactly one authentication.
TEST(TokenCache, ConcurrentCallersShareOneAuthentication) {
  ManualClock clock;
  std::mutex mu;
  std::condition_variable cv;
  bool release = false;
  std::atomic<int> calls{0};
  std::atomic<int> entered{0};
  TokenCache cache(
      [&]() -> Result<std::string> {
        ++calls;
        entered = 1;
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return release; });
        return std::string("shared");
      },
      TokenCacheOptions{}, &clock);
  std::vector<std::thread> threads;
  std::vector<std::string> got(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { got[i] = cache.Get().value(); });
  }
  while (entered.load() == 0) std::this_thread::yield();
  // Give the other threads time to reach the wait.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  {
    std::lock_guard<std::mutex> lock(mu);
    release = true;
  }
  cv.notify_all();
  for (auto& t : threads) t.join();
  EXPECT_EQ(calls.load(), 1);
  for (const auto& token : got) EXPECT_EQ(token, "shared");
}

// A failure of the shared authentication is shared too: no stampede of retries.
TEST(TokenCache, ConcurrentCallersShareAFailure) {
  ManualClock clock;
  std::atomic<int> calls{0};
  std::atomic<bool> go{false};
  TokenCache cache(
      [&]() -> Result<std::string> {
        ++calls;
        while (!go.load()) std::this_thread::yield();
        return Status(Code::kUnavailable, "down");
      },
      TokenCacheOptions{}, &clock);
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  std::atomic<int> calling{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      ++calling;
      if (cache.Get().status().code() == Code::kUnavailable) ++failures;
    });
  }
  // The failure comes only once every caller is on its way into Get() (a
  // thread slow to start would otherwise arrive after it and, rightly, make its
  // own attempt), plus 50 ms for the last few instructions to the wait.
  while (calling.load() < 8 || calls.load() == 0) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  go = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 8);
  // Threads that arrived after the failure may start their own attempt; but
  // those that waited shared one.
  EXPECT_EQ(calls.load(), 1);
}

}  // namespace
}  // namespace di::nivoda

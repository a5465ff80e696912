#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>

namespace di {
namespace {

TEST(ThreadPoolTest, RunsEveryTaskWithBoundedConcurrency) {
  std::atomic<int> running{0}, peak{0}, done{0};
  std::vector<std::future<int>> results;
  {
    ThreadPool pool(3);
    for (int i = 0; i < 30; ++i) {
      results.push_back(pool.Submit([&, i] {
        int now = ++running;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        --running;
        ++done;
        return i * 2;
      }));
    }
  }
  EXPECT_EQ(done.load(), 30);
  EXPECT_LE(peak.load(), 3);
  EXPECT_GE(peak.load(), 2);
  for (int i = 0; i < 30; ++i) EXPECT_EQ(results[i].get(), i * 2);
}

}  // namespace
}  // namespace di

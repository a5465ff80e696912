#include "store/pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_database.h"

namespace di::pg {
namespace {

TEST(PoolTest, BoundsConnectionsAndReuses) {
  auto db = testing::TestDatabase::Create(false);
  Pool pool(db.url(), 3);
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) {
        auto c = pool.Acquire();
        if (c.ok() && (*c)->Exec("SELECT 1").ok()) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 160);
  auto c = pool.Acquire();
  auto r = (*c)->Exec("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()");
  EXPECT_LE(r->GetInt64(0, 0), 3);
}

TEST(PoolTest, DropsBrokenConnectionsAndReconnects) {
  auto db = testing::TestDatabase::Create(false);
  Pool pool(db.url(), 1);
  std::string pid;
  {
    auto c = pool.Acquire();
    pid = (*c)->Exec("SELECT pg_backend_pid()")->GetString(0, 0);
  }
  auto killer = db.Connect();
  ASSERT_TRUE(killer->Exec("SELECT pg_terminate_backend($1::int)", {P(pid)}).ok());
  {
    auto c = pool.Acquire();
    EXPECT_FALSE((*c)->Exec("SELECT 1").ok());
  }
  auto c = pool.Acquire();
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Exec("SELECT pg_backend_pid()");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->GetString(0, 0), pid);
}

}  // namespace
}  // namespace di::pg

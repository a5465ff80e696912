#include "store/migrations.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "test_database.h"

namespace di::pg {
namespace {

TEST(MigrationsTest, VersionsAreUniqueAndOrdered) {
  int last = 0;
  for (const auto& m : AllMigrations()) {
    EXPECT_GT(m.version, last) << m.name;
    last = m.version;
  }
  EXPECT_GE(AllMigrations().size(), 2u);
}

TEST(MigrationsTest, AppliesOnceAndCreatesPipelineTables) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  auto first = Migrate(*conn);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, static_cast<int>(AllMigrations().size()));
  auto again = Migrate(*conn);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, 0);
  for (const char* table : {"run_metadata", "worker_runs", "partition_progress", "raw_diamonds_nivoda", "diamonds",
                            "queue_messages", "queue_dead_letters", "schema_migrations"}) {
    auto r = conn->Exec("SELECT to_regclass($1) IS NOT NULL", {P(table)});
    EXPECT_TRUE(r->GetBool(0, 0)) << table;
  }
}

TEST(MigrationsTest, ConcurrentProcessesApplyEachMigrationOnce) {
  auto db = testing::TestDatabase::Create(false);
  std::vector<std::thread> threads;
  std::vector<int> applied(6, -1);
  for (int i = 0; i < 6; ++i) {
    threads.emplace_back([&, i] {
      auto conn = db.Connect();
      auto r = Migrate(*conn);
      applied[i] = r.ok() ? *r : -1000;
    });
  }
  for (auto& t : threads) t.join();
  int total = 0;
  for (int a : applied) {
    EXPECT_GE(a, 0);
    total += a;
  }
  EXPECT_EQ(total, static_cast<int>(AllMigrations().size()));
  auto conn = db.Connect();
  auto r = conn->Exec("SELECT count(*) FROM schema_migrations");
  EXPECT_EQ(r->GetInt64(0, 0), static_cast<int64_t>(AllMigrations().size()));
}

}  // namespace
}  // namespace di::pg

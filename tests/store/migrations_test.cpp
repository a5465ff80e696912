#include "store/migrations.h"

#include <gtest/gtest.h>

#include <string>
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
  for (const char* table : {"run_metadata", "partition_runs", "partition_progress", "raw_diamonds_nivoda", "diamonds",
                            "queue_messages", "queue_dead_letters", "schema_migrations"}) {
    auto r = conn->Exec("SELECT to_regclass($1) IS NOT NULL", {P(table)});
    EXPECT_TRUE(r->GetBool(0, 0)) << table;
  }
}

// The migration that renamed worker_runs / *_workers to partition names.
const Migration& PartitionNames() {
  for (const Migration& m : AllMigrations()) {
    if (std::string(m.name).find("partition_names") != std::string::npos) return m;
  }
  ADD_FAILURE() << "no partition_names migration";
  return AllMigrations().back();
}

int64_t Int(Connection& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  return r.ok() && r->rows() == 1 ? r->GetInt64(0, 0) : -1;
}

// A database migrated before the rename, with a run in flight, keeps its rows
// under the new names; worker_runs stays readable and writable as a view; and
// applying the migration's script again changes nothing.
TEST(MigrationsTest, PartitionNamesKeepRowsAndAreIdempotent) {
  auto db = testing::TestDatabase::Create(false);
  auto conn = db.Connect();
  const Migration& rename = PartitionNames();
  ASSERT_TRUE(conn->ExecScript("CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                               " applied_at timestamptz NOT NULL DEFAULT now())")
                  .ok());
  int before = 0;
  for (const Migration& m : AllMigrations()) {
    if (m.version >= rename.version) break;
    ASSERT_TRUE(conn->ExecScript(m.sql).ok()) << m.name;
    ASSERT_TRUE(
        conn->Exec("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", {P(m.version), P(m.name)}).ok());
    ++before;
  }
  Status seeded = conn->ExecScript(
      "INSERT INTO run_metadata (run_id, feed, run_type, expected_workers, completed_workers, failed_workers,"
      " updated_to) VALUES ('r1', 'natural', 'full', 3, 1, 1, now());"
      "INSERT INTO worker_runs (run_id, partition_id, status, work_item_payload) VALUES"
      " ('r1', 0, 'completed', '{}'), ('r1', 1, 'failed', '{}'), ('r1', 2, 'running', '{}')");
  ASSERT_TRUE(seeded.ok()) << seeded.ToString();

  auto applied = Migrate(*conn);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, static_cast<int>(AllMigrations().size()) - before);

  auto check = [&conn] {
    EXPECT_EQ(Int(*conn,
                  "SELECT expected_partitions * 100 + completed_partitions * 10 + failed_partitions"
                  " FROM run_metadata WHERE run_id = 'r1'"),
              311);
    EXPECT_EQ(Int(*conn, "SELECT count(*) FROM partition_runs WHERE run_id = 'r1'"), 3);
    EXPECT_EQ(Int(*conn, "SELECT count(*) FROM worker_runs WHERE run_id = 'r1' AND status = 'failed'"), 1);
    EXPECT_EQ(Int(*conn, "SELECT count(*) FROM pg_class WHERE oid = to_regclass('worker_runs') AND relkind = 'v'"), 1);
    EXPECT_EQ(Int(*conn,
                  "SELECT count(*) FROM pg_constraint WHERE conname IN ('partition_runs_run_id_partition_id_key',"
                  " 'partition_runs_run_id_fkey', 'partition_runs_status_check',"
                  " 'run_metadata_expected_partitions_check')"),
              4);
    EXPECT_EQ(Int(*conn,
                  "SELECT count(*) FROM information_schema.columns WHERE table_name = 'run_metadata'"
                  " AND column_name LIKE '%workers'"),
              0);
  };
  check();
  // The compatibility view is updatable, and the constraints still hold.
  ASSERT_TRUE(conn->Exec("UPDATE worker_runs SET attempts = 5 WHERE run_id = 'r1' AND partition_id = 2").ok());
  EXPECT_EQ(Int(*conn, "SELECT attempts FROM partition_runs WHERE run_id = 'r1' AND partition_id = 2"), 5);
  EXPECT_FALSE(conn->Exec("INSERT INTO partition_runs (run_id, partition_id, work_item_payload)"
                          " VALUES ('r1', 2, '{}')")
                   .ok());
  EXPECT_FALSE(conn->Exec("INSERT INTO run_metadata (run_id, feed, run_type, expected_partitions, updated_to)"
                          " VALUES ('r2', 'natural', 'full', -1, now())")
                   .ok());

  Status again = conn->ExecScript(rename.sql);
  ASSERT_TRUE(again.ok()) << again.ToString();
  check();
  EXPECT_EQ(Int(*conn, "SELECT attempts FROM partition_runs WHERE run_id = 'r1' AND partition_id = 2"), 5);
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

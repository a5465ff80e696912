// ReadRun / ReadRuns against the suite's PostgreSQL: every field of a run in
// flight and of a consolidated one, newest-first listing, the running filter.
#include "store/run_row.h"

#include <gtest/gtest.h>

#include "store/runs.h"
#include "test_database.h"

namespace di::store {
namespace {

WallTime Iso(const char* text) {
  WallTime t;
  EXPECT_TRUE(ParseIso8601(text, &t)) << text;
  return t;
}

void Exec(pg::Connection& conn, const std::string& sql) {
  Status s = conn.ExecScript(sql);
  ASSERT_TRUE(s.ok()) << sql << ": " << s.ToString();
}

// A run of four partitions: 0 completed, 1 failed, 2 running, 3 pending.
void CreateRun(pg::Connection& conn, const std::string& run_id, const char* started_at) {
  NewRun run{run_id,
             "labgrown",
             "incremental",
             "2026-02-11T00:00:00.250Z",
             "2026-02-11T00:00:00.250Z",
             "2026-02-12T02:00:00.500Z",
             17,
             false,
             std::nullopt};
  std::vector<NewPartition> parts;
  for (int i = 0; i < 4; ++i) {
    parts.push_back({i, i * 100, i < 3 ? std::optional<int64_t>((i + 1) * 100) : std::nullopt, 250, "{}"});
  }
  {
    pg::Transaction tx(conn);
    ASSERT_TRUE(InsertRun(conn, run, parts).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  Exec(conn, "UPDATE run_metadata SET started_at = '" + std::string(started_at) + "' WHERE run_id = '" + run_id + "'");
  for (int i : {0, 1, 2}) ASSERT_EQ(*ClaimPartition(conn, run_id, i, "w1"), ClaimResult::kClaimed);
  ASSERT_TRUE(EndPartition(conn, run_id, 0, true, 250, "").ok());
  ASSERT_TRUE(EndPartition(conn, run_id, 1, false, 0, "gave up").ok());
  ASSERT_TRUE(SaveCheckpoint(conn, run_id, 0, {250, "done", 3, 250}).ok());
  ASSERT_TRUE(SaveCheckpoint(conn, run_id, 2, {100, "paging", 2, 100}).ok());
}

void StoreRawOffers(pg::Connection& conn, const std::string& run_id, int n) {
  for (int i = 0; i < n; ++i) {
    Exec(conn,
         "INSERT INTO raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, payload, payload_hash)"
         " VALUES ('" +
             run_id + "-" + std::to_string(i) + "', 'labgrown', '" + run_id + "', 'o', '{}', 'h')");
  }
}

TEST(RunRowTest, RunInFlight) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, "run-1", "2026-02-12T02:00:01.123456Z");
  StoreRawOffers(*conn, "run-1", 3);
  auto read = ReadRun(*conn, "run-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  const RunRow& r = **read;
  EXPECT_EQ(r.run_id, "run-1");
  EXPECT_EQ(r.feed, "labgrown");
  EXPECT_EQ(r.run_type, "incremental");
  EXPECT_EQ(r.status, "running");
  EXPECT_EQ(r.started_at, Iso("2026-02-12T02:00:01.123Z") + std::chrono::microseconds(456));
  EXPECT_FALSE(r.completed_at.has_value());
  EXPECT_EQ(r.expected_partitions, 4);
  EXPECT_EQ(r.completed_partitions, 1);
  EXPECT_EQ(r.failed_partitions, 1);
  EXPECT_EQ(r.expected_records, 1000);
  EXPECT_EQ(r.count_queries, 17);
  EXPECT_EQ(r.watermark_before, Iso("2026-02-11T00:00:00.250Z"));
  EXPECT_FALSE(r.watermark_after.has_value());
  EXPECT_EQ(r.updated_from, Iso("2026-02-11T00:00:00.250Z"));
  EXPECT_EQ(r.updated_to, Iso("2026-02-12T02:00:00.500Z"));
  EXPECT_FALSE(r.consolidation_forced);
  EXPECT_FALSE(r.consolidation_started_at.has_value());
  EXPECT_FALSE(r.consolidation_completed_at.has_value());
  EXPECT_FALSE(r.error_message.has_value());
  EXPECT_EQ(r.consolidation.seen, 0);
  EXPECT_EQ(r.consolidation.inserted, 0);
  EXPECT_EQ(r.partitions, 4);
  EXPECT_EQ(r.partitions_pending, 1);
  EXPECT_EQ(r.partitions_running, 1);
  EXPECT_EQ(r.partitions_failed, 1);
  EXPECT_EQ(r.pages_fetched, 5);
  ASSERT_TRUE(r.last_progress_at.has_value());
  EXPECT_LE(*r.last_progress_at, r.read_at);
  EXPECT_EQ(r.offers_stored, 3) << "before finalize: the raw rows of the run";
  EXPECT_GT(r.read_at, r.started_at);
  auto uncounted = ReadRun(*conn, "run-1", /*count_stored=*/false);
  ASSERT_TRUE(uncounted.ok() && uncounted->has_value());
  EXPECT_EQ((*uncounted)->offers_stored, -1) << "not counted when the caller does not ask";
  EXPECT_EQ((*uncounted)->partitions_failed, 1);
}

TEST(RunRowTest, ConsolidatedRun) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, "run-1", "2026-02-12T02:00:01Z");
  StoreRawOffers(*conn, "run-1", 3);
  Exec(*conn,
       "UPDATE run_metadata SET status = 'completed', completed_at = '2026-02-12T02:10:00Z',"
       " consolidation_forced = true, consolidation_started_at = '2026-02-12T02:11:00Z',"
       " consolidation_completed_at = '2026-02-12T02:12:00Z', watermark_after = updated_to,"
       " error_message = 'partition 1 failed',"
       " consolidation_stats = '{\"seen\": 7, \"changed\": 6, \"unchanged\": 1, \"mapped\": 6, \"inserted\": 4,"
       " \"updated\": 2, \"failed\": 1, \"deleted\": 9, \"undeleted\": 8}'");
  auto read = ReadRun(*conn, "run-1");
  ASSERT_TRUE(read.ok() && read->has_value()) << read.status().ToString();
  const RunRow& r = **read;
  EXPECT_EQ(r.status, "completed");
  EXPECT_EQ(r.completed_at, Iso("2026-02-12T02:10:00Z"));
  EXPECT_TRUE(r.consolidation_forced);
  EXPECT_EQ(r.consolidation_started_at, Iso("2026-02-12T02:11:00Z"));
  EXPECT_EQ(r.consolidation_completed_at, Iso("2026-02-12T02:12:00Z"));
  EXPECT_EQ(r.watermark_after, Iso("2026-02-12T02:00:00.500Z"));
  EXPECT_EQ(r.error_message, "partition 1 failed");
  const ConsolidationStats& s = r.consolidation;
  EXPECT_EQ(std::vector<int64_t>(
                {s.seen, s.changed, s.unchanged, s.mapped, s.inserted, s.updated, s.failed, s.deleted, s.undeleted}),
            std::vector<int64_t>({7, 6, 1, 6, 4, 2, 1, 9, 8}));
  EXPECT_EQ(r.offers_stored, 7) << "once finalized: the count the finalize recorded";
}

TEST(RunRowTest, UnknownRunIsNullopt) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  auto read = ReadRun(*conn, "run-9");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_FALSE(read->has_value());
}

TEST(RunRowTest, ReadRunsNewestFirstWithLimitAndRunningFilter) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, "run-a", "2026-02-10T00:00:00Z");
  CreateRun(*conn, "run-b", "2026-02-12T00:00:00Z");
  CreateRun(*conn, "run-c", "2026-02-11T00:00:00Z");
  Exec(*conn, "UPDATE run_metadata SET status = 'consolidating' WHERE run_id = 'run-b'");
  auto names = [](const std::vector<RunRow>& runs) {
    std::vector<std::string> out;
    for (const auto& r : runs) out.push_back(r.run_id);
    return out;
  };
  auto all = ReadRuns(*conn, {10, false});
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(names(*all), (std::vector<std::string>{"run-b", "run-c", "run-a"}));
  EXPECT_EQ(names(*ReadRuns(*conn, {2, false})), (std::vector<std::string>{"run-b", "run-c"}));
  EXPECT_EQ(names(*ReadRuns(*conn, {10, true})), (std::vector<std::string>{"run-c", "run-a"}));
}

TEST(RunRowTest, QueryErrorsAreReturned) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  Exec(*conn, "ALTER TABLE partition_progress RENAME TO gone");
  auto read = ReadRun(*conn, "run-1");
  EXPECT_FALSE(read.ok());
  EXPECT_NE(read.status().message().find("partition_progress"), std::string::npos) << read.status().ToString();
}

}  // namespace
}  // namespace di::store

#include "store/runs.h"

#include <gtest/gtest.h>

#include "test_database.h"

namespace di::store {
namespace {

void CreateRun(pg::Connection& conn, int partitions) {
  NewRun run{"run-1", "natural", "full", std::nullopt, std::nullopt, "2026-02-12T02:00:00Z", 12, false, std::nullopt};
  std::vector<NewPartition> parts;
  for (int i = 0; i < partitions; ++i) {
    parts.push_back({i, i * 100, i + 1 < partitions ? std::optional<int64_t>((i + 1) * 100) : std::nullopt, 1000,
                     "{\"partitionId\":" + std::to_string(i) + "}"});
  }
  pg::Transaction tx(conn);
  ASSERT_TRUE(InsertRun(conn, run, parts).ok());
  ASSERT_TRUE(tx.Commit().ok());
}

TEST(RunsTest, InsertRunRecordsPartitionsAndExpectedTotals) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, 3);
  auto r = conn->Exec("SELECT expected_partitions, expected_records, count_queries, status FROM run_metadata");
  EXPECT_EQ(r->GetInt64(0, 0), 3);
  EXPECT_EQ(r->GetInt64(0, 1), 3000);
  EXPECT_EQ(r->GetInt64(0, 2), 12);
  EXPECT_EQ(r->GetString(0, 3), "running");
  EXPECT_EQ(conn->Exec("SELECT count(*) FROM partition_progress WHERE price_max IS NULL")->GetInt64(0, 0), 1);
  auto in_flight = RunInFlight(*conn, "natural");
  ASSERT_TRUE(in_flight.ok());
  EXPECT_EQ(in_flight->value_or(""), "run-1");
  EXPECT_FALSE(RunInFlight(*conn, "labgrown")->has_value());
}

TEST(RunsTest, PartitionEndsOnceAndCountsOnce) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, 2);
  EXPECT_EQ(*ClaimPartition(*conn, "run-1", 0, "w1"), ClaimResult::kClaimed);
  EXPECT_EQ(*ClaimPartition(*conn, "run-1", 0, "w2"), ClaimResult::kClaimed) << "redelivery may reclaim";
  EXPECT_EQ(*ClaimPartition(*conn, "run-9", 0, "w1"), ClaimResult::kUnknown);
  auto first = EndPartition(*conn, "run-1", 0, true, 1000, "");
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->completed, 1);
  auto again = EndPartition(*conn, "run-1", 0, true, 1000, "");
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->has_value()) << "a duplicate delivery does not count twice";
  EXPECT_EQ(*ClaimPartition(*conn, "run-1", 0, "w3"), ClaimResult::kAlreadyEnded);
  auto failed = EndPartition(*conn, "run-1", 1, false, 0, "validation error");
  ASSERT_TRUE(failed.ok() && failed->has_value());
  EXPECT_EQ((*failed)->failed, 1);
  EXPECT_EQ((*failed)->completed, 1);
  EXPECT_EQ((*failed)->expected, 2);
}

TEST(RunsTest, CheckpointsOnlyMoveForward) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, 1);
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {500, "paging", 10, 500}).ok());
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {250, "paging", 5, 250}).ok());
  auto cp = LoadCheckpoint(*conn, "run-1", 0);
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(cp->next_offset, 500);
  EXPECT_EQ(cp->pages_fetched, 10);
}

TEST(RunsTest, ASuffixCheckpointOnlyMovesDown) {
  // "suffix": every survivor from next_offset upwards is stored; a smaller
  // offset is progress, a larger one (a late writer) is not.
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, 1);
  auto offset = [&] { return LoadCheckpoint(*conn, "run-1", 0)->next_offset; };
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {300, "paging", 1, 50}).ok());
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {4900, "suffix", 2, 100}).ok());
  EXPECT_EQ(offset(), 4900) << "a new phase takes its own offset";
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {2450, "suffix", 50, 2500}).ok());
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {3430, "suffix", 30, 1500}).ok());
  EXPECT_EQ(offset(), 2450);
  ASSERT_TRUE(SaveCheckpoint(*conn, "run-1", 0, {0, "done", 100, 5000}).ok());
  EXPECT_EQ(LoadCheckpoint(*conn, "run-1", 0)->phase, "done");
}

TEST(RunsTest, ResetFailedUndoesTheFailedCount) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  CreateRun(*conn, 3);
  for (int p : {0, 1}) ASSERT_TRUE(EndPartition(*conn, "run-1", p, false, 0, "boom").ok());
  ASSERT_TRUE(SetRunStatus(*conn, "run-1", "failed", "2 partitions failed").ok());
  pg::Transaction tx(*conn);
  auto reset = ResetFailedPartitions(*conn, "run-1", 1);
  ASSERT_TRUE(reset.ok());
  ASSERT_EQ(reset->size(), 1u);
  EXPECT_EQ((*reset)[0].partition_id, 1);
  EXPECT_EQ((*reset)[0].work_item_json, "{\"partitionId\": 1}");
  ASSERT_TRUE(tx.Commit().ok());
  auto r = conn->Exec("SELECT failed_partitions, status FROM run_metadata");
  EXPECT_EQ(r->GetInt64(0, 0), 1);
  EXPECT_EQ(r->GetString(0, 1), "running");
}

}  // namespace
}  // namespace di::store

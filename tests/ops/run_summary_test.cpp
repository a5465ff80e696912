// The summary `diamond-ingest run` prints: its numbers come from the run's
// row, and a query error is printed in its place instead of nothing.
#include "ops/run_summary.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "test_database.h"

namespace di {
namespace {

// Captures what is written to a FILE*.
class Capture {
 public:
  Capture() : file_(open_memstream(&data_, &size_)) {}
  ~Capture() {
    if (file_) std::fclose(file_);
    std::free(data_);
  }
  std::FILE* file() { return file_; }
  std::string text() {
    std::fflush(file_);
    return std::string(data_, size_);
  }

 private:
  char* data_ = nullptr;
  size_t size_ = 0;
  std::FILE* file_;
};

const RunTimings kTimings{12, 95, 30, 57, 4321};

void InsertConsolidatedRun(pg::Connection& conn) {
  Status s = conn.ExecScript(
      "INSERT INTO run_metadata (run_id, feed, run_type, status, expected_partitions, completed_partitions,"
      " failed_partitions, updated_to, consolidation_stats) VALUES ('run-1', 'natural', 'full', 'completed', 12, 11,"
      " 1, now(), '{\"seen\": 20000, \"inserted\": 150, \"updated\": 40, \"unchanged\": 19800, \"deleted\": 7,"
      " \"undeleted\": 3, \"failed\": 10}');"
      // Two offers served without a price, one of them seen twice: two offers, three rows.
      "INSERT INTO raw_offer_failures (run_id, partition_id, reason, raw) VALUES"
      " ('run-1', 0, 'missing price', '{\"id\":\"a\"}'), ('run-1', 1, 'missing price', '{\"id\":\"a\"}'),"
      " ('run-1', 0, 'missing price', '{\"id\":\"b\"}')");
  ASSERT_TRUE(s.ok()) << s.ToString();
}

TEST(RunSummaryTest, PrintsTheRunsNumbers) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  InsertConsolidatedRun(*conn);
  Capture out, err;
  Status s = WriteRunSummary(*conn, "run-1", kTimings, out.file(), err.file());
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(err.text(), "");
  EXPECT_EQ(out.text(),
            "\nrun run-1 (full): completed\n"
            "  partitions   11 completed, 1 failed, of 12\n"
            "  offers       20000 stored: 150 added, 40 changed, 19800 unchanged, 7 deleted, 3 back\n"
            "  bad offers   12: 2 served but not storable (raw_offer_failures), 10 not mappable\n"
            "  requests     4321 to Nivoda (57 count queries to plan)\n"
            "  wall time    schedule 12s, fetch 1m 35s, consolidate 30s, total 2m 17s\n");
}

TEST(RunSummaryTest, QueryErrorIsPrintedInsteadOfNothing) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  InsertConsolidatedRun(*conn);
  ASSERT_TRUE(conn->ExecScript("ALTER TABLE partition_runs RENAME TO gone").ok());
  Capture out, err;
  Status s = WriteRunSummary(*conn, "run-1", kTimings, out.file(), err.file());
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(out.text(), "");
  const std::string line = err.text();
  EXPECT_EQ(line.rfind("no summary of run run-1: ", 0), 0u) << line;
  EXPECT_NE(line.find("partition_runs"), std::string::npos) << line;
}

TEST(RunSummaryTest, UnknownRunIsPrintedInsteadOfNothing) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  Capture out, err;
  EXPECT_EQ(WriteRunSummary(*conn, "run-9", kTimings, out.file(), err.file()).code(), Code::kNotFound);
  EXPECT_EQ(out.text(), "");
  EXPECT_NE(err.text().find("no summary of run run-9"), std::string::npos) << err.text();
}

}  // namespace
}  // namespace di

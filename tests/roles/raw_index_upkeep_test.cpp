// RebuildRawRunIndexes (roles/raw_index_upkeep.h) on a real PostgreSQL: the
// run_id indexes a few full runs bloated shrink and stay valid; a rebuild that
// fails leaves no invalid copy behind.
#include "roles/raw_index_upkeep.h"

#include <gtest/gtest.h>

#include "test_database.h"

namespace di {
namespace {

class RawIndexUpkeepTest : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = db_.Connect();
    pool_ = std::make_shared<pg::Pool>(db_.url(), 2);
    Exec(
        "INSERT INTO raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id, price_cents, payload,"
        " payload_hash) SELECT 's' || i, 'natural', 'natural-20260101T000000Z-0000', 'o' || i, i * 100, '{}', 'h'"
        " FROM generate_series(1, 5000) i");
    // Five full runs, each moving every row's run_id, but 1 stone in 50 gone after the first.
    for (int run = 1; run <= 5; ++run) {
      Exec("UPDATE raw_diamonds_nivoda SET run_id = 'natural-2026010" + std::to_string(run) +
           "T000000Z-0000' WHERE substr(supplier_stone_id, 2)::int % 50 <> 0");
      Exec("VACUUM raw_diamonds_nivoda");
    }
  }
  void Exec(const std::string& sql) {
    auto r = conn_->Exec(sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  int64_t Count(const std::string& sql) {
    auto r = conn_->Exec(sql);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt64(0, 0) : -1;
  }

  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::unique_ptr<pg::Connection> conn_;
  std::shared_ptr<pg::Pool> pool_;
};

constexpr const char* kInvalid =
    "SELECT count(*) FROM pg_index WHERE indrelid = 'raw_diamonds_nivoda'::regclass AND NOT indisvalid";
constexpr const char* kIndexes = "SELECT count(*) FROM pg_indexes WHERE tablename = 'raw_diamonds_nivoda'";

TEST_F(RawIndexUpkeepTest, BloatedRunIndexesShrinkAndStayValid) {
  const int64_t indexes = Count(kIndexes);
  auto r = RebuildRawRunIndexes(*pool_);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->bytes_before, 0);
  EXPECT_LT(r->bytes_after * 2, r->bytes_before) << r->bytes_before << " -> " << r->bytes_after;
  EXPECT_EQ(Count(kInvalid), 0);
  EXPECT_EQ(Count(kIndexes), indexes);
  // The planner still finds a run's rows through the rebuilt index.
  EXPECT_EQ(Count("SELECT count(*) FROM raw_diamonds_nivoda WHERE feed = 'natural'"
                  " AND run_id = 'natural-20260105T000000Z-0000'"),
            4900);
}

TEST_F(RawIndexUpkeepTest, AFailedRebuildLeavesNoInvalidCopy) {
  const int64_t indexes = Count(kIndexes);
  // A transaction with a snapshot older than the new index: the concurrent
  // rebuild waits for it, past a 200 ms lock timeout.
  auto other = db_.Connect();
  ASSERT_TRUE(other->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ").ok());
  ASSERT_TRUE(other->Exec("SELECT count(*) FROM diamonds").ok());
  auto r = RebuildRawRunIndexes(*pool_, Millis(200));
  EXPECT_FALSE(r.ok());
  ASSERT_TRUE(other->Exec("ROLLBACK").ok());
  EXPECT_EQ(Count(kInvalid), 0);
  EXPECT_EQ(Count(kIndexes), indexes);
  auto again = RebuildRawRunIndexes(*pool_);
  EXPECT_TRUE(again.ok()) << again.status().ToString();
}

}  // namespace
}  // namespace di

// The raw writer racing a neighbouring partition: partitions share their
// boundary dollars, so two writers can store the same new stone at once. The
// second one's COPY waits on the first's uncommitted row, then fails with a
// unique violation; the batch is written again, as a merge, and loses nothing.
#include <gtest/gtest.h>

#include "ingest/raw_writer.h"
#include "test_database.h"

namespace di::ingest {
namespace {

int64_t Count(pg::Connection& conn, const std::string& sql) {
  auto r = conn.Exec(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->GetInt64(0, 0) : -1;
}

nivoda::Offer Offer(const std::string& stone) {
  return {stone, "offer-" + stone, 150000, "2026-02-02T00:00:00.000Z", "{\"id\":\"" + stone + "\"}", "hash-" + stone};
}

TEST(RawWriterRace, NewStoneStoredByANeighbourMeanwhileIsMergedNotLost) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  auto neighbour = db.Connect();
  ASSERT_TRUE(neighbour
                  ->ExecScript("BEGIN; INSERT INTO raw_diamonds_nivoda (supplier_stone_id, feed, run_id, offer_id,"
                               " price_cents, source_updated_at, payload, payload_hash) VALUES ('s-1', 'natural', 'r1',"
                               " 'offer-s-1', 150000, '2026-02-01T00:00:00Z', '{}', 'older')")
                  .ok());
  auto pool = std::make_shared<pg::Pool>(db.url(), 2);
  RawWriter writer(pool, RawTarget{"r1", 2, "natural"}, 8, /*max_attempts=*/2);
  ASSERT_TRUE(writer.Submit(RawBatch{{Offer("s-0"), Offer("s-1"), Offer("s-2")}, {}, std::nullopt}).ok());
  EXPECT_TRUE(db.WaitForALockWait()) << "the writer's COPY never waited on the neighbour's row";
  ASSERT_TRUE(neighbour->ExecScript("COMMIT").ok());

  ASSERT_TRUE(writer.Flush().ok());
  EXPECT_EQ(Count(*conn, "SELECT count(*) FROM raw_diamonds_nivoda WHERE run_id = 'r1'"), 3);
  // The newer version (this batch's) replaced the neighbour's older one.
  EXPECT_EQ(Count(*conn,
                  "SELECT count(*) FROM raw_diamonds_nivoda WHERE supplier_stone_id = 's-1'"
                  " AND payload_hash = 'hash-s-1'"),
            1);
  EXPECT_EQ(writer.offers_written(), 3);
}

}  // namespace
}  // namespace di::ingest

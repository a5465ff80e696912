#include <gtest/gtest.h>

#include "cloud/db_watermark_store.h"
#include "test_database.h"

namespace di::cloud {
namespace {

WallTime At(const char* iso) {
  WallTime t;
  EXPECT_TRUE(ParseIso8601(iso, &t)) << iso;
  return t;
}

TEST(WatermarkTest, JsonRoundTripAndCorruption) {
  Watermark w{At("2026-02-12T02:00:00.123Z"), "run-1", At("2026-02-12T03:10:00Z")};
  auto back = DecodeWatermark(EncodeWatermark(w));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->last_updated_at, w.last_updated_at);
  EXPECT_EQ(back->last_run_id, "run-1");
  EXPECT_EQ(DecodeWatermark("{oops").status().code(), Code::kCorrupt);
  EXPECT_EQ(DecodeWatermark(R"({"lastUpdatedAt":"x","lastRunId":"r","lastRunCompletedAt":"x"})").status().code(),
            Code::kCorrupt);
}

TEST(WatermarkTest, DbStoreOnlyMovesForward) {
  auto db = testing::TestDatabase::Create();
  auto pool = std::make_shared<pg::Pool>(db.url(), 2);
  DbWatermarkStore store(pool, "natural");
  DbWatermarkStore lab(pool, "labgrown");
  auto none = store.Read();
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  Watermark first{At("2026-02-12T02:00:00Z"), "run-1", At("2026-02-12T03:00:00Z")};
  ASSERT_TRUE(store.Advance(first).ok());
  ASSERT_TRUE(store.Advance(first).ok()) << "same position again is a no-op";
  Watermark older{At("2026-02-11T02:00:00Z"), "run-0", At("2026-02-12T04:00:00Z")};
  EXPECT_EQ(store.Advance(older).code(), Code::kConflict);
  Watermark next{At("2026-02-13T02:00:00Z"), "run-2", At("2026-02-13T03:00:00Z")};
  ASSERT_TRUE(store.Advance(next).ok());
  auto read = store.Read();
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->last_run_id, "run-2");
  EXPECT_EQ((*read)->last_updated_at, next.last_updated_at);
  EXPECT_FALSE(lab.Read()->has_value()) << "feeds have separate watermarks";
}

}  // namespace
}  // namespace di::cloud

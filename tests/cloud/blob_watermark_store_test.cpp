// BlobWatermarkStore against a real Azurite 3.35.0 (ctest fixture "azurite").
// Each test uses its own container, so tests are independent and may run in parallel.
#include "cloud/blob_watermark_store.h"

#include <gtest/gtest.h>

#include "azurite.h"

namespace di::cloud {
namespace {

using testing::AzuriteAccount;

#define ASSERT_OK(expr)                    \
  do {                                     \
    ::di::Status s_ = (expr);              \
    ASSERT_TRUE(s_.ok()) << s_.ToString(); \
  } while (0)

WallTime At(int64_t ms) { return WallTime(Millis(ms)); }

Watermark Mark(int64_t updated_ms, const std::string& run) {
  return Watermark{At(updated_ms), run, At(updated_ms + 1000)};
}

class BlobWatermarkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    account_ = AzuriteAccount();
    ASSERT_FALSE(account_.blob_endpoint.empty()) << "the azurite fixture is not running";
    location_.container = testing::UniqueContainer();
  }
  BlobWatermarkStore Store() { return BlobWatermarkStore(account_, location_); }

  BlobAccount account_;
  BlobLocation location_;
};

TEST_F(BlobWatermarkStoreTest, ReadAbsentIsNoWatermarkEvenWithoutContainer) {
  auto store = Store();
  auto r = store.Read();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->has_value());
}

TEST_F(BlobWatermarkStoreTest, AdvanceCreatesContainerAndBlobThenReadsItBack) {
  auto store = Store();
  ASSERT_OK(store.Advance(Mark(1700000000123, "run-1")));
  auto r = store.Read();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->last_updated_at, At(1700000000123));
  EXPECT_EQ((*r)->last_run_id, "run-1");
  EXPECT_EQ((*r)->last_run_completed_at, At(1700000001123));
  std::string raw;
  ASSERT_EQ(testing::GetRawBlob(location_.container, "nivoda.json", &raw), 200);
  EXPECT_NE(raw.find("\"lastRunId\":\"run-1\""), std::string::npos) << raw;
}

TEST_F(BlobWatermarkStoreTest, UpdateMovesForwardAndChangesTheEtag) {
  auto store = Store();
  ASSERT_OK(store.Advance(Mark(1000, "run-1")));
  auto before = store.ReadSnapshot();
  ASSERT_TRUE(before.ok() && before->has_value());
  ASSERT_OK(store.Advance(Mark(2000, "run-2")));
  auto after = store.ReadSnapshot();
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_NE((*before)->etag, (*after)->etag);
  auto r = store.Read();
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->last_run_id, "run-2");
  EXPECT_EQ((*r)->last_updated_at, At(2000));
}

TEST_F(BlobWatermarkStoreTest, ForwardOnlyRefusesOlderAndAcceptsEqualAsNoOp) {
  auto store = Store();
  ASSERT_OK(store.Advance(Mark(5000, "run-5")));
  Status older = store.Advance(Mark(4000, "run-4"));
  EXPECT_EQ(older.code(), Code::kConflict) << older.ToString();
  auto etag = store.ReadSnapshot();
  ASSERT_TRUE(etag.ok() && etag->has_value());
  ASSERT_OK(store.Advance(Mark(5000, "run-5")));
  auto again = store.ReadSnapshot();
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*etag)->etag, (*again)->etag) << "an equal watermark must not rewrite the blob";
  auto r = store.Read();
  EXPECT_EQ((*r)->last_run_id, "run-5");
}

TEST_F(BlobWatermarkStoreTest, ConflictingUpdateWithStaleEtagIsRejected) {
  auto a = Store();
  auto b = Store();
  ASSERT_OK(a.Advance(Mark(1000, "run-1")));
  auto seen_by_a = a.ReadSnapshot();
  ASSERT_TRUE(seen_by_a.ok() && seen_by_a->has_value());
  ASSERT_OK(b.Advance(Mark(3000, "run-b")));  // B writes between A's read and A's write
  Status s = a.WriteIfMatch(Mark(2000, "run-a"), (*seen_by_a)->etag);
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  auto r = a.Read();
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->last_run_id, "run-b") << "B's watermark was overwritten";
}

TEST_F(BlobWatermarkStoreTest, ConcurrentCreateIsRejectedForTheSecondWriter) {
  auto a = Store();
  ASSERT_OK(a.WriteIfMatch(Mark(1000, "first"), ""));
  Status s = a.WriteIfMatch(Mark(2000, "second"), "");
  EXPECT_EQ(s.code(), Code::kConflict) << s.ToString();
  EXPECT_EQ((*a.Read())->last_run_id, "first");
}

TEST_F(BlobWatermarkStoreTest, MalformedBlobIsReportedAndLeftUntouched) {
  const std::string junk = "{\"lastUpdatedAt\": \"yesterday\"";
  ASSERT_EQ(testing::PutRawBlob(location_.container, "nivoda.json", junk), 201);
  auto store = Store();
  auto r = store.Read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorrupt);
  EXPECT_NE(r.status().message().find(location_.container + "/nivoda.json"), std::string::npos) << r.status().message();
  Status s = store.Advance(Mark(9000, "run-9"));
  EXPECT_EQ(s.code(), Code::kCorrupt) << s.ToString();
  EXPECT_NE(s.message().find("refusing to overwrite"), std::string::npos) << s.message();
  std::string raw;
  ASSERT_EQ(testing::GetRawBlob(location_.container, "nivoda.json", &raw), 200);
  EXPECT_EQ(raw, junk);
}

TEST_F(BlobWatermarkStoreTest, WrongKeyIsUnauthenticatedAndKeyIsNotInTheMessage) {
  BlobAccount wrong = account_;
  wrong.account_key = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXktd3Jvbmc=";
  BlobWatermarkStore store(wrong, location_);
  auto r = store.Read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnauthenticated) << r.status().ToString();
  EXPECT_EQ(r.status().message().find(wrong.account_key), std::string::npos);
}

TEST_F(BlobWatermarkStoreTest, ServerDownIsUnavailable) {
  BlobAccount down = account_;
  down.blob_endpoint = "http://127.0.0.1:1/devstoreaccount1";
  BlobWatermarkStore store(down, location_, Millis(2000));
  auto r = store.Read();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
}

}  // namespace
}  // namespace di::cloud

#include "queue/messages.h"

#include <gtest/gtest.h>

namespace di::queue {
namespace {

WorkItem Sample() {
  WorkItem w;
  w.run_id = "run-20260212-0200";
  w.partition_id = 7;
  w.price_min = 1999;
  w.price_max = 2500;
  w.expected_records = 4321;
  w.is_incremental = true;
  w.watermark_before = "2026-02-11T02:00:00.000Z";
  w.updated_from = "2026-02-11T01:45:00.000Z";
  w.updated_to = "2026-02-12T02:00:00.000Z";
  return w;
}

TEST(MessagesTest, WorkItemRoundTrip) {
  WorkItem w = Sample();
  auto back = DecodeWorkItem(EncodeWorkItem(w));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->run_id, w.run_id);
  EXPECT_EQ(back->partition_id, 7);
  EXPECT_EQ(back->price_min, 1999);
  EXPECT_EQ(back->price_max, 2500);
  EXPECT_EQ(back->expected_records, 4321);
  EXPECT_TRUE(back->is_incremental);
  EXPECT_EQ(back->updated_from, w.updated_from);
  EXPECT_EQ(back->updated_to, w.updated_to);
  w.price_max.reset();
  w.is_incremental = false;
  w.updated_from.reset();
  auto open = DecodeWorkItem(EncodeWorkItem(w));
  ASSERT_TRUE(open.ok());
  EXPECT_FALSE(open->price_max.has_value()) << "open-ended last partition survives";
}

struct BadCase {
  const char* body;
  const char* reason;
};

TEST(MessagesTest, WorkItemRejectionsNameTheProblem) {
  const BadCase cases[] = {
      {"not json", "not valid JSON"},
      {"[1,2]", "not a JSON object"},
      {R"({"partitionId":1,"priceMin":0,"updatedTo":"2026-02-12T02:00:00Z"})", "missing field runId"},
      {R"({"runId":5,"partitionId":1,"priceMin":0,"updatedTo":"2026-02-12T02:00:00Z"})", "runId must be a string"},
      {R"({"runId":"r","partitionId":"1","priceMin":0,"updatedTo":"2026-02-12T02:00:00Z"})",
       "partitionId must be an integer"},
      {R"({"runId":"r","partitionId":1,"priceMin":-5,"updatedTo":"2026-02-12T02:00:00Z"})",
       "priceMin must not be negative"},
      {R"({"runId":"r","partitionId":1,"priceMin":500,"priceMax":100,"updatedTo":"2026-02-12T02:00:00Z"})",
       "inverted range"},
      {R"({"runId":"r","partitionId":1,"priceMin":0,"updatedTo":"tomorrow"})", "updatedTo is not an ISO-8601"},
      {R"({"runId":"r","partitionId":1,"priceMin":0})", "missing field updatedTo"},
      {R"({"runId":"r; DROP TABLE x","partitionId":1,"priceMin":0,"updatedTo":"2026-02-12T02:00:00Z"})",
       "runId has a character"},
      {R"({"runId":"r","partitionId":1,"priceMin":0,"feed":"moon","updatedTo":"2026-02-12T02:00:00Z"})",
       "feed must be"},
      {R"({"runId":"r","partitionId":1,"priceMin":0,"isIncremental":true,"updatedTo":"2026-02-12T02:00:00Z"})",
       "without updatedFrom"},
  };
  for (const auto& c : cases) {
    auto r = DecodeWorkItem(c.body);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.reason), std::string::npos) << r.status().message();
  }
}

TEST(MessagesTest, SweepRoundTrip) {
  WorkItem w = Sample();
  w.is_incremental = false;
  w.updated_from.reset();
  w.partition_id = kSweepPartition;
  w.price_min = 0;
  w.price_max.reset();
  w.sweep = true;
  w.force = true;
  auto back = DecodeWorkItem(EncodeWorkItem(w));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_TRUE(back->sweep);
  EXPECT_TRUE(back->force);
  EXPECT_EQ(back->partition_id, kSweepPartition);
  EXPECT_FALSE(DecodeWorkItem(R"({"runId":"r","partitionId":-1,"priceMin":0,"updatedTo":"2026-02-12T02:00:00Z"})").ok())
      << "partition -1 only for a sweep";
}

TEST(MessagesTest, ConsolidateRoundTripAndErrors) {
  auto r = DecodeConsolidate(EncodeConsolidate({"run-1", true}));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->run_id, "run-1");
  EXPECT_TRUE(r->force);
  EXPECT_FALSE(DecodeConsolidate(R"({"force":true})").ok());
  EXPECT_FALSE(DecodeConsolidate(R"({"runId":"r","force":"yes"})").ok());
  EXPECT_NE(ConsolidateDedupId("r", true), ConsolidateDedupId("r", false));
  EXPECT_NE(WorkItemDedupId("r", 1, 0), WorkItemDedupId("r", 1, 1));
}

}  // namespace
}  // namespace di::queue

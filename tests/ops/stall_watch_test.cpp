#include "ops/stall_watch.h"

#include <gtest/gtest.h>

#include "test_database.h"

namespace di {
namespace {

class Recording final : public cloud::AlertSink {
 public:
  void Send(const cloud::Alert& a) override {
    alerts.push_back(a);
    ++sent_;
  }
  std::vector<cloud::Alert> alerts;
};

TEST(StallWatchTest, AlertsOncePerStalledRun) {
  auto db = testing::TestDatabase::Create();
  auto conn = db.Connect();
  ASSERT_TRUE(
      conn->ExecScript("INSERT INTO run_metadata (run_id, feed, run_type, expected_partitions, updated_to, started_at)"
                       " VALUES ('stuck', 'natural', 'full', 1, now(), now() - interval '2 hours'),"
                       "        ('busy', 'natural', 'full', 1, now(), now() - interval '2 hours');"
                       "INSERT INTO partition_progress (run_id, partition_id, price_min, updated_at)"
                       " VALUES ('stuck', 0, 0, now() - interval '45 minutes'), ('busy', 0, 0, now());")
          .ok());
  Recording alerts;
  StallWatch watch(alerts, Millis(30 * 60 * 1000));
  auto first = watch.Check(*conn);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(*first, 1);
  ASSERT_EQ(alerts.alerts.size(), 1u);
  EXPECT_EQ(alerts.alerts[0].kind, "run_stalled");
  EXPECT_EQ(alerts.alerts[0].run_id, "stuck");
  EXPECT_NE(alerts.alerts[0].body.find("diamond-ingest status --run-id stuck"), std::string::npos);
  EXPECT_EQ(*watch.Check(*conn), 0) << "once per run";
}

}  // namespace
}  // namespace di

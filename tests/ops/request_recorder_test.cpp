// RequestRecorder: tallies per run and second, attribution by scope, flushing
// (also from several processes), concurrency, and tallies kept until stored.
#include "ops/request_recorder.h"

#include <gtest/gtest.h>

#include <thread>

#include "test_database.h"

namespace di::testing {
namespace {

using std::chrono::seconds;

nivoda::CallEvent Event(Code code = Code::kOk, int http = 200, int64_t latency = 100) {
  nivoda::CallEvent e;
  e.operation = "page";
  e.code = code;
  e.http_status = http;
  e.latency_ms = latency;
  e.sent = true;
  return e;
}

RequestRecorderOptions Manual() {
  RequestRecorderOptions o;
  o.flush_interval = Millis(0);
  return o;
}

struct Row {
  int64_t epoch, requests, errors, limited, latency;
};

std::vector<Row> Rows(pg::Connection& conn, const std::string& run_id) {
  auto r = conn.Exec(
      "SELECT extract(epoch FROM second)::bigint, requests, errors, rate_limited, latency_ms_sum "
      "FROM request_seconds WHERE run_id = $1 ORDER BY second",
      {pg::P(run_id)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  std::vector<Row> rows;
  for (int i = 0; r.ok() && i < r->rows(); ++i) {
    rows.push_back({r->GetInt64(i, 0), r->GetInt64(i, 1), r->GetInt64(i, 2), r->GetInt64(i, 3), r->GetInt64(i, 4)});
  }
  return rows;
}

class RequestRecorderTest : public ::testing::Test {
 protected:
  TestDatabase db_ = TestDatabase::Create();
  std::shared_ptr<pg::Pool> pool_ = std::make_shared<pg::Pool>(db_.url(), 4);
  std::unique_ptr<pg::Connection> conn_ = db_.Connect();
  ManualClock clock_{WallTime(seconds(1'800'000'000)) + Millis(250)};
};

TEST_F(RequestRecorderTest, CountsPerSecondWithErrorsAnd429s) {
  RequestRecorder recorder(Manual(), &clock_);
  recorder.Start(pool_);
  {
    auto scope = recorder.Enter("run-a");
    recorder.OnCall(Event());
    nivoda::CallEvent limited = Event(Code::kRateLimited, 429, 20);
    limited.retry_in = Millis(1000);
    recorder.OnCall(limited);
    clock_.Advance(Millis(800));  // next second
    recorder.OnCall(Event(Code::kUnavailable, 503, 30));
  }
  recorder.OnCall(Event());  // no run: not stored
  ASSERT_TRUE(recorder.Flush().ok());
  auto rows = Rows(*conn_, "run-a");
  ASSERT_EQ(rows.size(), 2u);
  auto retries = conn_->Exec("SELECT sum(retries) FROM request_seconds WHERE run_id = 'run-a'");
  ASSERT_TRUE(retries.ok());
  EXPECT_EQ(retries->GetInt64(0, 0), 1) << "the 429 was retried";
  EXPECT_EQ(rows[0].epoch, 1'800'000'000);
  EXPECT_EQ(rows[0].requests, 2);
  EXPECT_EQ(rows[0].errors, 1);
  EXPECT_EQ(rows[0].limited, 1);
  EXPECT_EQ(rows[0].latency, 120);
  EXPECT_EQ(rows[1].epoch, 1'800'000'001);
  EXPECT_EQ(rows[1].requests, 1);
  EXPECT_EQ(rows[1].limited, 0);
  EXPECT_EQ(recorder.unattributed(), 1);
}

// An interrupted run: thousands of calls cancelled before the limiter let
// them go are no requests, no errors and no peak.
TEST_F(RequestRecorderTest, RequestsNeverSentAreNotRecorded) {
  RequestRecorder recorder(Manual(), &clock_);
  recorder.Start(pool_);
  auto scope = recorder.Enter("run-a");
  recorder.OnCall(Event());
  nivoda::CallEvent cancelled = Event(Code::kCancelled, 0, 0);
  cancelled.sent = false;
  for (int i = 0; i < 2286; ++i) recorder.OnCall(cancelled);
  ASSERT_TRUE(recorder.Flush().ok());
  auto rows = Rows(*conn_, "run-a");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 1);
  EXPECT_EQ(rows[0].errors, 0);
  EXPECT_EQ(recorder.not_sent(), 2286);
}

TEST_F(RequestRecorderTest, LatestLiveScopeWins) {
  RequestRecorder recorder(Manual(), &clock_);
  recorder.Start(pool_);
  auto a = recorder.Enter("run-a");
  {
    auto b = recorder.Enter("run-b");
    recorder.OnCall(Event());
  }
  recorder.OnCall(Event());
  recorder.OnCall(Event());
  ASSERT_TRUE(recorder.Flush().ok());
  EXPECT_EQ(Rows(*conn_, "run-b").at(0).requests, 1);
  EXPECT_EQ(Rows(*conn_, "run-a").at(0).requests, 2);
}

TEST_F(RequestRecorderTest, ProcessesAddUpInTheSameSecond) {
  RequestRecorder one(Manual(), &clock_), two(Manual(), &clock_);
  one.Start(pool_);
  two.Start(pool_);
  auto s1 = one.Enter("run-a");
  auto s2 = two.Enter("run-a");
  for (int i = 0; i < 5; ++i) one.OnCall(Event());
  for (int i = 0; i < 7; ++i) two.OnCall(Event());
  ASSERT_TRUE(one.Flush().ok());
  ASSERT_TRUE(two.Flush().ok());
  one.OnCall(Event());
  ASSERT_TRUE(one.Flush().ok());
  auto rows = Rows(*conn_, "run-a");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].requests, 13);
}

TEST_F(RequestRecorderTest, TalliesWaitUntilTheyCanBeStored) {
  RequestRecorder recorder(Manual(), &clock_);
  auto scope = recorder.Enter("run-a");
  recorder.OnCall(Event());
  recorder.OnCall(Event());
  Status early = recorder.Flush();  // not started: nowhere to write
  EXPECT_EQ(early.code(), Code::kUnavailable);
  recorder.Start(pool_);
  recorder.OnCall(Event());
  ASSERT_TRUE(recorder.Flush().ok());
  EXPECT_EQ(Rows(*conn_, "run-a").at(0).requests, 3);
}

TEST_F(RequestRecorderTest, OldestRowsDroppedBeyondTheCap) {
  RequestRecorderOptions o = Manual();
  o.max_pending_rows = 3;
  RequestRecorder recorder(o, &clock_);
  auto scope = recorder.Enter("run-a");
  for (int s = 0; s < 5; ++s) {
    recorder.OnCall(Event());
    recorder.OnCall(Event());
    clock_.Advance(Millis(1000));
  }
  EXPECT_EQ(recorder.dropped(), 4);  // two seconds of two requests
  recorder.Start(pool_);
  ASSERT_TRUE(recorder.Flush().ok());
  auto rows = Rows(*conn_, "run-a");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].epoch, 1'800'000'002);
}

TEST_F(RequestRecorderTest, ConcurrentCallsAreAllCountedAndFlushedInTheBackground) {
  RequestRecorderOptions o;
  o.flush_interval = Millis(20);
  {
    RequestRecorder recorder(o);  // the system clock
    recorder.Start(pool_);
    auto scope = recorder.Enter("run-c");
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
      threads.emplace_back([&] {
        for (int i = 0; i < 2000; ++i) recorder.OnCall(Event());
      });
    }
    for (auto& t : threads) t.join();
    // A background flush (every 20 ms) writes them all, while the recorder
    // lives: waited for, up to a generous 10 s, rather than assumed after 100 ms.
    int64_t flushed = 0;
    for (int i = 0; i < 1000 && flushed < 16000; ++i) {
      auto r = conn_->Exec("SELECT coalesce(sum(requests), 0) FROM request_seconds WHERE run_id = 'run-c'");
      ASSERT_TRUE(r.ok());
      flushed = r->GetInt64(0, 0);
      if (flushed < 16000) std::this_thread::sleep_for(Millis(10));
    }
    EXPECT_EQ(flushed, 16000);
    recorder.OnCall(Event());
  }  // the destructor flushes the last one
  auto r = conn_->Exec("SELECT sum(requests) FROM request_seconds WHERE run_id = 'run-c'");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->GetInt64(0, 0), 16001);
}

}  // namespace
}  // namespace di::testing

// ResendAlertSink against a local cpp-httplib server that captures requests and
// answers with scripted statuses. Backoff sleeps go to a ManualClock.
#include "cloud/resend_alert_sink.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "common/log.h"
#include "http/curl_transport.h"

namespace di::cloud {
namespace {

constexpr const char* kKey = "re_test_SECRET_5f8a1c9e77";

struct Captured {
  std::string path;
  std::string authorization;
  std::string content_type;
  std::string body;
  std::string idempotency_key;
};

class CapturingServer {
 public:
  explicit CapturingServer(std::deque<int> statuses) : statuses_(std::move(statuses)) {
    server_.Post("/emails", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back({req.path, req.get_header_value("Authorization"), req.get_header_value("Content-Type"),
                           req.body, req.get_header_value("Idempotency-Key")});
      int status = 200;
      if (!statuses_.empty()) {
        status = statuses_.front();
        statuses_.pop_front();
      }
      res.status = status;
      res.set_content(status == 200 ? R"({"id":"email-1"})" : R"({"message":"nope"})", "application/json");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~CapturingServer() {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<Captured> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<Captured> requests_;
};

ResendOptions Options(const std::string& base) {
  ResendOptions o;
  o.api_key = kKey;
  o.base_url = base + "/";
  o.from = "ingest@example.com";
  o.to = {"ops@example.com", "oncall@example.com"};
  o.max_attempts = 3;
  o.first_backoff = Millis(500);
  o.timeout = Millis(5000);
  return o;
}

Alert RunFailed() {
  return Alert{"run_failed", "run-42", "run run-42 failed: 12 of 40 partitions succeeded",
               "Only 30% of partitions succeeded (threshold 70%).\nRetry with: diamond-ingest retry run-42"};
}

TEST(ResendAlertSink, PostsTheEmailWithBearerKeyAndPlainTextBody) {
  CapturingServer server({200});
  ManualClock clock;
  ResendAlertSink sink(Options(server.base()), std::make_shared<http::CurlTransport>(), &clock);
  sink.Send(RunFailed());
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  EXPECT_EQ(reqs[0].path, "/emails");
  EXPECT_EQ(reqs[0].authorization, std::string("Bearer ") + kKey);
  EXPECT_EQ(reqs[0].content_type, "application/json");
  auto doc = nlohmann::json::parse(reqs[0].body);
  EXPECT_EQ(doc["from"], "ingest@example.com");
  EXPECT_EQ(doc["to"], nlohmann::json({"ops@example.com", "oncall@example.com"}));
  EXPECT_EQ(doc["subject"], "[diamond-ingest] run run-42 failed: 12 of 40 partitions succeeded");
  std::string text = doc["text"];
  EXPECT_NE(text.find("Retry with: diamond-ingest retry run-42"), std::string::npos) << text;
  EXPECT_NE(text.find("Run: run-42"), std::string::npos) << text;
  EXPECT_NE(text.find("Alert: run_failed"), std::string::npos) << text;
  EXPECT_EQ(reqs[0].body.find(kKey), std::string::npos) << "the API key leaked into the body";
  EXPECT_EQ(sink.sent(), 1);
  EXPECT_EQ(sink.failed(), 0);
  EXPECT_EQ(clock.total_slept_ms(), 0);
}

TEST(ResendAlertSink, RetriesServerErrorsWithBackoffThenSucceeds) {
  CapturingServer server({500, 503, 200});
  ManualClock clock;
  ResendAlertSink sink(Options(server.base()), std::make_shared<http::CurlTransport>(), &clock);
  sink.Send(RunFailed());
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(clock.total_slept_ms(), 500 + 1000);
  EXPECT_EQ(sink.sent(), 1);
  EXPECT_EQ(sink.failed(), 0);
}

TEST(ResendAlertSink, EveryAttemptOfOneAlertCarriesTheSameIdempotencyKeyAndEachAlertItsOwn) {
  CapturingServer server({500, 200, 200});
  ManualClock clock;
  ResendAlertSink sink(Options(server.base()), std::make_shared<http::CurlTransport>(), &clock);
  sink.Send(RunFailed());  // a failed attempt, then a retry
  sink.Send(RunFailed());  // the same alert raised again: a new e-mail
  auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_FALSE(reqs[0].idempotency_key.empty()) << "no Idempotency-Key header";
  EXPECT_EQ(reqs[0].idempotency_key, reqs[1].idempotency_key) << "a retry must not be a second e-mail";
  EXPECT_NE(reqs[1].idempotency_key, reqs[2].idempotency_key) << "a second alert is a second e-mail";
  EXPECT_LE(reqs[0].idempotency_key.size(), 256u);
  EXPECT_EQ(sink.sent(), 2);
}

TEST(ResendAlertSink, GivesUpAfterMaxAttemptsCountsTheFailureAndNeverThrows) {
  CapturingServer server({500, 500, 500, 500});
  ManualClock clock;
  ResendAlertSink sink(Options(server.base()), std::make_shared<http::CurlTransport>(), &clock);
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(sink.Send(RunFailed()));
  std::string logs = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(sink.sent(), 0);
  EXPECT_EQ(sink.failed(), 1);
  EXPECT_NE(logs.find("alert e-mail attempt failed"), std::string::npos) << logs;
  EXPECT_NE(logs.find("run run-42 failed"), std::string::npos) << "the alert itself must reach the log: " << logs;
  EXPECT_EQ(logs.find(kKey), std::string::npos) << "the API key leaked into the logs: " << logs;
}

TEST(ResendAlertSink, ClientErrorsAreNotRetried) {
  CapturingServer server({422, 200});
  ManualClock clock;
  ResendAlertSink sink(Options(server.base()), std::make_shared<http::CurlTransport>(), &clock);
  ::testing::internal::CaptureStderr();
  sink.Send(RunFailed());
  std::string logs = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(sink.failed(), 1);
  EXPECT_EQ(clock.total_slept_ms(), 0);
  EXPECT_EQ(logs.find(kKey), std::string::npos) << logs;
}

TEST(ResendAlertSink, UnreachableServerIsRetriedAndCountedWithoutSecretInLogs) {
  ManualClock clock;
  ResendOptions o = Options("http://127.0.0.1:1");
  ResendAlertSink sink(o, std::make_shared<http::CurlTransport>(), &clock);
  ::testing::internal::CaptureStderr();
  EXPECT_NO_THROW(sink.Send(RunFailed()));
  std::string logs = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(sink.failed(), 1);
  EXPECT_EQ(clock.total_slept_ms(), 500 + 1000);
  EXPECT_EQ(logs.find(kKey), std::string::npos) << logs;
}

}  // namespace
}  // namespace di::cloud

// Service Bus queue counts over REST (src/queue/servicebus_runtime.h): the Atom
// parsing (pure), the combination with the local view, and the signed GET
// against a local cpp-httplib server standing in for the namespace (no Service
// Bus runs here): path, api-version, SAS Authorization verified, statuses.
#include "queue/servicebus_runtime.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <thread>

#include "http/curl_transport.h"
#include "queue/servicebus_frames.h"

namespace di::queue::sb {
namespace {

// A queue's entry in the documented shape (prefix d2p1 on the count details).
constexpr const char* kEntry =
    R"(<entry xmlns="http://www.w3.org/2005/Atom">)"
    R"(<id>https://ns.servicebus.windows.net/work-items?api-version=2021-05</id>)"
    R"(<title type="text">work-items</title><content type="application/xml">)"
    R"(<QueueDescription xmlns="http://schemas.microsoft.com/netservices/2010/10/servicebus/connect" )"
    R"(xmlns:i="http://www.w3.org/2001/XMLSchema-instance"><LockDuration>PT1M</LockDuration>)"
    R"(<MaxDeliveryCount>10</MaxDeliveryCount><MessageCount>17</MessageCount>)"
    R"(<CountDetails xmlns:d2p1="http://schemas.microsoft.com/netservices/2011/06/servicebus">)"
    R"(<d2p1:ActiveMessageCount>12</d2p1:ActiveMessageCount>)"
    R"(<d2p1:DeadLetterMessageCount>3</d2p1:DeadLetterMessageCount>)"
    R"(<d2p1:ScheduledMessageCount>2</d2p1:ScheduledMessageCount>)"
    R"(<d2p1:TransferMessageCount>0</d2p1:TransferMessageCount>)"
    R"(<d2p1:TransferDeadLetterMessageCount>0</d2p1:TransferDeadLetterMessageCount></CountDetails>)"
    R"(</QueueDescription></content></entry>)";

TEST(ServiceBusRuntime, ParsesCountDetailsWhateverThePrefix) {
  auto c = ParseQueueCounts(kEntry);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->active, 12);
  EXPECT_EQ(c->dead_letter, 3);
  EXPECT_EQ(c->scheduled, 2);
  auto plain = ParseQueueCounts(
      "<CountDetails><ActiveMessageCount>5</ActiveMessageCount><DeadLetterMessageCount>0</DeadLetterMessageCount>"
      "<ScheduledMessageCount>1</ScheduledMessageCount></CountDetails>");
  ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  EXPECT_EQ(plain->active, 5);
  EXPECT_EQ(plain->scheduled, 1);
}

TEST(ServiceBusRuntime, RejectsMissingOrBadCounts) {
  EXPECT_EQ(ParseQueueCounts("<entry><title>q</title></entry>").status().code(), Code::kCorrupt);
  auto missing = ParseQueueCounts("<CountDetails><ActiveMessageCount>5</ActiveMessageCount></CountDetails>");
  EXPECT_EQ(missing.status().code(), Code::kCorrupt);
  EXPECT_NE(missing.status().message().find("DeadLetterMessageCount"), std::string::npos);
  auto negative = ParseQueueCounts(
      "<CountDetails><ActiveMessageCount>-1</ActiveMessageCount><DeadLetterMessageCount>0</DeadLetterMessageCount>"
      "<ScheduledMessageCount>0</ScheduledMessageCount></CountDetails>");
  EXPECT_EQ(negative.status().code(), Code::kCorrupt);
  // A closing tag or a longer name is not the element.
  auto longer = ParseQueueCounts("<CountDetails><XActiveMessageCount>9</XActiveMessageCount></CountDetails>");
  EXPECT_EQ(longer.status().code(), Code::kCorrupt);
}

TEST(ServiceBusRuntime, ActiveMessagesAreReadyOrLeasedNeverCalledReady) {
  Depth local;
  local.ready = 2;      // outbox rows not yet relayed
  local.scheduled = 1;  // outbox rows scheduled
  local.leased = 4;     // locked by this process (counted as active by the broker)
  Depth d = WithBrokerCounts(local, {.active = 10, .dead_letter = 3, .scheduled = 5});
  EXPECT_EQ(d.ready, 2) << "only what is known to be ready: the broker's active count includes other locks";
  EXPECT_EQ(d.ready_or_leased, 10 - 4);
  EXPECT_EQ(d.scheduled, 6);
  EXPECT_EQ(d.leased, 4);
  EXPECT_EQ(d.dead_letters, 3);
  EXPECT_EQ(WithBrokerCounts(local, {.active = 1, .dead_letter = 0, .scheduled = 0}).ready_or_leased, 0);
}

TEST(ServiceBusRuntime, AnEmptyFeedIsAMissingQueueNamed) {
  auto missing = ParseQueueCounts(
      R"(<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">)"
      R"(<title type="text">Publicly Listed Services</title><updated>2026-01-01T00:00:00Z</updated></feed>)",
      "work-items");
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("work-items"), std::string::npos) << missing.status().message();
}

// cpp-httplib hands header values to handlers percent-decoded.
std::string PercentDecoded(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

class NamespaceServer : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.Get(R"(/([a-z-]+))", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      path_ = req.path;
      api_version_ = req.get_param_value("api-version");
      authorization_ = req.get_header_value("Authorization");
      if (req.matches[1] == "missing") {
        res.status = 404;
        return;
      }
      if (req.matches[1] == "forbidden") {
        res.status = 401;
        return;
      }
      res.set_content(kEntry, "application/atom+xml");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
  }
  std::string base() const { return "http://127.0.0.1:" + std::to_string(port_); }

  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::string path_, api_version_, authorization_;
};

TEST_F(NamespaceServer, SignedGetReturnsTheQueueCounts) {
  ManualClock clock(WallTime(std::chrono::seconds(1'800'000'000)));
  RuntimeOptions o{.base_url = base(), .key_name = "RootManageSharedAccessKey", .key = "c2VjcmV0LWtleQ=="};
  ServiceBusRuntime runtime(o, std::make_shared<http::CurlTransport>(), &clock);
  auto c = runtime.Counts("work-items");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->active, 12);
  std::lock_guard<std::mutex> lock(mu_);
  EXPECT_EQ(path_, "/work-items");
  EXPECT_EQ(api_version_, "2021-05");
  // The token signs the queue's URL with the key, valid for token_lifetime.
  const int64_t expiry = 1'800'000'000 + 300;
  EXPECT_EQ(authorization_, PercentDecoded(SasToken(base() + "/work-items", o.key_name, o.key, expiry)));
  EXPECT_NE(authorization_.find("skn=RootManageSharedAccessKey"), std::string::npos);
  EXPECT_EQ(authorization_.find(o.key), std::string::npos);  // the key itself never travels
}

TEST_F(NamespaceServer, StatusesMapToClearErrors) {
  RuntimeOptions o{.base_url = base(), .key_name = "k", .key = "c2VjcmV0"};
  ServiceBusRuntime runtime(o, std::make_shared<http::CurlTransport>());
  EXPECT_EQ(runtime.Counts("missing").status().code(), Code::kNotFound);
  auto refused = runtime.Counts("forbidden");
  EXPECT_EQ(refused.status().code(), Code::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("Manage"), std::string::npos);
  RuntimeOptions closed{.base_url = "http://127.0.0.1:1", .key_name = "k", .key = "c2VjcmV0"};
  EXPECT_EQ(ServiceBusRuntime(closed, std::make_shared<http::CurlTransport>()).Counts("q").status().code(),
            Code::kUnavailable);
}

}  // namespace
}  // namespace di::queue::sb

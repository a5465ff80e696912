// ServiceBusQueue against a real AMQP 1.0 broker: RabbitMQ 3.10 with
// rabbitmq_amqp1_0 on loopback (ctest fixture "rabbitmq"), plus PostgreSQL for
// the outbox (fixture "pg"). Each test uses its own queue names.
#include "queue/servicebus_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "rabbitmq.h"
#include "store/pool.h"
#include "test_database.h"

namespace di::queue {
namespace {

using testing::RabbitOptions;
using testing::UniqueQueue;

class ServiceBusQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_ = RabbitOptions();
    ASSERT_NE(options_.amqp.port, 0) << "the rabbitmq fixture is not running";
    pool_ = std::make_shared<pg::Pool>(db_.url(), 8);
    queue_ = std::make_unique<ServiceBusQueue>(pool_, options_);
    ASSERT_TRUE(queue_->connection().WaitConnected(Millis(20000)));
    name_ = UniqueQueue();
  }

  // Receives until a message arrives or TIMEOUT passes.
  std::optional<Message> ReceiveOne(ServiceBusQueue& q, const std::string& name, Millis timeout = Millis(10000)) {
    auto r = q.Receive(name, timeout);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }

  testing::TestDatabase db_ = testing::TestDatabase::Create();
  ServiceBusQueueOptions options_;
  std::shared_ptr<pg::Pool> pool_;
  std::unique_ptr<ServiceBusQueue> queue_;
  std::string name_;
};

TEST_F(ServiceBusQueueTest, SendReceiveCompleteKeepsIdBodyAndCount) {
  ASSERT_TRUE(queue_->Send({name_, R"({"n":1})", "dedup-1", std::nullopt}).ok());
  auto m = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, "dedup-1");
  EXPECT_EQ(m->body, R"({"n":1})");
  EXPECT_EQ(m->queue, name_);
  EXPECT_EQ(m->delivery_count, 1);
  ASSERT_TRUE(queue_->Complete(*m).ok());
  auto none = queue_->Receive(name_, Millis(500));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "a completed message came back";
  Status again = queue_->Complete(*m);
  EXPECT_EQ(again.code(), Code::kConflict) << again.ToString();
}

TEST_F(ServiceBusQueueTest, AbandonRedeliversTheSameMessage) {
  ASSERT_TRUE(queue_->Send({name_, R"({"n":2})", "dedup-2", std::nullopt}).ok());
  auto first = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(first);
  ASSERT_TRUE(queue_->Abandon(*first, Millis(0)).ok());
  auto second = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "dedup-2");
  EXPECT_EQ(second->body, R"({"n":2})");
  EXPECT_NE(second->lease_token, first->lease_token);
  EXPECT_EQ(first->delivery_count, 1);
  EXPECT_GE(second->delivery_count, 2);
  ASSERT_TRUE(queue_->Complete(*second).ok());
}

TEST_F(ServiceBusQueueTest, DeadLetterRemovesTheMessageFromTheQueue) {
  ASSERT_TRUE(queue_->Send({name_, "{}", "dedup-3", std::nullopt}).ok());
  auto m = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(m);
  ASSERT_TRUE(queue_->DeadLetter(*m, "MalformedWorkItem", "missing run_id").ok());
  auto none = queue_->Receive(name_, Millis(500));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
}

TEST_F(ServiceBusQueueTest, UnsettledMessageIsRedeliveredWhenItsConsumerGoesAway) {
  ASSERT_TRUE(queue_->Send({name_, "{}", "dedup-4", std::nullopt}).ok());
  {
    ServiceBusQueue other(pool_, options_);
    auto m = ReceiveOne(other, name_);
    ASSERT_TRUE(m);
    EXPECT_TRUE(other.RenewLease(*m).ok());  // still held while the connection lives
  }                                          // consumer dies holding the lock
  auto again = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->id, "dedup-4");
  ASSERT_TRUE(queue_->Complete(*again).ok());
}

TEST_F(ServiceBusQueueTest, SendInTransactionIsRelayedOnlyAfterCommit) {
  auto conn = db_.Connect();
  {
    pg::Transaction tx(*conn);
    ASSERT_TRUE(queue_->SendInTransaction(*conn, {name_, R"({"rolled":"back"})", "rb-1", std::nullopt}).ok());
  }  // rolled back
  {
    pg::Transaction tx(*conn);
    ASSERT_TRUE(queue_->SendInTransaction(*conn, {name_, R"({"committed":true})", "c-1", std::nullopt}).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  auto m = ReceiveOne(*queue_, name_);
  ASSERT_TRUE(m);
  EXPECT_EQ(m->id, "c-1");
  EXPECT_EQ(m->body, R"({"committed":true})");
  ASSERT_TRUE(queue_->Complete(*m).ok());
  auto none = queue_->Receive(name_, Millis(700));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "the rolled back message was sent";
  auto depth = queue_->GetDepth(name_);
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(depth->ready + depth->scheduled, 0) << "the relayed row is still in the outbox";
}

TEST_F(ServiceBusQueueTest, ManyConsumersNeverHandleOneMessageTwiceAtOnce) {
  constexpr int kMessages = 120;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_TRUE(
        queue_->Send({name_, "{\"i\":" + std::to_string(i) + "}", "m-" + std::to_string(i), std::nullopt}).ok());
  }
  ServiceBusQueue second(pool_, options_);
  std::mutex mu;
  std::set<std::string> in_hand, done;
  std::atomic<int> overlaps{0};
  const int64_t deadline = DefaultClock().MonotonicMs() + 60000;
  auto consume = [&](ServiceBusQueue& q) {
    while (DefaultClock().MonotonicMs() < deadline) {
      {
        std::lock_guard<std::mutex> lock(mu);
        if (static_cast<int>(done.size()) == kMessages) return;
      }
      auto r = q.Receive(name_, Millis(300));
      if (!r.ok() || !r->has_value()) continue;
      Message m = **r;
      {
        std::lock_guard<std::mutex> lock(mu);
        if (!in_hand.insert(m.id).second) ++overlaps;
      }
      std::this_thread::sleep_for(Millis(2));
      bool abandon = std::hash<std::string>()(m.id) % 5 == 0 && m.delivery_count == 1;
      {
        std::lock_guard<std::mutex> lock(mu);
        in_hand.erase(m.id);
        if (!abandon) done.insert(m.id);
      }
      Status s = abandon ? q.Abandon(m, Millis(0)) : q.Complete(m);
      EXPECT_TRUE(s.ok()) << s.ToString();
    }
  };
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) threads.emplace_back(consume, std::ref(i % 2 ? second : *queue_));
  for (auto& t : threads) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(static_cast<int>(done.size()), kMessages);
  auto none = queue_->Receive(name_, Millis(500));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "a completed message came back: " << (*none)->id;
}

TEST_F(ServiceBusQueueTest, BrokerRestartMidStreamLosesNoMessage) {
  constexpr int kMessages = 60;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<std::string> completed;
  std::thread consumer([&] {
    while (!stop) {
      auto r = queue_->Receive(name_, Millis(200));
      if (!r.ok() || !r->has_value()) continue;
      if (queue_->Complete(**r).ok()) {
        std::lock_guard<std::mutex> lock(mu);
        completed.insert((*r)->id);
      }
    }
  });
  auto conn = db_.Connect();
  for (int i = 0; i < kMessages; ++i) {
    if (i == kMessages / 3) {
      ASSERT_TRUE(testing::RestartRabbit());
    }
    // Through the outbox: the relay keeps retrying across the outage.
    ASSERT_TRUE(queue_->SendInTransaction(*conn, {name_, "{}", "r-" + std::to_string(i), std::nullopt}).ok());
    std::this_thread::sleep_for(Millis(20));
  }
  for (int i = 0; i < 600; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (static_cast<int>(completed.size()) == kMessages) break;
    }
    std::this_thread::sleep_for(Millis(100));
  }
  stop = true;
  consumer.join();
  std::vector<std::string> missing;
  for (int i = 0; i < kMessages; ++i) {
    if (!completed.count("r-" + std::to_string(i))) missing.push_back("r-" + std::to_string(i));
  }
  EXPECT_TRUE(missing.empty()) << missing.size() << " lost, first " << (missing.empty() ? "" : missing.front());
  EXPECT_GE(queue_->connection().connects(), 2) << "the broker restart was not noticed";
}

}  // namespace
}  // namespace di::queue

// ServiceBusQueue against servicebus-sim (the local Service Bus, fixture
// "servicebus") as the binary configures it from a UseDevelopmentEmulator=true
// connection string: delivery counts as Service Bus means them, settlements the
// broker confirms (receiver settle mode second: a lost lock is kConflict),
// locks kept by the lock the broker granted whatever the lease setting.
// PostgreSQL (fixture "pg") holds the outbox. Each test has its own queue.
#include <gtest/gtest.h>

#include <thread>

#include "servicebus_queue_fixture.h"

namespace di::queue {
namespace {


using ServiceBusSettleTest = ServiceBusQueueFixture;

TEST_F(ServiceBusSettleTest, AFirstDeliveryCountsOneAndEachRedeliveryOneMore) {
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/30).ok());
  auto q = Connect();
  ASSERT_TRUE(q->Send({name_, R"({"n":1})", "count-1", std::nullopt}).ok());
  auto first = ReceiveOne(*q);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->delivery_count, 1) << "Service Bus sends delivery-count 0 and no first-acquirer on a first delivery";
  ASSERT_TRUE(q->Abandon(*first, Millis(0)).ok());
  auto second = ReceiveOne(*q);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->delivery_count, 2);
  auto messages = sim_.Messages(name_);
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 1u);
  EXPECT_EQ((*messages)[0]["deliveryCount"], 2) << "the broker's count and ours agree";
  ASSERT_TRUE(q->Complete(*second).ok());
}

TEST_F(ServiceBusSettleTest, SettlingAfterTheLockExpiredIsAConflictNotASilentSuccess) {
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/1).ok());
  // A lease of 300 ms: the holder stops renewing almost at once (as a hung worker would).
  auto q = Connect(Millis(300));
  ASSERT_TRUE(q->Send({name_, "{}", "late-1", std::nullopt}).ok());
  ASSERT_TRUE(q->Send({name_, "{}", "late-2", std::nullopt}).ok());
  auto a = ReceiveOne(*q);
  auto b = ReceiveOne(*q);
  ASSERT_TRUE(a && b);
  std::this_thread::sleep_for(Millis(2500));  // both locks expire
  Status complete = q->Complete(*a);
  EXPECT_EQ(complete.code(), Code::kConflict) << complete.ToString();
  Status dead = q->DeadLetter(*b, "Poison", "too late");
  EXPECT_EQ(dead.code(), Code::kConflict) << dead.ToString();
  auto dlq = sim_.DeadLetters(name_);
  ASSERT_TRUE(dlq.ok());
  EXPECT_TRUE(dlq->empty()) << "a refused dead-letter left the message where it was";
  EXPECT_EQ(Counter("completed"), 0);
  EXPECT_GE(Counter("lockExpiries"), 2);
}

TEST_F(ServiceBusSettleTest, ALeaseLongerThanTheQueueLockNeverLetsTwoHoldersShareAMessage) {
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/2).ok());
  // QUEUE_LEASE_SECONDS = 9 against a 2 s lock: the worker renews its lease every 3 s.
  auto a = Connect(Millis(9000));
  auto b = Connect(Millis(9000));
  ASSERT_TRUE(a->Send({name_, R"({"item":1})", "one-item", std::nullopt}).ok());
  auto held = ReceiveOne(*a);
  ASSERT_TRUE(held);
  std::atomic<bool> done{false};
  std::thread worker([&] {  // the worker's LeaseKeeper: RenewLease every lease / 3
    while (!done) {
      for (int i = 0; i < 30 && !done; ++i) std::this_thread::sleep_for(Millis(100));
      if (!done) {
        EXPECT_TRUE(a->RenewLease(*held).ok());
      }
    }
  });
  auto stolen = b->Receive(name_, Millis(7000));
  done = true;
  worker.join();
  ASSERT_TRUE(stolen.ok()) << stolen.status().ToString();
  EXPECT_FALSE(stolen->has_value()) << "a second holder received the message while the first still worked on it";
  EXPECT_TRUE(a->Complete(*held).ok());
  EXPECT_EQ(Counter("lockExpiries"), 0);
  EXPECT_EQ(Counter("deliveries"), 1);
  EXPECT_GE(a->lock_renewals(), 4) << "renewed about every second (half of the 2 s lock)";
}

}  // namespace
}  // namespace di::queue

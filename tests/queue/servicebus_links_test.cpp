// ServiceBusQueue's links against servicebus-sim (fixture "servicebus"): a
// link the broker force-detaches as idle is re-attached alone (the connection
// and the locks it holds stay, and a message whose link is gone is settled by
// lock token over $management); renewals name their receiver link, which keeps
// it attached; the credit a Receive leaves behind when it gives up is taken
// back, so no message is locked for nobody; a dropped connection keeps its locks.
#include <gtest/gtest.h>

#include <thread>

#include "servicebus_queue_fixture.h"

namespace di::queue {
namespace {

using testing::ServiceBusSim;

class ServiceBusLinksTest : public ServiceBusQueueFixture {
 protected:
  // The broker's view of the queue's one message ("" when there is none).
  std::string OnlyMessageState() {
    auto m = sim_.Messages(name_);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (!m.ok() || m->empty()) return "";
    return (*m)[0]["state"].get<std::string>();
  }
};

TEST_F(ServiceBusLinksTest, AnIdleDetachReattachesTheLinkAloneAndKeepsTheLock) {
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/30, 0, 0, /*idle=*/1).ok());
  auto q = Connect();
  ASSERT_TRUE(q->Send({name_, R"({"n":1})", "idle-1", std::nullopt}).ok());
  auto held = ReceiveOne(*q);
  ASSERT_TRUE(held);
  // Nothing happens on the sender or the receiver for 2.5 s: both are force-detached.
  std::this_thread::sleep_for(Millis(2500));
  auto detached = sim_.QueueCounters(name_);
  ASSERT_TRUE(detached.ok());
  EXPECT_GE((*detached)["idleDetachesByKind"]["receive"].get<int>(), 1);
  EXPECT_GE((*detached)["idleDetachesByKind"]["send"].get<int>(), 1);
  EXPECT_EQ(q->connection().connects(), 1) << "an idle link cost the whole connection";
  EXPECT_EQ(OnlyMessageState(), "locked");
  Status completed = q->Complete(*held);
  ASSERT_TRUE(completed.ok()) << completed.ToString();
  EXPECT_EQ(Counter("updateDispositions"), 1) << "settled by lock token, its link being gone";
  EXPECT_EQ(OnlyMessageState(), "") << "the message was completed";
  // Both links come back when needed.
  ASSERT_TRUE(q->Send({name_, R"({"n":2})", "idle-2", std::nullopt}).ok());
  auto next = ReceiveOne(*q);
  ASSERT_TRUE(next);
  EXPECT_EQ(next->id, "idle-2");
  EXPECT_EQ(next->delivery_count, 1);
  EXPECT_TRUE(q->Complete(*next).ok());
  EXPECT_EQ(q->connection().connects(), 1);
  EXPECT_EQ(Counter("lockExpiries"), 0);
}

TEST_F(ServiceBusLinksTest, RenewalsNameTheReceiverLinkSoAHolderIsNeverIdle) {
  // Lock 2 s, links idle after 1.5 s: only renewals naming the receiver keep it.
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/2, 0, 0, /*idle=*/1.5).ok());
  auto q = Connect();
  ASSERT_TRUE(q->Send({name_, "{}", "long-1", std::nullopt}).ok());
  auto held = ReceiveOne(*q);
  ASSERT_TRUE(held);
  for (int i = 0; i < 10; ++i) {  // 5 s of work, the lease renewed as the worker does
    std::this_thread::sleep_for(Millis(500));
    ASSERT_TRUE(q->RenewLease(*held).ok());
  }
  auto c = sim_.QueueCounters(name_);
  ASSERT_TRUE(c.ok());
  EXPECT_GE((*c)["renewLockRequestsWithLinkName"].get<int>(), 4);
  EXPECT_EQ((*c)["renewLockRequestsWithLinkName"], (*c)["renewLockRequests"]);
  EXPECT_EQ((*c)["idleDetachesByKind"]["receive"], 0) << "the receiver holding the message was detached as idle";
  EXPECT_TRUE(q->Complete(*held).ok());
  EXPECT_EQ(Counter("updateDispositions"), 0) << "settled on its own link";
  EXPECT_EQ(Counter("lockExpiries"), 0);
}

TEST_F(ServiceBusLinksTest, AReceiveThatGivesUpTakesItsCreditBack) {
  ASSERT_TRUE(sim_.CreateQueue(name_, /*lock=*/30).ok());
  auto idle = Connect();
  for (int i = 0; i < 3; ++i) {  // a consumer polling an empty queue
    auto none = idle->Receive(name_, Millis(200));
    ASSERT_TRUE(none.ok());
    EXPECT_FALSE(none->has_value());
  }
  std::this_thread::sleep_for(Millis(300));
  auto sender = Connect();
  ASSERT_TRUE(sender->Send({name_, "{}", "late-1", std::nullopt}).ok());
  std::this_thread::sleep_for(Millis(1000));
  EXPECT_EQ(OnlyMessageState(), "active") << "locked by a receiver nobody waits on";
  auto got = ReceiveOne(*sender);
  ASSERT_TRUE(got) << "another consumer gets it at once";
  EXPECT_EQ(got->delivery_count, 1);
  EXPECT_TRUE(sender->Complete(*got).ok());
}

TEST_F(ServiceBusLinksTest, ADroppedConnectionKeepsTheLocksItHeld) {
  // A private instance: dropping every connection must not disturb other tests.
  auto own = ServiceBusSim::StartPrivate({});
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  ServiceBusSim& sim = **own;
  ASSERT_TRUE(sim.CreateQueue(name_, /*lock=*/30).ok());
  auto q = std::make_unique<ServiceBusQueue>(pool_, sim.QueueOptions());
  ASSERT_TRUE(q->connection().WaitConnected(Millis(10000)));
  ASSERT_TRUE(q->Send({name_, "{}", "drop-1", std::nullopt}).ok());
  ASSERT_TRUE(q->Send({name_, "{}", "drop-2", std::nullopt}).ok());
  auto a = q->Receive(name_, Millis(5000));
  auto b = q->Receive(name_, Millis(5000));
  ASSERT_TRUE(a.ok() && a->has_value() && b.ok() && b->has_value());
  ASSERT_TRUE(sim.DropConnections().ok());
  std::this_thread::sleep_for(Millis(300));
  ASSERT_TRUE(q->connection().WaitConnected(Millis(10000)));
  EXPECT_EQ(q->connection().connects(), 2);
  EXPECT_TRUE(q->RenewLease(**a).ok());
  Status completed = q->Complete(**a);
  EXPECT_TRUE(completed.ok()) << completed.ToString();
  Status abandoned = q->Abandon(**b, Millis(0));
  EXPECT_TRUE(abandoned.ok()) << abandoned.ToString();
  auto again = q->Receive(name_, Millis(5000));
  ASSERT_TRUE(again.ok() && again->has_value());
  EXPECT_EQ((*again)->id, "drop-2");
  EXPECT_EQ((*again)->delivery_count, 2) << "abandoned once, never lost to the drop";
  EXPECT_TRUE(q->Complete(**again).ok());
  auto c = sim.QueueCounters(name_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["lockExpiries"], 0);
  EXPECT_EQ((*c)["updateDispositions"], 2);
}

}  // namespace
}  // namespace di::queue

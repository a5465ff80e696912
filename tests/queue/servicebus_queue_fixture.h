// ServiceBusQueueFixture: a gtest fixture for ServiceBusQueue against the
// suite's servicebus-sim (fixture "servicebus") as the binary configures it,
// with a private PostgreSQL database for the outbox and a queue name of its
// own per test. Not thread-safe (one test's thread).
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "queue/servicebus_queue.h"
#include "servicebus.h"
#include "store/pool.h"
#include "test_database.h"

namespace di::queue {

class ServiceBusQueueFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(sim_.amqp_port(), 0) << "the servicebus fixture is not running";
    pool_ = std::make_shared<pg::Pool>(db_.url(), 4);
    name_ = testing::UniqueServiceBusQueue();
  }

  // A queue client with the sim's options and LEASE, connected.
  std::unique_ptr<ServiceBusQueue> Connect(Millis lease = Millis(60000)) {
    ServiceBusQueueOptions o = sim_.QueueOptions();
    o.lease = lease;
    auto q = std::make_unique<ServiceBusQueue>(pool_, o);
    EXPECT_TRUE(q->connection().WaitConnected(Millis(10000)));
    return q;
  }

  std::optional<Message> ReceiveOne(ServiceBusQueue& q, Millis wait = Millis(5000)) {
    auto r = q.Receive(name_, wait);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : std::nullopt;
  }

  // The broker's counter NAME of this test's queue (-1 when unreadable).
  int64_t Counter(const std::string& name) {
    auto c = sim_.QueueCounters(name_);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? c->value(name, int64_t{-1}) : -1;
  }

  testing::ServiceBusSim sim_ = testing::ServiceBusSim::Fixture();
  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::shared_ptr<pg::Pool> pool_;
  std::string name_;
};

}  // namespace di::queue

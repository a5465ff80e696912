// The outbox relay against servicebus-sim and PostgreSQL: a row the broker
// refuses for good (a message too large for the queue, a queue that does not
// exist) is retried a few times and set aside with an alert, while the rows
// after it flow; a set-aside row counts with the queue's dead letters.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>

#include "queue/outbox.h"
#include "servicebus.h"
#include "store/pg.h"
#include "store/pool.h"
#include "test_database.h"

namespace di::queue {
namespace {

using testing::ServiceBusSim;

TEST(OutboxSetAside, RowsTheBrokerRefusesAreSetAsideAndTheRowsAfterThemFlow) {
  ServiceBusSim sim = ServiceBusSim::Fixture();
  ASSERT_NE(sim.amqp_port(), 0) << "the servicebus fixture is not running";
  testing::TestDatabase db = testing::TestDatabase::Create();
  auto pool = std::make_shared<pg::Pool>(db.url(), 4);
  const std::string name = testing::UniqueServiceBusQueue();
  const std::string missing = testing::UniqueServiceBusQueue();  // never created
  ASSERT_TRUE(sim.CreateQueue(name, /*lock=*/30).ok());

  std::mutex mu;
  std::vector<SetAsideRow> set_aside;
  ServiceBusQueueOptions o = sim.QueueOptions();
  o.relay.max_attempts = 3;
  o.relay.poll = Millis(100);
  o.relay.on_set_aside = [&](const SetAsideRow& row) {
    std::lock_guard<std::mutex> lock(mu);
    set_aside.push_back(row);
  };
  ServiceBusQueue q(pool, o);
  ASSERT_TRUE(q.connection().WaitConnected(Millis(10000)));

  {  // The refused rows come first: before the fix they blocked every row after them.
    auto conn = db.Connect();
    pg::Transaction tx(*conn);
    ASSERT_TRUE(tx.begin_status().ok());
    ASSERT_TRUE(q.SendInTransaction(*conn, {name, std::string(300 * 1024, 'x'), "too-large", std::nullopt}).ok());
    ASSERT_TRUE(q.SendInTransaction(*conn, {missing, "{}", "nowhere", std::nullopt}).ok());
    for (int i = 0; i < 3; ++i) {
      ASSERT_TRUE(q.SendInTransaction(*conn, {name, "{}", "good-" + std::to_string(i), std::nullopt}).ok());
    }
    ASSERT_TRUE(tx.Commit().ok());
  }
  std::set<std::string> received;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (received.size() < 3 && std::chrono::steady_clock::now() < deadline) {
    auto m = q.Receive(name, Millis(500));
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    if (!m->has_value()) continue;
    received.insert((*m)->id);
    EXPECT_TRUE(q.Complete(**m).ok());
  }
  EXPECT_EQ(received, (std::set<std::string>{"good-0", "good-1", "good-2"}));

  for (int i = 0; i < 100; ++i) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (set_aside.size() >= 2) break;
    }
    std::this_thread::sleep_for(Millis(100));
  }
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(set_aside.size(), 2u);
  std::map<std::string, SetAsideRow> by_id;
  for (const auto& row : set_aside) by_id[row.dedup_id] = row;
  ASSERT_TRUE(by_id.count("too-large") && by_id.count("nowhere"));
  EXPECT_EQ(by_id["too-large"].attempts, 3);
  EXPECT_EQ(by_id["too-large"].queue, name);
  EXPECT_EQ(by_id["nowhere"].attempts, 3);
  EXPECT_NE(by_id["nowhere"].error.find("not-found"), std::string::npos) << by_id["nowhere"].error;

  auto depth = q.GetDepth(name);
  ASSERT_TRUE(depth.ok()) << depth.status().ToString();
  EXPECT_EQ(depth->dead_letters, 1) << "the set-aside row shows with the queue's dead letters";
  EXPECT_EQ(depth->ready, 0) << "a set-aside row is not waiting to be sent";
  auto left = db.Connect()->Exec("SELECT count(*) FROM queue_outbox WHERE set_aside_at IS NOT NULL");
  ASSERT_TRUE(left.ok());
  EXPECT_EQ(left->GetInt64(0, 0), 2);
  auto stats = sim.QueueCounters(name);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ((*stats)["sent"], 3) << "each good row was sent once";
}

}  // namespace
}  // namespace di::queue

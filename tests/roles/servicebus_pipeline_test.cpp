// The whole pipeline over the local Service Bus (servicebus-sim, a private
// instance): the scheduler, three workers and the consolidator, each on its own
// AMQP connection configured from a UseDevelopmentEmulator=true connection
// string, as separate processes would be; links force-detached after 2 s idle,
// every receiver of work-items detached once by the broker and two connection
// drops (a reset and an AMQP close) while partitions are being fetched. The raw
// table must equal nivoda-sim's dump, every delivery must have been settled by
// its holder (none lapsed, none refused for a lost lock), nothing dead-lettered.
#include <gtest/gtest.h>

#include <thread>

#include "pipeline_fixture.h"
#include "queue/servicebus_queue.h"
#include "roles/consolidator.h"
#include "servicebus.h"

namespace di::testing {
namespace {

// A worker's own components: its own Service Bus connection and Nivoda client.
Components WorkerComponents(Pipeline& p, std::shared_ptr<queue::Queue> queue) {
  Components c;
  c.database_url = p.components.database_url;
  c.pool = p.components.pool;
  c.queue = std::move(queue);
  c.watermark = p.components.watermark;
  c.alerts = p.components.alerts;
  nivoda::ClientOptions co;
  co.endpoint = p.sim->endpoint();
  co.username = SimProcess::kUsername;
  co.password = SimProcess::kPassword;
  co.timeout = Millis(10000);
  co.retry.max_attempts = 3;
  co.retry.base_delay = Millis(20);
  co.retry.max_delay = Millis(200);
  auto client = nivoda::NivodaClient::Create(co);
  EXPECT_TRUE(client.ok()) << client.status().ToString();
  if (client.ok()) c.client = std::move(client).value();
  return c;
}

TEST(ServiceBusPipeline, ScheduleThreeWorkersConsolidateThroughIdleDetachesAndDrops) {
  auto started = ServiceBusSim::StartPrivate({"--idle-timeout", "2", "--lock-duration", "5"});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ServiceBusSim& sim = **started;
  for (const char* q : {queue::kWorkItems, queue::kConsolidate}) {
    ASSERT_TRUE(sim.CreateQueue(q, /*lock=*/5, /*max_deliveries=*/10, /*dup=*/600).ok());
  }
  Pipeline p({"--natural", "6000", "--labgrown", "0", "--latency-base-ms", "100"});
  auto connect = [&] {
    queue::ServiceBusQueueOptions o = sim.QueueOptions();
    o.lease = Millis(5000);  // the workers' QUEUE_LEASE_SECONDS
    auto q = std::make_shared<queue::ServiceBusQueue>(p.components.pool, o);
    EXPECT_TRUE(q->connection().WaitConnected(Millis(10000)));
    return q;
  };
  std::vector<std::shared_ptr<queue::ServiceBusQueue>> queues;
  for (int i = 0; i < 5; ++i) queues.push_back(connect());  // scheduler, 3 workers, consolidator

  p.components.queue = queues[0];
  const std::string run = p.ScheduleFull(8, /*min_records_per_partition=*/600);
  ASSERT_FALSE(run.empty());
  // The scheduler's work-items sender now has nothing to send: the broker
  // detaches it once it has been idle for 2 s.
  std::this_thread::sleep_for(Millis(2500));

  std::vector<Components> worker_components;
  for (int i = 1; i <= 3; ++i) worker_components.push_back(WorkerComponents(p, queues[i]));
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < 3; ++i) {
    WorkerOptions wo = p.FastWorkerOptions();
    wo.worker_id = "sb-worker-" + std::to_string(i);
    wo.partitions = 2;
    wo.requests_in_flight = 2;  // a partition (15 pages of 100 ms) is in hand for about 1.5 s
    workers.push_back(std::make_unique<Worker>(worker_components[i], wo));
  }
  ConsolidatorDeps deps;
  deps.pool = p.components.pool;
  deps.queue = queues[4];
  deps.alerts = p.alerts;
  auto watermark = p.components.watermark;
  deps.watermark_for = [watermark](const std::string&) { return watermark; };
  ConsolidatorOptions co;
  co.poll = Millis(300);
  co.not_ready_delay = Millis(200);
  co.retry_delay = Millis(200);
  co.lease = Millis(5000);
  Consolidator consolidator(deps, co);

  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, &stop] { w->Run(stop); });
  threads.emplace_back([&] { consolidator.Run(stop); });

  // Faults while partitions are in hand: the broker detaches every work-items
  // receiver, then drops every connection twice.
  // Each fault waits until the broker counts work items locked (in hand).
  auto await_locked = [&](int n) {
    for (int i = 0; i < 100; ++i) {  // up to 5 s
      auto st = sim.State();
      if (st.ok() && (*st)["queues"][queue::kWorkItems]["counts"]["locked"].get<int>() >= n) return true;
      std::this_thread::sleep_for(Millis(50));
    }
    return false;
  };
  EXPECT_TRUE(await_locked(3));
  auto detached = sim.Detach("receive", queue::kWorkItems);
  EXPECT_TRUE(detached.ok() && *detached >= 3) << (detached.ok() ? std::to_string(*detached) : "admin failed");
  std::this_thread::sleep_for(Millis(300));
  EXPECT_TRUE(await_locked(1));
  EXPECT_TRUE(sim.DropConnections(/*close=*/false).ok());
  std::this_thread::sleep_for(Millis(600));
  EXPECT_TRUE(await_locked(1));
  EXPECT_TRUE(sim.DropConnections(/*close=*/true).ok());

  std::string status;
  for (int i = 0; i < 900; ++i) {  // up to 90 s
    status = p.RunStatus(run);
    if (status == "completed" || status == "failed") break;
    std::this_thread::sleep_for(Millis(100));
  }
  stop = true;
  for (auto& t : threads) t.join();

  ASSERT_EQ(status, "completed") << "alerts: " << p.alerts->alerts().size();
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_EQ(raw.size(), truth.size());
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw);
  EXPECT_EQ(consolidator.counters().completed.load(), 1);

  auto state = sim.State();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_GE((*state)["counters"]["idleDetaches"].get<int>(), 1) << "no link was idle long enough to be detached";
  EXPECT_GE((*state)["counters"]["connectionsClosedByAdmin"].get<int>(), 10);
  for (const char* q : {queue::kWorkItems, queue::kConsolidate}) {
    const auto& c = (*state)["queues"][q]["counters"];
    SCOPED_TRACE(std::string(q) + ": " + c.dump());
    EXPECT_EQ(c["lockExpiries"], 0) << "a lock lapsed: a delivery wasted";
    EXPECT_EQ(c["lockLostErrors"], 0);
    EXPECT_EQ(c["deadLettered"], 0);
    EXPECT_EQ(c["deliveries"].get<int>(),
              c["completed"].get<int>() + c["abandoned"].get<int>() + c["released"].get<int>())
        << "every delivery settled by the process that held it";
    EXPECT_EQ(c["deliveries"].get<int>(), c["sent"].get<int>() - c["duplicatesDropped"].get<int>())
        << "each message delivered once";
    auto dead = sim.DeadLetters(q);
    ASSERT_TRUE(dead.ok());
    EXPECT_TRUE(dead->empty()) << dead->dump();
  }
  EXPECT_GE((*state)["queues"][queue::kWorkItems]["counters"]["updateDispositions"].get<int>(), 1)
      << "no held message was settled by lock token after its link went";
}

}  // namespace
}  // namespace di::testing

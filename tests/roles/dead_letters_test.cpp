// Invariant 7 with real servers: a work item dead-lettered because its
// deliveries ran out ends its partition as failed, the error naming the
// reason, so the run reaches its end by the 70% rule and `retry` works.
//   - PostgreSQL queue: the queue dead-letters the item by itself (a worker
//     died holding it) and ends the partition in the same transaction.
//   - Service Bus (servicebus-sim): the broker dead-letters it by itself; the
//     sweep takes it from "<queue>/$DeadLetterQueue" and ends the partition
//     (built only where node runs servicebus-sim: DI_TEST_SERVICEBUS_SIM).
// PostgreSQL + nivoda-sim (+ servicebus-sim) processes, in-process roles.
#include "roles/dead_letters.h"

#include <gtest/gtest.h>

#include <fstream>
#include <thread>

#include "pipeline_fixture.h"
#include "queue/messages.h"
#include "queue/postgres_queue.h"
#include "queue/servicebus_queue.h"
#include "roles/retry.h"
#include "servicebus.h"

namespace di::testing {
namespace {

std::vector<std::string> SimFlags() { return {"--natural", "4000", "--labgrown", "0", "--latency-base-ms", "2"}; }

std::string Text(Pipeline& p, const std::string& sql, const std::string& arg) {
  auto conn = p.db.Connect();
  auto r = conn->Exec(sql, {pg::P(arg)});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r->rows() == 1 && !r->IsNull(0, 0) ? r->GetString(0, 0) : "";
}

CompletionOptions Completion(const std::string& work_queue) {
  CompletionOptions o;
  o.consolidation_delay = Millis(2000);
  o.work_queue = work_queue;
  return o;
}

// Works RUN with P's queue until every partition ended and a consolidation
// without force is waiting (or TIMEOUT); true when both hold.
bool WorkUntilCompleteConsolidation(Pipeline& p, const std::string& run, WorkerOptions options, Millis timeout) {
  std::atomic<bool> stop{false};
  Worker worker(p.components, options);
  std::thread runner([&] { worker.Run(stop); });
  bool done = false;
  for (int64_t end = DefaultClock().MonotonicMs() + timeout.count(); !done && DefaultClock().MonotonicMs() < end;) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    done = Text(p,
                "SELECT count(*) FROM queue_messages WHERE queue = 'consolidate' AND body::jsonb ->> 'runId' = $1"
                " AND NOT (body::jsonb ->> 'force')::boolean",
                run) == "1" &&
           Text(p, "SELECT completed_partitions = expected_partitions FROM run_metadata WHERE run_id = $1", run) == "t";
  }
  stop = true;
  runner.join();
  return done;
}

TEST(DeadLettersTest, PostgresQueueEndsTheExhaustedItemsPartitionInTheSameTransaction) {
  Pipeline p(SimFlags());
  const std::string run = p.ScheduleFull(4, 500);
  ASSERT_EQ(Text(p, "SELECT expected_partitions FROM run_metadata WHERE run_id = $1", run), "4");
  // The queue as the binary wires it, with one delivery per item and a 1 s lease.
  queue::QueueOptions qo;
  qo.lease_seconds = 1;
  qo.max_deliveries = 1;
  auto q = std::make_shared<queue::PostgresQueue>(p.components.pool, qo);
  q->SetDeadLetterHook(DeadLetterConsequence(*q, p.alerts, Completion(queue::kWorkItems)));
  p.components.queue = q;

  // A worker dies holding one work item: received, never settled.
  auto held = q->Receive(queue::kWorkItems, Millis(1000));
  ASSERT_TRUE(held.ok() && held->has_value());
  auto item = queue::DecodeWorkItem((*held)->body);
  ASSERT_TRUE(item.ok());
  const std::string partition = std::to_string(item->partition_id);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));

  WorkerOptions wo = p.FastWorkerOptions();
  wo.lease = Millis(1000);
  wo.completion = Completion(queue::kWorkItems);
  ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(60000), wo)) << "run status " << p.RunStatus(run);

  auto conn = p.db.Connect();
  auto row = conn->Exec("SELECT status, error_message FROM partition_runs WHERE run_id = $1 AND partition_id = $2::int",
                        {pg::P(run), pg::P(partition)});
  ASSERT_TRUE(row.ok() && row->rows() == 1);
  EXPECT_EQ(row->GetString(0, 0), "failed");
  EXPECT_EQ(row->GetString(0, 1).rfind("work item dead-lettered: MaxDeliveryCountExceeded (delivered 1 times", 0), 0u)
      << row->GetString(0, 1);
  EXPECT_EQ(Text(p, "SELECT completed_partitions || '/' || failed_partitions FROM run_metadata WHERE run_id = $1", run),
            "3/1");
  EXPECT_EQ(
      Text(p, "SELECT count(*) FROM queue_dead_letters WHERE handled_at IS NOT NULL AND body::jsonb ->> 'runId' = $1",
           run),
      "1");
  EXPECT_TRUE(p.alerts->Has("consolidation_forced")) << "3 of 4 succeeded: the 70% rule";

  // The sweep finds nothing left to apply; `retry` re-publishes the partition and the run completes.
  auto swept = SweepDeadLetters(*q, DeadLetterConsequence(*q, p.alerts, Completion(queue::kWorkItems)),
                                Completion(queue::kWorkItems));
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 0);
  auto retried = RetryFailedPartitions(*p.components.pool, *q, queue::kWorkItems, run, std::nullopt);
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  EXPECT_EQ(retried->size(), 1u);
  EXPECT_TRUE(WorkUntilCompleteConsolidation(p, run, wo, Millis(60000)));
  EXPECT_TRUE(p.RawOfRun(run) == p.SimTruth());
}

#if DI_TEST_SERVICEBUS_SIM
TEST(DeadLettersTest, ServiceBusDeadLetterIsSweptAndEndsItsPartition) {
  ServiceBusSim bus = ServiceBusSim::Fixture();
  ASSERT_NE(bus.amqp_port(), 0) << "no servicebus-sim fixture ports in $DI_TEST_SERVERS_DIR/servicebus";
  Pipeline p(SimFlags());
  const std::string run = p.ScheduleFull(4, 500);
  // Queues of this test only (the fixture's are shared): 2 deliveries, then the dead-letter queue.
  const std::string name = "wi-dlq-" + run.substr(run.size() - 4);
  CompletionOptions co = Completion(name);
  co.consolidate_queue = name + "-consolidate";
  for (const std::string& queue_name : {co.work_queue, co.consolidate_queue}) {
    Status created = bus.CreateQueue(queue_name, 30, 2, 0);
    ASSERT_TRUE(created.ok()) << created.ToString();
  }
  // As the binary builds them from the connection string (Service Bus mode: an abandon is counted).
  queue::ServiceBusQueue sb(p.components.pool, bus.QueueOptions());
  std::string body =
      Text(p, "SELECT work_item_payload::text FROM partition_runs WHERE run_id = $1 AND partition_id = 1", run);
  ASSERT_TRUE(sb.connection().WaitConnected(Millis(10000))) << "servicebus-sim on port " << bus.amqp_port();
  Status sent = sb.Send({name, body, run + ":p1:0", std::nullopt});
  ASSERT_TRUE(sent.ok()) << sent.ToString();
  // Two deliveries given back counted (abandon): the broker dead-letters it by itself.
  for (int delivery = 1; delivery <= 2; ++delivery) {
    auto m = sb.Receive(name, Millis(5000));
    ASSERT_TRUE(m.ok() && m->has_value()) << "delivery " << delivery;
    ASSERT_TRUE(sb.Abandon(**m, Millis(0)).ok());
  }
  auto none = sb.Receive(name, Millis(500));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value()) << "dead-lettered by the broker";
  EXPECT_EQ(Text(p, "SELECT status FROM partition_runs WHERE run_id = $1 AND partition_id = 1", run), "pending");

  auto swept = SweepDeadLetters(sb, DeadLetterConsequence(sb, p.alerts, co), co);
  ASSERT_TRUE(swept.ok()) << swept.status().ToString();
  EXPECT_EQ(*swept, 1);
  EXPECT_EQ(
      Text(p, "SELECT status || ': ' || error_message FROM partition_runs WHERE run_id = $1 AND partition_id = 1", run)
          .rfind("failed: work item dead-lettered: MaxDeliveryCountExceeded", 0),
      0u);
  EXPECT_EQ(Text(p, "SELECT failed_partitions FROM run_metadata WHERE run_id = $1", run), "1");
  EXPECT_EQ(Text(p, "SELECT count(*) FROM queue_dead_letters WHERE queue = $1 AND handled_at IS NOT NULL", name), "1");
  auto again = SweepDeadLetters(sb, DeadLetterConsequence(sb, p.alerts, co), co);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0) << "taken out of the broker's dead-letter queue";
}
#endif  // DI_TEST_SERVICEBUS_SIM

}  // namespace
}  // namespace di::testing

// The whole pipeline on the production backends: the scheduler, the workers
// and the consolidator talk through ServiceBusQueue (AMQP 1.0 to RabbitMQ 3.10,
// sends in transactions through the outbox) and keep the watermark in Azure
// Blob Storage (Azurite 3.35.0), against nivoda-sim and PostgreSQL.
#include <gtest/gtest.h>

#include <thread>

#include "azurite.h"
#include "cloud/blob_watermark_store.h"
#include "pipeline_fixture.h"
#include "queue/servicebus_queue.h"
#include "rabbitmq.h"
#include "roles/consolidator.h"

namespace di::testing {
namespace {

TEST(AzurePipeline, ScheduleWorkConsolidateOverServiceBusAmqpAndBlobWatermark) {
  Pipeline p({"--natural", "4000", "--labgrown", "0", "--latency-base-ms", "2"});
  queue::ServiceBusQueueOptions qo = RabbitOptions();
  ASSERT_NE(qo.amqp.port, 0) << "the rabbitmq fixture is not running";
  cloud::BlobAccount account = AzuriteAccount();
  ASSERT_FALSE(account.blob_endpoint.empty()) << "the azurite fixture is not running";
  cloud::BlobLocation location;
  location.container = UniqueContainer();
  auto blob = std::make_shared<cloud::BlobWatermarkStore>(account, location);
  auto sbq = std::make_shared<queue::ServiceBusQueue>(p.components.pool, qo);
  ASSERT_TRUE(sbq->connection().WaitConnected(Millis(20000)));
  p.components.queue = sbq;
  p.components.watermark = blob;

  auto before = blob->Read();
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_FALSE(before->has_value());

  std::string run = p.ScheduleFull(8);
  ASSERT_FALSE(run.empty());

  ConsolidatorDeps deps;
  deps.pool = p.components.pool;
  deps.queue = sbq;
  deps.alerts = p.alerts;
  deps.watermark_for = [blob](const std::string&) -> std::shared_ptr<cloud::WatermarkStore> { return blob; };
  ConsolidatorOptions co;
  co.poll = Millis(300);
  co.not_ready_delay = Millis(200);
  co.retry_delay = Millis(200);
  Consolidator consolidator(deps, co);

  std::atomic<bool> stop{false};
  Worker worker(p.components, p.FastWorkerOptions());
  std::thread working([&] { worker.Run(stop); });
  std::thread consolidating([&] { consolidator.Run(stop); });
  std::string status;
  for (int i = 0; i < 900; ++i) {  // up to 90 s
    status = p.RunStatus(run);
    if (status == "completed" || status == "failed") break;
    std::this_thread::sleep_for(Millis(100));
  }
  stop = true;
  working.join();
  consolidating.join();

  ASSERT_EQ(status, "completed") << "alerts: " << p.alerts->alerts().size();
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_EQ(raw.size(), truth.size());
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw);
  auto after = blob->Read();
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_TRUE(after->has_value()) << "the watermark was not written to the blob";
  EXPECT_EQ((*after)->last_run_id, run);
  EXPECT_EQ(consolidator.counters().completed.load(), 1);
  auto depth = sbq->GetDepth(queue::kWorkItems);
  ASSERT_TRUE(depth.ok());
  EXPECT_EQ(depth->ready + depth->scheduled, 0) << "outbox rows left unsent";
}

}  // namespace
}  // namespace di::testing

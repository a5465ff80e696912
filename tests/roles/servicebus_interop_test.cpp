// Interoperability with Microsoft's @azure/service-bus (7.9.5) over the local
// Service Bus, both ways, with a real pipeline (nivoda-sim, PostgreSQL):
// the scheduler's work items are received and checked by the SDK; the SDK
// sends them back (as an SDK user would: JSON objects in data sections) and
// the worker consumes them (and the sweep after them); the worker's
// consolidation message is received by the SDK and sent back by it; the
// consolidator consumes that. The run completes, exact against the dump.
// Script: tests/interop/servicebus_sdk.js.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "pipeline_fixture.h"
#include "process.h"
#include "queue/messages.h"
#include "queue/servicebus_queue.h"
#include "servicebus.h"

namespace di::testing {
namespace {

struct SdkMessage {
  std::string message_id;
  std::string body;
  int64_t scheduled_at = 0;  // 0 = not scheduled
  int64_t received_at = 0;
};

class Sdk {
 public:
  explicit Sdk(const ServiceBusSim& sim) : connection_string_(sim.ConnectionString()) {}

  // Receives (and completes) COUNT messages of QUEUE with the SDK.
  std::vector<SdkMessage> Take(const std::string& queue, int count, Millis timeout) {
    auto r = Run({"take", queue, std::to_string(count), std::to_string(timeout.count())}, "");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    std::vector<SdkMessage> out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded()) continue;
      out.push_back({j["messageId"], j["body"], j["scheduledAt"].is_null() ? 0 : j["scheduledAt"].get<int64_t>(),
                     j["receivedAt"].get<int64_t>()});
    }
    return out;
  }

  // Sends MESSAGES to QUEUE with the SDK.
  void Send(const std::string& queue, const std::vector<SdkMessage>& messages) {
    std::string input;
    for (const auto& m : messages) input += nlohmann::json{{"messageId", m.message_id}, {"body", m.body}}.dump() + "\n";
    auto r = Run({"send", queue}, input);
    EXPECT_EQ(r.exit_code, 0) << r.err;
  }

 private:
  test::ProcessResult Run(const std::vector<std::string>& args, const std::string& input) {
    const char* src = std::getenv("DI_SOURCE_DIR");
    std::string command = "exec node " + std::string(src ? src : ".") + "/tests/interop/servicebus_sdk.js";
    for (const auto& a : args) command += " '" + a + "'";
    if (!input.empty()) command += " < " + dir_.Write("input.jsonl", input);
    return test::RunProcess({"/bin/sh", "-c", command},
                            {"PATH=/usr/local/bin:/usr/bin:/bin", "NODE_PATH=" + ServiceBusSim::NodePath(),
                             "SB_CONNECTION_STRING=" + connection_string_},
                            dir_.path());
  }

  std::string connection_string_;
  test::TempDir dir_;
};

TEST(ServiceBusInterop, TheSdkReadsWhatThePipelineSendsAndThePipelineConsumesWhatTheSdkSends) {
  auto started = ServiceBusSim::StartPrivate({});
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  ServiceBusSim& sim = **started;
  for (const char* q : {queue::kWorkItems, queue::kConsolidate}) {
    ASSERT_TRUE(sim.CreateQueue(q, /*lock=*/30, /*max_deliveries=*/10, /*dup=*/600).ok());
  }
  Pipeline p({"--natural", "2000", "--labgrown", "0", "--latency-base-ms", "2"});
  auto sbq = std::make_shared<queue::ServiceBusQueue>(p.components.pool, sim.QueueOptions());
  ASSERT_TRUE(sbq->connection().WaitConnected(Millis(10000)));
  p.components.queue = sbq;
  Sdk sdk(sim);

  // 1. The scheduler's work items, as the SDK sees them.
  const std::string run = p.ScheduleFull(4, /*min_records_per_partition=*/250);
  ASSERT_FALSE(run.empty());
  auto partitions = p.db.Connect()->Exec("SELECT count(*) FROM partition_runs WHERE run_id = $1", {pg::P(run)});
  ASSERT_TRUE(partitions.ok());
  const int n = static_cast<int>(partitions->GetInt64(0, 0));
  ASSERT_GE(n, 2);
  std::vector<SdkMessage> items = sdk.Take(queue::kWorkItems, n, Millis(20000));
  ASSERT_EQ(static_cast<int>(items.size()), n);
  std::set<int> seen;
  for (auto& m : items) {
    auto item = queue::DecodeWorkItem(m.body);
    ASSERT_TRUE(item.ok()) << item.status().ToString() << ": " << m.body;
    EXPECT_EQ(item->run_id, run);
    EXPECT_EQ(m.message_id, queue::WorkItemDedupId(run, item->partition_id, 0)) << "message-id = dedup id";
    EXPECT_EQ(m.scheduled_at, 0);
    seen.insert(item->partition_id);
    m.message_id += ":via-sdk";  // a new message: the original id is in the duplicate-detection window
  }
  EXPECT_EQ(static_cast<int>(seen.size()), n) << "one work item per partition";

  // 2. The SDK sends them back; the worker consumes them up to the consolidation.
  sdk.Send(queue::kWorkItems, items);
  WorkerOptions wo = p.FastWorkerOptions();
  ASSERT_TRUE(p.WorkUntilConsolidation(run, Millis(60000), wo));

  // 3. The consolidation message, as the SDK sees it.
  std::vector<SdkMessage> consolidation = sdk.Take(queue::kConsolidate, 1, Millis(20000));
  ASSERT_EQ(consolidation.size(), 1u);
  auto request = queue::DecodeConsolidate(consolidation[0].body);
  ASSERT_TRUE(request.ok()) << request.status().ToString() << ": " << consolidation[0].body;
  EXPECT_EQ(request->run_id, run);
  EXPECT_FALSE(request->force);
  // Every partition succeeded, so it is sent for now (only a forced
  // consolidation is scheduled, roles/partition_end.cpp).
  EXPECT_EQ(consolidation[0].scheduled_at, 0);

  // 4. The SDK sends it back; the consolidator consumes it.
  consolidation[0].message_id += ":via-sdk";
  sdk.Send(queue::kConsolidate, consolidation);
  EXPECT_EQ(p.Consolidate(run, Millis(30000)), "completed");
  auto raw = p.RawOfRun(run);
  auto truth = p.SimTruth();
  EXPECT_TRUE(raw == truth) << "missing or stale: " << DescribeDifference(truth, raw);
  auto c = sim.QueueCounters(queue::kWorkItems);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)["lockExpiries"], 0);
  EXPECT_TRUE(sim.DeadLetters(queue::kWorkItems)->empty());
  EXPECT_TRUE(sim.DeadLetters(queue::kConsolidate)->empty());
}

}  // namespace
}  // namespace di::testing

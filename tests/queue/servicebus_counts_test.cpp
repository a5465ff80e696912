// Queue counts over the management REST interface of servicebus-sim, reached
// as the binary reaches a namespace: HTTPS to the Endpoint's host and port
// (here the simulator's HTTPS port, trusted through its test CA). A queue that
// does not exist (HTTP 200, empty feed) is kNotFound naming it; a message
// another process has locked is never shown as ready.
#include <gtest/gtest.h>

#include "config/connection_strings.h"
#include "http/curl_transport.h"
#include "servicebus.h"
#include "store/pool.h"
#include "test_database.h"

namespace di::queue {
namespace {

using testing::ServiceBusSim;

TEST(ServiceBusCounts, RestAtTheEndpointPortNamesAMissingQueueAndKeepsOtherLocksOutOfReady) {
  ServiceBusSim sim = ServiceBusSim::Fixture();
  ASSERT_NE(sim.https_port(), 0) << "the servicebus fixture is not running";
  testing::TestDatabase db = testing::TestDatabase::Create();
  auto pool = std::make_shared<pg::Pool>(db.url(), 4);
  const std::string name = testing::UniqueServiceBusQueue();
  ASSERT_TRUE(sim.CreateQueue(name, /*lock=*/30).ok());

  auto cs = ParseServiceBusConnectionString("Endpoint=sb://localhost:" + std::to_string(sim.https_port()) +
                                            "/;SharedAccessKeyName=" + ServiceBusSim::kKeyName +
                                            ";SharedAccessKey=" + ServiceBusSim::kKey);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  const sb::RuntimeOptions rest = ServiceBusOptionsFrom(*cs, sim.cert_file()).runtime;
  EXPECT_EQ(rest.base_url, "https://localhost:" + std::to_string(sim.https_port()));
  http::CurlTransport::Options tls;
  tls.ca_file = sim.cert_file();
  sb::ServiceBusRuntime runtime(rest, std::make_shared<http::CurlTransport>(tls));
  auto empty = runtime.Counts(name);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(empty->active, 0);
  const std::string missing = testing::UniqueServiceBusQueue();
  auto none = runtime.Counts(missing);
  EXPECT_EQ(none.status().code(), Code::kNotFound) << none.status().ToString();
  EXPECT_NE(none.status().message().find(missing), std::string::npos) << none.status().message();

  // Process B holds one of two messages; process A (its own view) reads the counts.
  ServiceBusQueue b(pool, sim.QueueOptions());
  ASSERT_TRUE(b.connection().WaitConnected(Millis(10000)));
  ASSERT_TRUE(b.Send({name, "{}", "m-1", std::nullopt}).ok());
  ASSERT_TRUE(b.Send({name, "{}", "m-2", std::nullopt}).ok());
  auto held = b.Receive(name, Millis(5000));
  ASSERT_TRUE(held.ok() && held->has_value());
  ServiceBusQueueOptions ao = sim.QueueOptions();
  ao.runtime = rest;
  ServiceBusQueue a(pool, ao);
  auto seen = a.GetDepth(name);
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->ready, 0) << "Service Bus cannot say which active message is ready: none is claimed to be";
  EXPECT_EQ(seen->leased, 0);
  EXPECT_EQ(seen->ready_or_leased, 2);
  auto own = b.GetDepth(name);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->leased, 1);
  EXPECT_EQ(own->ready_or_leased, 1);
  const std::string other = testing::UniqueServiceBusQueue();
  ASSERT_TRUE(sim.CreateQueue(other, /*lock=*/30).ok());
  auto elsewhere = b.GetDepth(other);
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status().ToString();
  EXPECT_EQ(elsewhere->leased, 0) << "the held message is name's, not other's";
  auto gone = a.GetDepth(missing);
  EXPECT_EQ(gone.status().code(), Code::kNotFound) << "a missing queue is reported, not shown as empty";
  EXPECT_TRUE(b.Complete(**held).ok());
}

}  // namespace
}  // namespace di::queue

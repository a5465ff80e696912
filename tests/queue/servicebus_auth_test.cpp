// Claims-based security and TLS of the Service Bus connection against
// servicebus-sim: the token is put at connect (a connection idle after connect
// is not dropped by the 20 s rule), the connection counts as connected only once
// the broker accepted it, a failed put-token (at connect or at refresh) is
// retried before the token expires, the destructor returns at once although a
// refresh is scheduled, and AMQPS works against a test CA (and fails without it).
// Knobs that apply to a whole namespace run on a private instance.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "config/connection_strings.h"
#include "servicebus.h"
#include "store/pool.h"
#include "test_database.h"

namespace di::queue {
namespace {

using testing::ServiceBusSim;

int64_t GlobalCounter(ServiceBusSim& sim, const std::string& name) {
  auto state = sim.State();
  EXPECT_TRUE(state.ok()) << state.status().ToString();
  return state.ok() ? (*state)["counters"].value(name, int64_t{-1}) : -1;
}

// Sends one message to QUEUE and receives and completes it.
void RoundTrip(ServiceBusQueue& q, const std::string& queue, const std::string& id) {
  ASSERT_TRUE(q.Send({queue, "{}", id, std::nullopt}).ok());
  auto m = q.Receive(queue, Millis(5000));
  ASSERT_TRUE(m.ok() && m->has_value()) << (m.ok() ? "nothing received" : m.status().ToString());
  EXPECT_EQ((*m)->id, id);
  EXPECT_TRUE(q.Complete(**m).ok());
}

class ServiceBusAuthTest : public ::testing::Test {
 protected:
  testing::TestDatabase db_ = testing::TestDatabase::Create();
  std::shared_ptr<pg::Pool> pool_ = std::make_shared<pg::Pool>(db_.url(), 4);
  std::string name_ = testing::UniqueServiceBusQueue();
};

TEST_F(ServiceBusAuthTest, AConnectionIdleAfterConnectKeepsItsTokenAndIsNotDropped) {
  auto sim = ServiceBusSim::StartPrivate({"--cbs-auth-timeout", "1.5"});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  ASSERT_TRUE((*sim)->CreateQueue(name_).ok());
  ServiceBusQueue q(pool_, (*sim)->QueueOptions());
  ASSERT_TRUE(q.connection().WaitConnected(Millis(10000)));
  std::this_thread::sleep_for(Millis(3000));  // a scheduler planning, `status`, an idle consumer
  EXPECT_EQ(GlobalCounter(**sim, "unauthenticatedConnectionsClosed"), 0);
  EXPECT_EQ(q.connection().connects(), 1);
  RoundTrip(q, name_, "idle-then-busy");
  EXPECT_EQ(q.connection().connects(), 1);
}

TEST_F(ServiceBusAuthTest, ConnectedOnlyOnceATokenIsAcceptedAndARefusedPutIsRetried) {
  auto sim = ServiceBusSim::StartPrivate({});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  ASSERT_TRUE((*sim)->CreateQueue(name_).ok());
  ASSERT_TRUE((*sim)->FailPutTokens(2).ok());
  ServiceBusQueueOptions o = (*sim)->QueueOptions();
  o.amqp.token_retry_min = Millis(400);
  ServiceBusQueue q(pool_, o);
  EXPECT_FALSE(q.connection().WaitConnected(Millis(300))) << "usable before the broker accepted a token";
  ASSERT_TRUE(q.connection().WaitConnected(Millis(10000)));
  EXPECT_EQ(GlobalCounter(**sim, "putTokenRejected"), 2);
  EXPECT_EQ(q.connection().connects(), 1);
  RoundTrip(q, name_, "after-retries");
}

TEST_F(ServiceBusAuthTest, ARefreshThatFailsIsRetriedBeforeTheTokenExpires) {
  auto sim = ServiceBusSim::StartPrivate({});
  ASSERT_TRUE(sim.ok()) << sim.status().ToString();
  ASSERT_TRUE((*sim)->CreateQueue(name_).ok());
  ServiceBusQueueOptions o = (*sim)->QueueOptions();
  o.amqp.token_lifetime = Millis(4000);  // refreshed after about 3 s
  o.amqp.token_retry_min = Millis(100);
  ServiceBusQueue q(pool_, o);
  ASSERT_TRUE(q.connection().WaitConnected(Millis(10000)));
  RoundTrip(q, name_, "before");  // links attached under the first token
  ASSERT_TRUE((*sim)->FailPutTokens(2).ok());
  std::this_thread::sleep_for(Millis(5000));  // past the first token's expiry
  EXPECT_EQ(GlobalCounter(**sim, "putTokenRejected"), 2);
  EXPECT_GE(GlobalCounter(**sim, "putTokenAccepted"), 2);
  EXPECT_EQ(GlobalCounter(**sim, "tokenExpiryDetaches"), 0) << "a link outlived the connection's token";
  EXPECT_EQ(q.connection().connects(), 1);
  RoundTrip(q, name_, "after");
}

TEST(ServiceBusAuthDeathTest, TheDestructorReturnsAtOnceThoughATokenRefreshIsScheduled) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  ServiceBusSim sim = ServiceBusSim::Fixture();
  ASSERT_NE(sim.amqp_port(), 0) << "the servicebus fixture is not running";
  const sb::AmqpOptions options = sim.QueueOptions().amqp;
  ASSERT_TRUE(options.cbs);
  EXPECT_EXIT(
      {
        alarm(20);  // a hang ends the child with SIGALRM: the test fails
        auto connection = std::make_unique<sb::ServiceBusConnection>(options);
        if (!connection->WaitConnected(Millis(10000))) _exit(3);
        const auto start = std::chrono::steady_clock::now();
        connection.reset();
        _exit(std::chrono::steady_clock::now() - start < std::chrono::seconds(2) ? 0 : 4);
      },
      ::testing::ExitedWithCode(0), "");
}

TEST_F(ServiceBusAuthTest, AmqpsTrustsATestCaAndVerifiesThePeer) {
  ServiceBusSim sim = ServiceBusSim::Fixture();
  ASSERT_NE(sim.amqps_port(), 0) << "the servicebus fixture is not running";
  ASSERT_TRUE(sim.CreateQueue(name_).ok());
  // No UseDevelopmentEmulator: TLS to the Endpoint's port, as with a real namespace.
  auto cs = ParseServiceBusConnectionString("Endpoint=sb://localhost:" + std::to_string(sim.amqps_port()) +
                                            "/;SharedAccessKeyName=" + ServiceBusSim::kKeyName +
                                            ";SharedAccessKey=" + ServiceBusSim::kKey);
  ASSERT_TRUE(cs.ok()) << cs.status().ToString();
  ServiceBusQueueOptions trusted = ServiceBusOptionsFrom(*cs, sim.cert_file());
  ASSERT_TRUE(trusted.amqp.tls);
  trusted.runtime.base_url.clear();
  ServiceBusQueue q(pool_, trusted);
  ASSERT_TRUE(q.connection().WaitConnected(Millis(10000)));
  RoundTrip(q, name_, "over-tls");

  sb::AmqpOptions untrusted = ServiceBusOptionsFrom(*cs).amqp;  // the system's CAs only
  untrusted.reconnect_max = Millis(500);
  sb::ServiceBusConnection refused(untrusted);
  EXPECT_FALSE(refused.WaitConnected(Millis(2000))) << "a self-signed certificate was accepted";
}

}  // namespace
}  // namespace di::queue

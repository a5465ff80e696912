// The three modes of AZURE_SERVICE_BUS_CONNECTION_STRING, as the binary turns
// them into queue options (pure; the modes run against their servers in
// servicebus_*_test and servicebus_queue_test): Service Bus; Service Bus with
// UseDevelopmentEmulator=true, which only drops TLS (as in Microsoft's SDKs);
// Broker=RabbitMQ, the explicit mode for a RabbitMQ broker.
#include <gtest/gtest.h>

#include "config/connection_strings.h"
#include "queue/servicebus_queue.h"

namespace di::queue {
namespace {

constexpr const char* kKey = "c2VjcmV0LWtleQ==";

ServiceBusQueueOptions From(const std::string& text, const std::string& ca_file = {}) {
  auto cs = ParseServiceBusConnectionString(text);
  EXPECT_TRUE(cs.ok()) << cs.status().ToString();
  return ServiceBusOptionsFrom(*cs, ca_file);
}

TEST(ServiceBusOptions, ANamespaceIsTlsWithCbsTokensAndRestCountsOnItsHost) {
  auto o = From(std::string("Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=app;SharedAccessKey=") + kKey,
                "/etc/ca.pem");
  EXPECT_TRUE(o.amqp.tls);
  EXPECT_EQ(o.amqp.port, 5671);
  EXPECT_EQ(o.amqp.ca_file, "/etc/ca.pem");
  EXPECT_EQ(o.amqp.sasl_mechanism, "ANONYMOUS");
  EXPECT_TRUE(o.amqp.cbs);
  EXPECT_EQ(o.amqp.key_name, "app");
  EXPECT_TRUE(o.amqp.abandon_as_modified);
  EXPECT_TRUE(o.service_bus);
  EXPECT_EQ(o.address_prefix, "");
  EXPECT_EQ(o.runtime.base_url, "https://ns.servicebus.windows.net");
  EXPECT_EQ(o.runtime.ca_file, "/etc/ca.pem");
}

TEST(ServiceBusOptions, TheRestUrlKeepsTheEndpointsPort) {
  auto o = From(std::string("Endpoint=sb://127.0.0.1:5443/;SharedAccessKeyName=k;SharedAccessKey=") + kKey);
  EXPECT_EQ(o.amqp.port, 5443);
  EXPECT_EQ(o.runtime.base_url, "https://127.0.0.1:5443");
  auto v6 = From(std::string("Endpoint=sb://[::1]:5443/;SharedAccessKeyName=k;SharedAccessKey=") + kKey);
  EXPECT_EQ(v6.runtime.base_url, "https://[::1]:5443");
}

TEST(ServiceBusOptions, TheDevelopmentEmulatorIsServiceBusWithoutTls) {
  auto o = From(std::string("Endpoint=sb://localhost/;SharedAccessKeyName=k;SharedAccessKey=") + kKey +
                ";UseDevelopmentEmulator=true");
  EXPECT_FALSE(o.amqp.tls);
  EXPECT_EQ(o.amqp.port, 5672);
  EXPECT_EQ(o.amqp.sasl_mechanism, "ANONYMOUS");
  EXPECT_TRUE(o.amqp.cbs) << "the SDKs still put CBS tokens to the emulator";
  EXPECT_TRUE(o.amqp.abandon_as_modified);
  EXPECT_TRUE(o.service_bus);
  EXPECT_EQ(o.address_prefix, "") << "entity names, not /queue/NAME";
  EXPECT_FALSE(o.runtime.base_url.empty());
}

TEST(ServiceBusOptions, RabbitMqIsItsOwnExplicitMode) {
  auto o = From("Endpoint=sb://127.0.0.1/;SharedAccessKeyName=guest;SharedAccessKey=guest;Broker=RabbitMQ");
  EXPECT_FALSE(o.amqp.tls);
  EXPECT_EQ(o.amqp.port, 5672);
  EXPECT_EQ(o.amqp.sasl_mechanism, "PLAIN");
  EXPECT_EQ(o.amqp.user, "guest");
  EXPECT_EQ(o.amqp.password, "guest");
  EXPECT_FALSE(o.amqp.cbs);
  EXPECT_FALSE(o.amqp.abandon_as_modified);
  EXPECT_FALSE(o.service_bus);
  EXPECT_EQ(o.address_prefix, "/queue/");
  EXPECT_TRUE(o.runtime.base_url.empty()) << "RabbitMQ has no Service Bus REST interface";
}

}  // namespace
}  // namespace di::queue

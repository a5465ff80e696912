#include "rabbitmq.h"

#include <cstdlib>
#include <fstream>
#include <random>

#include "config/connection_strings.h"

namespace di::testing {

queue::ServiceBusQueueOptions RabbitOptions() {
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  int port = 0;
  if (dir) std::ifstream(std::string(dir) + "/rabbitmq/port") >> port;
  // As the binary configures it: the explicit RabbitMQ mode of the connection string.
  auto cs = ParseServiceBusConnectionString("Endpoint=sb://127.0.0.1:" + std::to_string(port == 0 ? 1 : port) +
                                            "/;SharedAccessKeyName=guest;SharedAccessKey=guest;Broker=RabbitMQ");
  queue::ServiceBusQueueOptions o = queue::ServiceBusOptionsFrom(*cs);
  o.amqp.port = port;
  o.amqp.reconnect_min = Millis(100);
  o.amqp.reconnect_max = Millis(1000);
  o.send_timeout = Millis(10000);
  o.relay.poll = Millis(200);
  o.relay.retry_backoff = Millis(100);
  return o;
}

std::string UniqueQueue() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* kDigits = "0123456789abcdef";
  std::string name = "q-";
  for (int i = 0; i < 12; ++i) name += kDigits[rng() % 16];
  return name;
}

bool RestartRabbit() {
  const char* src = std::getenv("DI_SOURCE_DIR");
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  if (!src || !dir) return false;
  std::string cmd = std::string(src) + "/scripts/test-servers/rabbitmq restart " + dir + "/rabbitmq > /dev/null";
  return std::system(cmd.c_str()) == 0;
}

}  // namespace di::testing

#include "rabbitmq.h"

#include <cstdlib>
#include <fstream>
#include <random>

namespace di::testing {

queue::ServiceBusQueueOptions RabbitOptions() {
  queue::ServiceBusQueueOptions o;
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  int port = 0;
  if (dir) std::ifstream(std::string(dir) + "/rabbitmq/port") >> port;
  o.amqp.host = "127.0.0.1";
  o.amqp.port = port;
  o.amqp.sasl_mechanism = "PLAIN";
  o.amqp.user = "guest";
  o.amqp.password = "guest";
  o.amqp.abandon_as_modified = false;
  o.amqp.reconnect_min = Millis(100);
  o.amqp.reconnect_max = Millis(1000);
  o.address_prefix = "/queue/";
  o.service_bus = false;
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

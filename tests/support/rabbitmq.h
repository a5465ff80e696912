// Test helpers for the RabbitMQ fixture (tests/support/rabbitmq.cmake): the
// AMQP options for it, unique queue names, and a broker restart.
#pragma once

#include <string>

#include "queue/servicebus_queue.h"

namespace di::testing {

// ServiceBusQueueOptions for the fixture's broker, from a Broker=RabbitMQ
// connection string (SASL PLAIN guest/guest, addresses /queue/NAME); port 0
// when the fixture is absent.
queue::ServiceBusQueueOptions RabbitOptions();
// "q-" + random hex.
std::string UniqueQueue();
// Restarts the broker (same port and data); false when the script failed.
bool RestartRabbit();

}  // namespace di::testing

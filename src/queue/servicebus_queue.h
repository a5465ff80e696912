// ServiceBusQueue: the Queue interface over AMQP 1.0, for Azure Service Bus
// (and, for tests and local runs, any AMQP 1.0 broker such as RabbitMQ 3.10
// with rabbitmq_amqp1_0).
//
// - Send: message-id = dedup id, JSON body, x-opt-scheduled-enqueue-time when
//   visible_at is set; ok once the broker accepted it.
// - SendInTransaction: a row in queue_outbox in the caller's transaction (see
//   outbox.h); the relay thread this queue owns sends it after commit.
// - Receive: peek-lock with link credit. Message.id = message-id,
//   delivery_count = AMQP header delivery-count + 1 (at least 2 when the header
//   says first-acquirer=false: RabbitMQ does not count, it only flags redeliveries).
// - Complete = accepted; Release = released (the broker does not count the
//   delivery); Abandon = modified(delivery-failed); DeadLetter = rejected with
//   com.microsoft:dead-letter {DeadLetterReason, DeadLetterErrorDescription}. Abandon with a delay on Service Bus sends
//   a scheduled copy (new message-id, delivery count carried in the application property di-delivery-count) and
//   completes the original; on a generic broker the message is released for immediate redelivery.
// - RenewLease: com.microsoft:renew-lock on "<queue>/$management" (Service
//   Bus); a generic broker keeps a delivery locked for as long as the
//   connection lives, so renewal there only checks that the lock is still held.
// - GetDepth: rows waiting in the outbox (ready or scheduled) and messages
//   leased here, plus, on Service Bus, the broker's counts read over REST
//   (servicebus_runtime.h: active, scheduled, dead-lettered; AMQP cannot report
//   them). A generic broker has no such interface: there `ready` counts only
//   the outbox. A failed REST read is logged and the local counts returned.
// - Dead letters: the broker dead-letters by itself (max delivery count), so
//   the hook is not used; SweepDeadLetters receives from "<queue>/$DeadLetterQueue",
//   applies the hook and keeps the dead letter in queue_dead_letters in one
//   transaction, then removes it from the broker (a crash in between: seen
//   again, skipped by its message id, removed).
// Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "config/connection_strings.h"
#include "queue/outbox_relay.h"
#include "queue/queue.h"
#include "queue/servicebus_connection.h"
#include "queue/servicebus_runtime.h"
#include "store/pool.h"

namespace di::queue {

struct ServiceBusQueueOptions {
  sb::AmqpOptions amqp;
  // Prefix of every queue's AMQP address: "" for Service Bus, "/queue/" for RabbitMQ.
  std::string address_prefix;
  // Service Bus features (scheduled abandon copies, $management lock renewal).
  bool service_bus = true;
  Millis send_timeout{30000};
  OutboxRelayOptions relay;
  // Broker counts over REST (Service Bus only; base_url empty: none).
  sb::RuntimeOptions runtime;
};

// Options for a parsed AZURE_SERVICE_BUS_CONNECTION_STRING. Service Bus: AMQPS
// (5671), SASL ANONYMOUS + CBS SAS tokens, entity names as addresses, modified
// for abandon, $management lock renewal. With UseDevelopmentEmulator=true: a
// local AMQP 1.0 broker (RabbitMQ 3.10 + rabbitmq_amqp1_0): plain AMQP (5672),
// SASL PLAIN with SharedAccessKeyName/SharedAccessKey as user/password,
// addresses /queue/NAME, released for abandon, no $management.
ServiceBusQueueOptions ServiceBusOptionsFrom(const ServiceBusConnectionString& cs);

class ServiceBusQueue final : public Queue {
 public:
  // POOL: the pipeline's database (for the outbox). Starts the connection and
  // the outbox relay.
  ServiceBusQueue(std::shared_ptr<pg::Pool> pool, ServiceBusQueueOptions options);
  ~ServiceBusQueue() override;

  Status Send(const OutMessage& message) override;
  Status SendInTransaction(pg::Connection& tx, const OutMessage& message) override;
  Result<std::optional<Message>> Receive(const std::string& queue, Millis wait) override;
  Status Complete(const Message& message) override;
  Status Abandon(const Message& message, Millis delay) override;
  Status Release(const Message& message) override;
  Status DeadLetter(const Message& message, const std::string& reason, const std::string& description) override;
  Status RenewLease(const Message& message) override;
  Result<Depth> GetDepth(const std::string& queue) override;
  void SetDeadLetterHook(DeadLetterHook hook) override;
  Result<int> SweepDeadLetters(const std::string& queue, int limit, const DeadLetterHook& hook) override;

  sb::ServiceBusConnection& connection() { return *connection_; }
  OutboxRelay& relay() { return *relay_; }

 private:
  std::string Address(const std::string& queue) const { return options_.address_prefix + queue; }

  std::shared_ptr<pg::Pool> pool_;
  ServiceBusQueueOptions options_;
  std::unique_ptr<sb::ServiceBusConnection> connection_;
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<sb::ServiceBusRuntime> runtime_;  // null: no broker counts
  std::atomic<int64_t> leased_{0};
};

}  // namespace di::queue

// ServiceBusQueue: the Queue interface over AMQP 1.0, for Azure Service Bus
// (and, for tests and local runs, RabbitMQ 3.10 with rabbitmq_amqp1_0).
//
// - Send: message-id = dedup id, JSON body, x-opt-scheduled-enqueue-time when
//   visible_at is set; ok once the broker accepted it.
// - SendInTransaction: a row in queue_outbox in the caller's transaction (see
//   outbox.h); the relay thread this queue owns sends it after commit.
// - Receive: peek-lock with link credit. Message.id = message-id. Delivery
//   count as Service Bus means it: the header's delivery-count counts earlier
//   lock acquisitions (0 on a first delivery), so delivery_count = it + 1,
//   plus the application property di-delivery-count of a delayed-retry copy.
//   RabbitMQ does not count: there a redelivery (first-acquirer=false) is 2.
// - Complete = accepted; Release = released (the broker does not count the
//   delivery); Abandon = modified(delivery-failed); DeadLetter =
//   rejected with com.microsoft:dead-letter {DeadLetterReason,
//   DeadLetterErrorDescription}; each returns the broker's verdict on Service
//   Bus (kConflict when the lock was lost). Abandon with a delay on Service Bus
//   sends a scheduled copy (new message-id, delivery count carried in
//   di-delivery-count) and completes the original; on RabbitMQ the message is
//   released for immediate redelivery.
// - Locks (Service Bus): a LockKeeper (servicebus_lock_keeper.h) renews each
//   held lock by the expiry the broker granted (half its remaining time), for
//   as long as the holder keeps its lease (`lease`, renewed by RenewLease).
//   RenewLease itself only extends that lease (kConflict once the lock is
//   lost); RabbitMQ keeps a delivery for as long as the link lives, so there
//   RenewLease only checks it is still held.
// - GetDepth: rows waiting in the outbox (ready or scheduled; rows set aside
//   count as dead letters) and messages leased here, plus, on Service Bus, the
//   broker's counts read over REST
//   (servicebus_runtime.h: active, scheduled, dead-lettered; AMQP cannot report
//   them). RabbitMQ has no such interface: there `ready` counts only the
//   outbox. A failed REST read is logged and the local counts returned; a
//   missing queue is kNotFound.
// - Dead letters: the broker dead-letters by itself (max delivery count), so
//   the hook is not used; SweepDeadLetters receives from "<queue>/$DeadLetterQueue",
//   applies the hook and keeps the dead letter in queue_dead_letters in one
//   transaction, then removes it from the broker (a crash in between: seen
//   again, skipped by its message id, removed).
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "config/connection_strings.h"
#include "queue/outbox_relay.h"
#include "queue/queue.h"
#include "queue/servicebus_connection.h"
#include "queue/servicebus_lock_keeper.h"
#include "queue/servicebus_runtime.h"
#include "store/pool.h"

namespace di::queue {

struct ServiceBusQueueOptions {
  sb::AmqpOptions amqp;
  // Prefix of every queue's AMQP address: "" for Service Bus, "/queue/" for RabbitMQ.
  std::string address_prefix;
  // Service Bus semantics (delivery counts, scheduled abandon copies, lock
  // renewal, settle mode second); false for RabbitMQ. Copied into amqp.service_bus.
  bool service_bus = true;
  // How long a holder keeps a message without calling RenewLease (QUEUE_LEASE_SECONDS).
  Millis lease{60000};
  Millis send_timeout{30000};
  OutboxRelayOptions relay;
  // Broker counts over REST (Service Bus only; base_url empty: none).
  sb::RuntimeOptions runtime;
};

// Options for a parsed AZURE_SERVICE_BUS_CONNECTION_STRING. Service Bus: AMQPS
// (5671 or the Endpoint's port), SASL ANONYMOUS + a CBS SAS token, entity
// names as addresses, modified for abandon, $management lock renewal, counts
// over REST at https://<Endpoint host[:port]>/. UseDevelopmentEmulator=true
// means what it means to the SDKs: plain AMQP (5672 or the Endpoint's port),
// everything else unchanged. Broker=RabbitMQ: a RabbitMQ 3.10 +
// rabbitmq_amqp1_0 broker: plain AMQP (5672), SASL PLAIN with
// SharedAccessKeyName/SharedAccessKey as user/password, addresses /queue/NAME,
// released for abandon, no CBS, no $management, no REST. CA_FILE: certificate
// authorities to trust for AMQPS and REST (AZURE_SERVICE_BUS_CA_FILE).
ServiceBusQueueOptions ServiceBusOptionsFrom(const ServiceBusConnectionString& cs, const std::string& ca_file = {});

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
  // Lock renewals the broker accepted (Service Bus), for tests.
  int64_t lock_renewals() const { return locks_ ? locks_->renewals() : 0; }

 private:
  std::string Address(const std::string& queue) const { return options_.address_prefix + queue; }
  // Bookkeeping after a settlement attempt of MESSAGE; returns S.
  Status Settled(const Message& message, Status s);

  std::shared_ptr<pg::Pool> pool_;
  ServiceBusQueueOptions options_;
  std::unique_ptr<sb::ServiceBusConnection> connection_;
  std::unique_ptr<sb::LockKeeper> locks_;  // Service Bus only
  std::unique_ptr<OutboxRelay> relay_;
  std::unique_ptr<sb::ServiceBusRuntime> runtime_;  // null: no broker counts
  std::mutex leased_mu_;
  std::map<std::string, std::string> leased_;  // lease token -> queue, of the messages held here
};

}  // namespace di::queue

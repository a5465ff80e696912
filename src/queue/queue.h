// Queue: the message queue between the roles (work items, consolidation).
//
// Semantics follow Azure Service Bus in peek-lock mode, so both backends
// (PostgreSQL table queue, Service Bus over AMQP) behave alike:
// - Send: at-least-once; a dedup id makes a repeated send within the detection
//   window a no-op; an optional visible_at delays delivery (scheduled message).
// - SendInTransaction: the message is committed or rolled back with the
//   caller's transaction (directly, or through an outbox relayed later).
// - Receive: leases one message for lease_seconds; it is invisible to other
//   consumers until Complete / Abandon / DeadLetter, or until the lease
//   expires, when it is delivered again. Each delivery increments
//   delivery_count; past max_deliveries the message is dead-lettered instead.
// - Release: gives a message back at once without counting its delivery (a
//   graceful shutdown): Service Bus's `released` outcome.
// - Dead letters: a message dead-lettered because its deliveries ran out has a
//   consequence for the pipeline (its partition or run fails). The PostgreSQL
//   queue applies the DeadLetterHook in the transaction that dead-letters it;
//   a broker that dead-letters by itself (Service Bus) cannot, so
//   SweepDeadLetters applies the hook later to every dead letter not yet
//   handled, each in one transaction with the record that it was handled.
// Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::pg {
class Connection;
}

namespace di::queue {

// The queue names the pipeline uses (Service Bus entity names too).
inline constexpr const char* kWorkItems = "work-items";
inline constexpr const char* kConsolidate = "consolidate";

struct OutMessage {
  std::string queue;
  std::string body;                     // JSON text
  std::optional<std::string> dedup_id;  // message-id for duplicate detection
  std::optional<WallTime> visible_at;   // scheduled enqueue time
};

struct Message {
  std::string id;
  std::string queue;
  std::string body;
  int delivery_count = 0;
  WallTime enqueued_at{};
  std::string lease_token;  // proves ownership on complete/abandon/dead-letter
  // Of a message received from a broker's dead-letter queue (Service Bus).
  std::string dead_letter_reason;
  std::string dead_letter_description;
};

// A message in a dead-letter queue.
struct DeadLetterRecord {
  std::string id;  // the queue's id (PostgreSQL: queue_messages.id; Service Bus: message-id)
  std::string queue;
  std::string body;
  int delivery_count = 0;
  std::string reason;  // e.g. MaxDeliveryCountExceeded, MalformedWorkItem
  std::string description;
};

// Applies a dead letter's consequence on TX (an open transaction on the
// pipeline's database); returns what to do once TX committed (alerts), or an
// error, which rolls TX back so the dead letter is handled again later.
using AfterCommit = std::function<void()>;
using DeadLetterHook = std::function<Result<AfterCommit>(pg::Connection& tx, const DeadLetterRecord& dead_letter)>;

struct Depth {
  int64_t ready = 0;      // visible now
  int64_t leased = 0;     // being handled
  int64_t scheduled = 0;  // not yet visible
  int64_t dead_letters = 0;
  // Service Bus only: messages on the broker that are either ready or leased by
  // another process; its counts do not tell the two apart (0 elsewhere).
  int64_t ready_or_leased = 0;
};

class Queue {
 public:
  virtual ~Queue() = default;

  virtual Status Send(const OutMessage& message) = 0;
  // REQUIRES: TX has an open transaction (BEGIN) on the pipeline's database.
  virtual Status SendInTransaction(pg::Connection& tx, const OutMessage& message) = 0;

  // Waits up to WAIT for a message of QUEUE. nullopt when none arrived.
  virtual Result<std::optional<Message>> Receive(const std::string& queue, Millis wait) = 0;

  // kConflict when the lease was lost (expired and taken by someone else).
  virtual Status Complete(const Message& message) = 0;
  virtual Status Abandon(const Message& message, Millis delay = Millis(0)) = 0;
  // Gives MESSAGE back for immediate redelivery; its delivery is not counted.
  virtual Status Release(const Message& message) = 0;
  virtual Status DeadLetter(const Message& message, const std::string& reason, const std::string& description) = 0;
  virtual Status RenewLease(const Message& message) = 0;

  virtual Result<Depth> GetDepth(const std::string& queue) = 0;

  // The hook applied when the queue itself dead-letters a message (deliveries
  // exhausted), in the same transaction. Set once, before the first Receive;
  // backends whose broker dead-letters by itself ignore it (see above).
  virtual void SetDeadLetterHook(DeadLetterHook hook) = 0;
  // Applies HOOK to up to LIMIT dead letters of QUEUE not handled yet, each in
  // one transaction that also records it as handled (in queue_dead_letters).
  // Returns how many were handled.
  virtual Result<int> SweepDeadLetters(const std::string& queue, int limit, const DeadLetterHook& hook) = 0;
};

struct QueueOptions {
  int lease_seconds = 60;
  int max_deliveries = 10;
  // How long a dedup id is remembered (Service Bus default window: 10 min; we keep longer).
  int dedup_window_hours = 24;
};

}  // namespace di::queue

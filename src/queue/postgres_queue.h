// PostgresQueue: the embedded Queue backend, a table queue in PostgreSQL.
//
// Receive claims with FOR UPDATE SKIP LOCKED and moves visible_at to the lease
// expiry, so an expired lease makes the message visible again without any
// sweeper. Senders NOTIFY the queue's channel; idle receivers LISTEN, so a new
// message is picked up within milliseconds (with a 500 ms poll as a backstop
// for scheduled messages and expired leases). Thread-safe.
#pragma once

#include <atomic>
#include <memory>

#include "queue/queue.h"
#include "store/pool.h"

namespace di::queue {

class PostgresQueue final : public Queue {
 public:
  PostgresQueue(std::shared_ptr<pg::Pool> pool, QueueOptions options);

  Status Send(const OutMessage& message) override;
  Status SendInTransaction(pg::Connection& tx, const OutMessage& message) override;
  Result<std::optional<Message>> Receive(const std::string& queue, Millis wait) override;
  Status Complete(const Message& message) override;
  Status Abandon(const Message& message, Millis delay) override;
  Status DeadLetter(const Message& message, const std::string& reason, const std::string& description) override;
  Status RenewLease(const Message& message) override;
  Result<Depth> GetDepth(const std::string& queue) override;

 private:
  // One claim attempt on CONN; dead-letters messages past max_deliveries.
  Result<std::optional<Message>> TryClaim(pg::Connection& conn, const std::string& queue);

  std::shared_ptr<pg::Pool> pool_;
  QueueOptions options_;
  std::atomic<uint64_t> prune_counter_{0};  // prune the dedup history every 256 sends
};

}  // namespace di::queue

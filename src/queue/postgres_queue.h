// PostgresQueue: the embedded Queue backend, a table queue in PostgreSQL.
//
// Receive claims with FOR UPDATE SKIP LOCKED and moves visible_at to the lease
// expiry, so an expired lease makes the message visible again without any
// sweeper. Senders NOTIFY the queue's channel; idle receivers LISTEN, so a new
// message is picked up within milliseconds (with a 500 ms poll as a backstop
// for scheduled messages and expired leases). A message claimed past
// max_deliveries is dead-lettered in one transaction with the DeadLetterHook
// (without a hook it is left for SweepDeadLetters). Thread-safe.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

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
  Status Release(const Message& message) override;
  Status DeadLetter(const Message& message, const std::string& reason, const std::string& description) override;
  Status RenewLease(const Message& message) override;
  Result<Depth> GetDepth(const std::string& queue) override;
  void SetDeadLetterHook(DeadLetterHook hook) override;
  Result<int> SweepDeadLetters(const std::string& queue, int limit, const DeadLetterHook& hook) override;

 private:
  // One claim attempt on CONN; dead-letters messages past max_deliveries.
  Result<std::optional<Message>> TryClaim(pg::Connection& conn, const std::string& queue);
  // Dead-letters M (leased on CONN, past max_deliveries), with the hook when set.
  Status DeadLetterExhausted(pg::Connection& conn, const Message& m, const std::string& why);

  std::shared_ptr<pg::Pool> pool_;
  QueueOptions options_;
  std::atomic<uint64_t> prune_counter_{0};  // prune the dedup history every 256 sends
  std::mutex hook_mu_;
  DeadLetterHook hook_;  // guarded by hook_mu_
};

}  // namespace di::queue

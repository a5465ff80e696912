// The dead letters kept in the pipeline's database (queue_dead_letters): the
// PostgreSQL queue's own, and those a sweep took from a Service Bus
// dead-letter queue (see queue.h, SweepDeadLetters). For `diamond-ingest
// dead-letters list|redrive`. Functions take a Connection and are as
// thread-safe as it is.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/pg.h"

namespace di::queue {

struct StoredDeadLetter {
  int64_t id = 0;
  std::string queue;
  std::string body;
  std::string dedup_id;  // the message's dedup id (Service Bus: its message-id); may be empty
  int delivery_count = 0;
  std::string reason;
  std::string description;
  std::string dead_lettered_at;  // ISO-8601 UTC
  bool handled = false;          // its consequence (partition or run failed) was applied
};

// The newest LIMIT dead letters, of QUEUE when set, newest first.
Result<std::vector<StoredDeadLetter>> ListDeadLetters(pg::Connection& conn, const std::optional<std::string>& queue,
                                                      int limit);

// Removes and returns the dead letter ID (when set; of QUEUE when that is set
// too), or every dead letter of QUEUE (when ID is not set), oldest first.
// REQUIRES: an open transaction on CONN (the rows stay locked until it ends).
Result<std::vector<StoredDeadLetter>> TakeDeadLetters(pg::Connection& conn, const std::optional<std::string>& queue,
                                                      std::optional<int64_t> id);

}  // namespace di::queue

// Outbox: queue messages written in the caller's PostgreSQL transaction, to be
// sent to a broker after commit by an OutboxRelay (outbox_relay.h).
//
// Insert() is the whole write side: one row in queue_outbox plus a NOTIFY on
// channel di_outbox (delivered at commit, so the relay wakes at once). A rolled
// back transaction leaves no row and no notification. Stateless and thread-safe;
// the connection is the caller's.
#pragma once

#include "common/status.h"
#include "queue/queue.h"

namespace di::pg {
class Connection;
}

namespace di::queue {

inline constexpr const char* kOutboxChannel = "di_outbox";

// REQUIRES: TX has an open transaction (or is in autocommit for a lone send).
Status InsertIntoOutbox(pg::Connection& tx, const OutMessage& message);

}  // namespace di::queue

// ConsumeUntilStopped: the receive loop of a long-running role (worker,
// consolidator): receive from QUEUE (waiting up to POLL), hand each message to
// HANDLE, until STOP. A queue that cannot be reached is retried with doubling
// delays (1 s .. 30 s, FailureBackoff) and logged at failures 1, 2, 4, 8, ...
// as "cannot receive WHAT; retrying". A message received once STOP is set
// (often one another task of the process just gave back) is released
// untouched, its delivery not counted, and the loop ends.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "common/clock.h"
#include "queue/queue.h"

namespace di {

void ConsumeUntilStopped(queue::Queue& queue, const std::string& queue_name, Millis poll, const std::string& what,
                         const std::atomic<bool>& stop, const std::function<void(const queue::Message&)>& handle);

}  // namespace di

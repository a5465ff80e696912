#include "roles/consume_loop.h"

#include "common/backoff.h"
#include "common/log.h"
#include "common/signals.h"

namespace di {

void ConsumeUntilStopped(queue::Queue& queue, const std::string& queue_name, Millis poll, const std::string& what,
                         const std::atomic<bool>& stop, const std::function<void(const queue::Message&)>& handle) {
  FailureBackoff backoff;
  while (!stop) {
    auto m = queue.Receive(queue_name, poll);
    if (!m.ok()) {
      const Millis wait = backoff.Failure();
      if (backoff.ShouldLog()) {
        log::Warn("cannot receive " + what + "; retrying",
                  {{"error", m.status().ToString()}, {"failures", backoff.failures()}, {"retry_ms", wait.count()}});
      }
      SleepUnlessStopped(wait, stop);
      continue;
    }
    backoff.Success();
    if (!m->has_value()) continue;
    if (stop) {  // received while stopping (often an item another task just gave back): back untouched
      (void)queue.Release(**m);
      break;
    }
    handle(**m);
  }
}

}  // namespace di

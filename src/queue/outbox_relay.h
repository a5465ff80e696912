// OutboxRelay: sends committed queue_outbox rows to the broker.
//
// A background thread LISTENs on di_outbox (and polls every `poll` as a
// backstop) and relays in batches: in one transaction it locks up to
// `batch` rows (FOR UPDATE SKIP LOCKED, oldest first, so several relays in
// several processes share the work without sending a row twice at once), sends
// each through SEND and deletes it only after SEND returned ok (the broker
// accepted it). A failed send records the error (attempts, last_error):
// - the broker refused that one message (kPermanent, kNotFound,
//   kInvalidArgument, kUnauthenticated: rejected, no such queue, ...): the
//   batch goes on with the next rows, and after max_attempts refusals the row
//   is set aside (set_aside_at; no longer sent, counted by PendingFor) and
//   on_set_aside is called once, after commit;
// - anything else (connection lost, timeout): the batch ends and the row is
//   retried after a backoff, never set aside (an outage is not the row's fault).
// A crash between the broker's acceptance and the commit resends the row with
// the same message-id: Service Bus drops it by duplicate detection; a broker
// without duplicate detection (RabbitMQ) delivers it twice, which the consumers
// tolerate (every handler is idempotent).
//
// Thread-safe: Start/Stop from one owner thread; RelayOnce from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "common/clock.h"
#include "common/status.h"
#include "queue/queue.h"
#include "store/pool.h"

namespace di::queue {

// A row set aside (see above), as the alert names it.
struct SetAsideRow {
  int64_t id = 0;
  std::string queue;
  std::string dedup_id;
  int attempts = 0;
  std::string error;  // the last refusal
};

struct OutboxRelayOptions {
  int batch = 50;
  Millis poll{1000};
  Millis retry_backoff{500};
  int max_attempts = 10;
  std::function<void(const SetAsideRow&)> on_set_aside;  // null: logged only
};

class OutboxRelay {
 public:
  // SEND: delivers one message (dedup_id is always set); ok = broker accepted.
  using SendFn = std::function<Status(const OutMessage&)>;

  OutboxRelay(std::shared_ptr<pg::Pool> pool, SendFn send, OutboxRelayOptions options = {});
  ~OutboxRelay();  // Stop()s
  OutboxRelay(const OutboxRelay&) = delete;
  OutboxRelay& operator=(const OutboxRelay&) = delete;

  void Start();
  // Stops the thread after the batch in progress.
  void Stop();

  // Relays one batch; returns how many rows were sent and deleted. An error
  // when a send failed for a reason other than a refusal of that message.
  Result<int> RelayOnce();
  // Rows of QUEUE waiting in the outbox, those scheduled for later, and those set aside.
  struct Pending {
    int64_t ready = 0;
    int64_t scheduled = 0;
    int64_t set_aside = 0;
  };
  Result<Pending> PendingFor(const std::string& queue);
  int64_t relayed() const { return relayed_.load(); }

 private:
  void Loop();

  std::shared_ptr<pg::Pool> pool_;
  SendFn send_;
  OutboxRelayOptions options_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> relayed_{0};
  std::thread thread_;
};

}  // namespace di::queue

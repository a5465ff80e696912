#include "queue/outbox_relay.h"

#include <algorithm>
#include <vector>

#include "common/log.h"
#include "queue/outbox.h"

namespace di::queue {
namespace {

constexpr const char* kClaim =
    "SELECT id, queue, body, COALESCE(dedup_id, 'outbox:' || id), "
    "       extract(epoch FROM visible_at) * 1000 "
    "FROM queue_outbox WHERE set_aside_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED";

// Records a failed send of row $1 ($2 = the error); with $3 (a refusal) the
// row is set aside once it has been refused $4 times.
constexpr const char* kFailed =
    "UPDATE queue_outbox SET attempts = attempts + 1, last_error = $2, "
    "       set_aside_at = CASE WHEN $3 AND attempts + 1 >= $4 THEN now() END "
    "WHERE id = $1 RETURNING attempts, set_aside_at IS NOT NULL";

// The broker will not take this message whatever the retry: the next rows go on.
bool IsRefusal(Code code) {
  return code == Code::kPermanent || code == Code::kNotFound || code == Code::kInvalidArgument ||
         code == Code::kUnauthenticated;
}

}  // namespace

OutboxRelay::OutboxRelay(std::shared_ptr<pg::Pool> pool, SendFn send, OutboxRelayOptions options)
    : pool_(std::move(pool)), send_(std::move(send)), options_(options) {}

OutboxRelay::~OutboxRelay() { Stop(); }

void OutboxRelay::Start() {
  if (thread_.joinable()) return;
  stop_ = false;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxRelay::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Result<int> OutboxRelay::RelayOnce() {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  pg::Transaction tx(*conn);
  DI_RETURN_IF_ERROR(tx.begin_status());
  DI_ASSIGN_OR_RETURN(auto rows, conn->Exec(kClaim, {pg::P(options_.batch)}));
  int sent = 0;
  Status failure;
  std::vector<SetAsideRow> set_aside;
  for (int i = 0; i < rows.rows(); ++i) {
    OutMessage m;
    std::string id = rows.GetString(i, 0);
    m.queue = rows.GetString(i, 1);
    m.body = rows.GetString(i, 2);
    m.dedup_id = rows.GetString(i, 3);
    if (!rows.IsNull(i, 4)) m.visible_at = WallTime(Millis(static_cast<int64_t>(rows.GetDouble(i, 4))));
    Status s = send_(m);
    if (s.ok()) {
      DI_RETURN_IF_ERROR(conn->Exec("DELETE FROM queue_outbox WHERE id = $1", {pg::P(id)}).status());
      ++sent;
      continue;
    }
    const bool refused = IsRefusal(s.code());
    DI_ASSIGN_OR_RETURN(
        auto r, conn->Exec(kFailed, {pg::P(id), pg::P(s.ToString()), pg::P(refused), pg::P(options_.max_attempts)}));
    if (r.rows() == 1 && r.GetBool(0, 1)) {
      set_aside.push_back({std::stoll(id), m.queue, *m.dedup_id, static_cast<int>(r.GetInt64(0, 0)), s.ToString()});
    }
    if (!refused) {
      failure = s;
      break;
    }
    log::Warn("outbox relay: the broker refused a message; the next ones go on",
              {{"outbox_id", id}, {"queue", m.queue}, {"error", s.ToString()}});
  }
  DI_RETURN_IF_ERROR(tx.Commit());
  relayed_ += sent;
  for (const SetAsideRow& row : set_aside) {
    log::Error("outbox relay: a message the broker keeps refusing was set aside",
               {{"outbox_id", row.id}, {"queue", row.queue}, {"attempts", row.attempts}, {"error", row.error}});
    if (options_.on_set_aside) options_.on_set_aside(row);
  }
  if (!failure.ok()) return failure;
  return sent;
}

Result<OutboxRelay::Pending> OutboxRelay::PendingFor(const std::string& queue) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec("SELECT count(*) FILTER (WHERE set_aside_at IS NULL AND "
                                         "                         (visible_at IS NULL OR visible_at <= now())), "
                                         "       count(*) FILTER (WHERE set_aside_at IS NULL AND visible_at > now()), "
                                         "       count(*) FILTER (WHERE set_aside_at IS NOT NULL) "
                                         "FROM queue_outbox WHERE queue = $1",
                                         {pg::P(queue)}));
  return Pending{r.GetInt64(0, 0), r.GetInt64(0, 1), r.GetInt64(0, 2)};
}

void OutboxRelay::Loop() {
  std::optional<pg::PooledConnection> listener;
  Millis backoff = options_.retry_backoff;
  while (!stop_) {
    auto sent = RelayOnce();
    if (!sent.ok()) {
      log::Warn("outbox relay: send failed; retrying", {{"error", sent.status().ToString()}});
      for (Millis slept(0); slept < backoff && !stop_; slept += Millis(50)) {
        std::this_thread::sleep_for(Millis(50));
      }
      backoff = std::min(backoff * 2, Millis(10000));
      continue;
    }
    backoff = options_.retry_backoff;
    if (*sent == options_.batch) continue;  // more may be waiting
    if (!listener) {
      auto c = pool_->Acquire();
      if (c.ok() && (*c)->Exec(std::string("LISTEN ") + kOutboxChannel).ok()) listener.emplace(std::move(c).value());
    }
    // Wait for a commit's NOTIFY (or the poll interval), in short slices so Stop() is prompt.
    for (Millis waited(0); waited < options_.poll && !stop_; waited += Millis(100)) {
      if (!listener) {
        std::this_thread::sleep_for(Millis(100));
        continue;
      }
      auto notified = (*listener)->WaitForNotify(100);
      if (!notified.ok()) {
        listener.reset();
        continue;
      }
      if (*notified) break;
    }
  }
  // Best effort on the way out: the listener connection is closed right after.
  if (listener) (void)(*listener)->Exec(std::string("UNLISTEN ") + kOutboxChannel);
}

}  // namespace di::queue

#include "queue/postgres_queue.h"

#include <uuid/uuid.h>

#include "common/log.h"

namespace di::queue {
namespace {

// One statement per send (insert + NOTIFY), so a send outside a transaction is
// one round trip and inside one it adds a single statement.
constexpr const char* kInsert =
    "WITH m AS (INSERT INTO queue_messages (queue, body, dedup_id, visible_at)"
    "           VALUES ($1, $2, $3, coalesce($4::timestamptz, now())) RETURNING 1)"
    " SELECT pg_notify('di_queue', $1) FROM m";
constexpr const char* kInsertDedup =
    "WITH d AS (INSERT INTO queue_dedup (queue, dedup_id) VALUES ($1, $3)"
    "           ON CONFLICT DO NOTHING RETURNING 1),"
    "     m AS (INSERT INTO queue_messages (queue, body, dedup_id, visible_at)"
    "           SELECT $1, $2, $3, coalesce($4::timestamptz, now()) FROM d RETURNING 1)"
    " SELECT pg_notify('di_queue', $1) FROM m";
constexpr const char* kPruneDedup =
    "DELETE FROM queue_dedup WHERE queue = $1 AND created_at < now() - make_interval(hours => $2)";
constexpr const char* kNotify = "SELECT pg_notify('di_queue', $1)";
// The message is chosen by a scalar subquery (evaluated once): a LIMIT 1 ...
// SKIP LOCKED subquery joined in FROM can become the inner side of a nested
// loop, rescanned per outer row, each rescan locking the next message, so one
// claim leased every visible message (postgres_queue_test has the plan).
constexpr const char* kClaim =
    "UPDATE queue_messages m SET delivery_count = m.delivery_count + 1, lease_token = $2,"
    "   visible_at = now() + make_interval(secs => $3)"
    " WHERE m.id = (SELECT id FROM queue_messages WHERE queue = $1 AND visible_at <= now()"
    "               ORDER BY visible_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING m.id, m.body, m.delivery_count, extract(epoch FROM m.enqueued_at) * 1000";
constexpr const char* kComplete = "DELETE FROM queue_messages WHERE id = $1 AND lease_token = $2";
constexpr const char* kAbandon =
    "UPDATE queue_messages SET lease_token = NULL, visible_at = now() + make_interval(secs => $3)"
    " WHERE id = $1 AND lease_token = $2";
// A released delivery is not counted: the claim's increment is undone.
constexpr const char* kRelease =
    "UPDATE queue_messages SET lease_token = NULL, visible_at = now(), delivery_count = greatest(delivery_count - 1, 0)"
    " WHERE id = $1 AND lease_token = $2";
constexpr const char* kRenew =
    "UPDATE queue_messages SET visible_at = now() + make_interval(secs => $3)"
    " WHERE id = $1 AND lease_token = $2";
// $5: whether the dead letter's consequence is applied (handled_at) by the caller.
constexpr const char* kDeadLetter =
    "WITH m AS (DELETE FROM queue_messages WHERE id = $1 AND lease_token = $2 RETURNING *)"
    " INSERT INTO queue_dead_letters (id, queue, body, dedup_id, enqueued_at, delivery_count, reason, description,"
    "                                 handled_at)"
    " SELECT id, queue, body, dedup_id, enqueued_at, delivery_count, $3, $4, CASE WHEN $5::boolean THEN now() END"
    " FROM m";
constexpr const char* kUnhandled =
    "SELECT id, body, delivery_count, reason, coalesce(description, '') FROM queue_dead_letters"
    " WHERE queue = $1 AND handled_at IS NULL ORDER BY id LIMIT $2";
constexpr const char* kLockUnhandled =
    "SELECT 1 FROM queue_dead_letters WHERE id = $1 AND handled_at IS NULL FOR UPDATE SKIP LOCKED";
constexpr const char* kMarkHandled = "UPDATE queue_dead_letters SET handled_at = now() WHERE id = $1";
constexpr const char* kDepth =
    "SELECT count(*) FILTER (WHERE visible_at <= now()),"
    "       count(*) FILTER (WHERE visible_at > now() AND lease_token IS NOT NULL),"
    "       count(*) FILTER (WHERE visible_at > now() AND lease_token IS NULL),"
    "       (SELECT count(*) FROM queue_dead_letters WHERE queue = $1)"
    " FROM queue_messages WHERE queue = $1";

std::string NewToken() {
  uuid_t id;
  uuid_generate_random(id);
  char text[37];
  uuid_unparse_lower(id, text);
  return text;
}

pg::Param TimeParam(const std::optional<WallTime>& t) {
  if (!t) return pg::Null();
  return FormatIso8601(*t);
}

std::string Seconds(Millis d) { return std::to_string(static_cast<double>(d.count()) / 1000.0); }

Status LeaseLost(const Message& m) {
  return Status(Code::kConflict, "lease on message " + m.id + " of " + m.queue + " was lost");
}

}  // namespace

PostgresQueue::PostgresQueue(std::shared_ptr<pg::Pool> pool, QueueOptions options)
    : pool_(std::move(pool)), options_(options) {}

Status PostgresQueue::SendInTransaction(pg::Connection& tx, const OutMessage& m) {
  pg::Params params = {pg::P(m.queue), pg::P(m.body), pg::P(m.dedup_id), TimeParam(m.visible_at)};
  if (m.dedup_id && prune_counter_.fetch_add(1) % 256 == 0) {
    DI_RETURN_IF_ERROR(tx.Exec(kPruneDedup, {pg::P(m.queue), pg::P(options_.dedup_window_hours)}).status());
  }
  return tx.Exec(m.dedup_id ? kInsertDedup : kInsert, params).status();
}

Status PostgresQueue::Send(const OutMessage& m) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  return SendInTransaction(*conn, m);  // autocommit: one statement, atomic on its own
}

Result<std::optional<Message>> PostgresQueue::TryClaim(pg::Connection& conn, const std::string& queue) {
  while (true) {
    std::string token = NewToken();
    DI_ASSIGN_OR_RETURN(auto r, conn.Exec(kClaim, {pg::P(queue), pg::P(token), pg::P(options_.lease_seconds)}));
    if (r.rows() == 0) return std::optional<Message>();
    Message m;
    m.id = r.GetString(0, 0);
    m.queue = queue;
    m.body = r.GetString(0, 1);
    m.delivery_count = static_cast<int>(r.GetInt64(0, 2));
    m.enqueued_at = WallTime(Millis(static_cast<int64_t>(r.GetDouble(0, 3))));
    m.lease_token = token;
    if (m.delivery_count <= options_.max_deliveries) return std::optional<Message>(std::move(m));
    std::string why = "delivered " + std::to_string(m.delivery_count - 1) + " times without completion (max " +
                      std::to_string(options_.max_deliveries) + ")";
    Status dead = DeadLetterExhausted(conn, m, why);
    if (!dead.ok()) {
      // The message stays leased to nobody until its lease ends, then this is tried again.
      log::Warn("cannot dead-letter an exhausted message; trying again when its lease ends",
                {{"queue", queue}, {"message_id", m.id}, {"error", dead.ToString()}});
      continue;
    }
    log::Warn("message dead-lettered", {{"queue", queue}, {"message_id", m.id}, {"reason", why}});
  }
}

Status PostgresQueue::DeadLetterExhausted(pg::Connection& conn, const Message& m, const std::string& why) {
  DeadLetterHook hook;
  {
    std::lock_guard<std::mutex> lock(hook_mu_);
    hook = hook_;
  }
  const char* reason = "MaxDeliveryCountExceeded";
  if (!hook) {
    return conn.Exec(kDeadLetter, {pg::P(m.id), pg::P(m.lease_token), pg::P(reason), pg::P(why), pg::P(false)})
        .status();
  }
  AfterCommit after;
  {
    pg::Transaction tx(conn);
    DI_RETURN_IF_ERROR(tx.begin_status());
    DI_ASSIGN_OR_RETURN(after, hook(conn, DeadLetterRecord{m.id, m.queue, m.body, m.delivery_count - 1, reason, why}));
    DI_RETURN_IF_ERROR(
        conn.Exec(kDeadLetter, {pg::P(m.id), pg::P(m.lease_token), pg::P(reason), pg::P(why), pg::P(true)}).status());
    DI_RETURN_IF_ERROR(tx.Commit());
  }
  if (after) after();
  return Status::Ok();
}

Result<std::optional<Message>> PostgresQueue::Receive(const std::string& queue, Millis wait) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto first, TryClaim(*conn, queue));
  if (first || wait.count() <= 0) return first;
  DI_RETURN_IF_ERROR(conn->Exec("LISTEN di_queue").status());
  int64_t deadline = DefaultClock().MonotonicMs() + wait.count();
  std::optional<Message> got;
  Status status;
  while (true) {
    auto claimed = TryClaim(*conn, queue);
    if (!claimed.ok() || *claimed) {
      if (claimed.ok())
        got = std::move(*claimed);
      else
        status = claimed.status();
      break;
    }
    int64_t left = deadline - DefaultClock().MonotonicMs();
    if (left <= 0) break;
    auto notified = conn->WaitForNotify(static_cast<int>(std::min<int64_t>(left, 500)));
    if (!notified.ok()) {
      status = notified.status();
      break;
    }
  }
  // Best effort: a connection that still listens only wakes a later waiter early
  // (and a broken one is dropped by the pool).
  (void)conn->Exec("UNLISTEN di_queue");
  if (!status.ok()) return status;
  return got;
}

Status PostgresQueue::Complete(const Message& m) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kComplete, {pg::P(m.id), pg::P(m.lease_token)}));
  return r.Affected() == 1 ? Status::Ok() : LeaseLost(m);
}

Status PostgresQueue::Abandon(const Message& m, Millis delay) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kAbandon, {pg::P(m.id), pg::P(m.lease_token), Seconds(delay)}));
  if (r.Affected() != 1) return LeaseLost(m);
  // A lost NOTIFY only delays the next receive to its poll interval.
  if (delay.count() <= 0) (void)conn->Exec(kNotify, {pg::P(m.queue)});
  return Status::Ok();
}

Status PostgresQueue::Release(const Message& m) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kRelease, {pg::P(m.id), pg::P(m.lease_token)}));
  if (r.Affected() != 1) return LeaseLost(m);
  (void)conn->Exec(kNotify, {pg::P(m.queue)});  // a lost NOTIFY only delays the next receive
  return Status::Ok();
}

// The caller dead-letters on purpose and has dealt with the consequence: handled.
Status PostgresQueue::DeadLetter(const Message& m, const std::string& reason, const std::string& description) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kDeadLetter, {pg::P(m.id), pg::P(m.lease_token), pg::P(reason),
                                                       pg::P(description), pg::P(true)}));
  if (r.Affected() != 1) return LeaseLost(m);
  log::Warn("message dead-lettered",
            {{"queue", m.queue}, {"message_id", m.id}, {"reason", reason}, {"description", description}});
  return Status::Ok();
}

Status PostgresQueue::RenewLease(const Message& m) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kRenew, {pg::P(m.id), pg::P(m.lease_token), pg::P(options_.lease_seconds)}));
  return r.Affected() == 1 ? Status::Ok() : LeaseLost(m);
}

Result<Depth> PostgresQueue::GetDepth(const std::string& queue) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kDepth, {pg::P(queue)}));
  return Depth{r.GetInt64(0, 0), r.GetInt64(0, 1), r.GetInt64(0, 2), r.GetInt64(0, 3)};
}

void PostgresQueue::SetDeadLetterHook(DeadLetterHook hook) {
  std::lock_guard<std::mutex> lock(hook_mu_);
  hook_ = std::move(hook);
}

Result<int> PostgresQueue::SweepDeadLetters(const std::string& queue, int limit, const DeadLetterHook& hook) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto rows, conn->Exec(kUnhandled, {pg::P(queue), pg::P(limit)}));
  int handled = 0;
  for (int i = 0; i < rows.rows(); ++i) {
    DeadLetterRecord d{rows.GetString(i, 0), queue,
                       rows.GetString(i, 1), static_cast<int>(rows.GetInt64(i, 2)),
                       rows.GetString(i, 3), rows.GetString(i, 4)};
    AfterCommit after;
    {
      pg::Transaction tx(*conn);
      DI_RETURN_IF_ERROR(tx.begin_status());
      DI_ASSIGN_OR_RETURN(auto locked, conn->Exec(kLockUnhandled, {pg::P(d.id)}));
      if (locked.rows() == 0) continue;  // handled meanwhile, or being handled (rolled back)
      DI_ASSIGN_OR_RETURN(after, hook(*conn, d));
      DI_RETURN_IF_ERROR(conn->Exec(kMarkHandled, {pg::P(d.id)}).status());
      DI_RETURN_IF_ERROR(tx.Commit());
    }
    if (after) after();
    ++handled;
  }
  return handled;
}

}  // namespace di::queue

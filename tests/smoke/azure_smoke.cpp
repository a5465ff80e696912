// azure_smoke: the project's Service Bus client against a real namespace, for
// what no local server can vouch for (scripts/azure-smoke runs it; never CI).
// About 20 minutes. Each check prints one line "PASS|FAIL <check>: <figures>";
// the exit status is the number of failures (0 = all passed).
//
//   1. first-delivery count: a new message is delivery 1, after an abandon 2;
//   2. dead-letter reason: DeadLetter's reason and description arrive in the
//      dead-letter queue as DeadLetterReason / DeadLetterErrorDescription;
//   3. REST counts: ActiveMessageCount / ScheduledMessageCount reach the
//      values sent, read as `status` reads them;
//   4. a 5-minute scheduled message: not delivered before its time, delivered
//      within a minute after it (on a second connection, polling);
//   5. a lock held for 12 minutes on an otherwise idle connection (no Receive,
//      no Send: only the lease renewals a worker makes): never redelivered,
//      completed at the end; the idle sender is re-attached on the next send;
//   6. token refresh with a short lifetime (TOKEN_LIFETIME_SECONDS, default
//      300): the token is refreshed before it expires (several puts) and the
//      connection is never dropped for want of one.
//
// Environment: AZURE_SERVICE_BUS_CONNECTION_STRING (a key with Manage rights),
// SMOKE_QUEUE (default diamond-ingest-smoke: an existing queue, lock duration
// 1 minute or less, max delivery count >= 3, nothing else using it),
// DATABASE_URL (the outbox's database; unset: the embedded PostgreSQL under
// DI_DATA_DIR), TOKEN_LIFETIME_SECONDS, LOCK_HOLD_MINUTES (12).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "app/components.h"
#include "config/config.h"
#include "config/connection_strings.h"
#include "queue/servicebus_queue.h"
#include "store/migrations.h"
#include "store/pool.h"

namespace di {
namespace {

int failures = 0;

void Report(bool ok, const std::string& check, const std::string& figures) {
  std::printf("%s %s: %s\n", ok ? "PASS" : "FAIL", check.c_str(), figures.c_str());
  std::fflush(stdout);
  if (!ok) ++failures;
}

std::string Env(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

int64_t Seconds(WallTime from, WallTime to) {
  return std::chrono::duration_cast<std::chrono::seconds>(to - from).count();
}

std::optional<queue::Message> ReceiveWithin(queue::Queue& q, const std::string& name, Millis wait) {
  auto r = q.Receive(name, wait);
  return r.ok() ? *r : std::nullopt;
}

int Main() {
  auto cs = ParseServiceBusConnectionString(Env("AZURE_SERVICE_BUS_CONNECTION_STRING", ""));
  if (!cs.ok()) {
    std::fprintf(stderr, "AZURE_SERVICE_BUS_CONNECTION_STRING: %s\n", cs.status().message().c_str());
    return 64;
  }
  const std::string name = Env("SMOKE_QUEUE", "diamond-ingest-smoke");
  const int lifetime = std::stoi(Env("TOKEN_LIFETIME_SECONDS", "300"));
  const int hold_minutes = std::stoi(Env("LOCK_HOLD_MINUTES", "12"));
  Config config;
  config.database_url = Env("DATABASE_URL", "");
  config.data_dir = Env("DI_DATA_DIR", "./.diamond-ingest");
  auto url = ResolveDatabaseUrl(config);
  if (!url.ok()) {
    std::fprintf(stderr, "database: %s\n", url.status().ToString().c_str());
    return 64;
  }
  auto pool = std::make_shared<pg::Pool>(*url, 4);
  {
    auto conn = pool->Acquire();
    if (!conn.ok() || !pg::Migrate(**conn).ok()) {
      std::fprintf(stderr, "database: cannot migrate\n");
      return 64;
    }
  }
  queue::ServiceBusQueueOptions o = queue::ServiceBusOptionsFrom(*cs, Env("AZURE_SERVICE_BUS_CA_FILE", ""));
  o.amqp.token_lifetime = std::chrono::seconds(lifetime);
  o.lease = Millis(60000);
  queue::ServiceBusQueue q(pool, o);
  queue::ServiceBusQueue poller(pool, queue::ServiceBusOptionsFrom(*cs, Env("AZURE_SERVICE_BUS_CA_FILE", "")));
  if (!q.connection().WaitConnected(Millis(30000)) || !poller.connection().WaitConnected(Millis(30000))) {
    Report(false, "connect", "no authenticated connection within 30 s");
    return failures;
  }
  const WallTime start = DefaultClock().Now();
  while (true) {  // start from an empty queue
    auto stale = ReceiveWithin(q, name, Millis(2000));
    if (!stale) break;
    (void)q.Complete(*stale);
  }

  // 1. First-delivery count.
  const std::string tag = std::to_string(std::chrono::duration_cast<Millis>(start.time_since_epoch()).count());
  bool sent = q.Send({name, R"({"check":"count"})", "smoke-count-" + tag, std::nullopt}).ok();
  auto first = ReceiveWithin(q, name, Millis(10000));
  int first_count = first ? first->delivery_count : -1;
  int second_count = -1;
  if (first && q.Abandon(*first, Millis(0)).ok()) {
    auto second = ReceiveWithin(q, name, Millis(10000));
    if (second) {
      second_count = second->delivery_count;
      (void)q.Complete(*second);
    }
  }
  Report(sent && first_count == 1 && second_count == 2, "first-delivery count",
         "first " + std::to_string(first_count) + ", after one abandon " + std::to_string(second_count));

  // 2. Dead-letter reason.
  sent = q.Send({name, R"({"check":"dead-letter"})", "smoke-dlq-" + tag, std::nullopt}).ok();
  auto poison = ReceiveWithin(q, name, Millis(10000));
  Status dead = poison ? q.DeadLetter(*poison, "SmokeReason", "smoke description") : Status(Code::kNotFound, "none");
  auto dlq = q.connection().Receive(name + "/$DeadLetterQueue", Millis(10000));
  std::string reason, description;
  if (dlq.ok() && dlq->has_value()) {
    const auto& props = (*dlq)->message.properties();
    if (props.exists("DeadLetterReason")) reason = proton::coerce<std::string>(props.get("DeadLetterReason"));
    if (props.exists("DeadLetterErrorDescription")) {
      description = proton::coerce<std::string>(props.get("DeadLetterErrorDescription"));
    }
    (void)q.connection().Settle((*dlq)->token, queue::sb::Outcome::kAccept);
  }
  Report(sent && dead.ok() && reason == "SmokeReason" && description == "smoke description", "dead-letter reason",
         "DeadLetter: " + dead.ToString() + ", reason '" + reason + "', description '" + description + "'");

  // 3 and 4. A message whose lock is held (step 5), a scheduled message 5
  // minutes ahead, and the REST counts as another process reads them.
  sent = q.Send({name, R"({"check":"lock"})", "smoke-lock-" + tag, std::nullopt}).ok();
  auto held = ReceiveWithin(q, name, Millis(10000));
  const WallTime due = DefaultClock().Now() + std::chrono::minutes(5);
  sent = sent && q.Send({name, R"({"check":"scheduled"})", "smoke-scheduled-" + tag, due}).ok();
  queue::Depth depth;
  for (int i = 0; i < 30; ++i) {  // the counts lag by seconds
    auto d = poller.GetDepth(name);
    if (d.ok()) depth = *d;
    if (d.ok() && depth.ready_or_leased == 1 && depth.scheduled == 1) break;
    std::this_thread::sleep_for(std::chrono::seconds(2));
  }
  Report(sent && held && depth.ready == 0 && depth.ready_or_leased == 1 && depth.scheduled == 1, "REST counts",
         "ready " + std::to_string(depth.ready) + " (expected 0: the one active message is locked elsewhere), " +
             "ready or leased " + std::to_string(depth.ready_or_leased) + " (expected 1), scheduled " +
             std::to_string(depth.scheduled) + " (expected 1), dead letters " + std::to_string(depth.dead_letters));
  std::optional<queue::Message> scheduled;
  WallTime scheduled_at{};
  std::thread polling([&] {  // the scheduled message, on the second connection
    const WallTime give_up = due + std::chrono::minutes(1);
    while (!scheduled && DefaultClock().Now() < give_up) scheduled = ReceiveWithin(poller, name, Millis(5000));
    scheduled_at = DefaultClock().Now();
    if (scheduled) (void)poller.Complete(*scheduled);
  });

  // 5. The lock held for HOLD_MINUTES on an idle connection (renewals only).
  int renew_failures = 0;
  const WallTime hold_start = DefaultClock().Now();
  while (held && DefaultClock().Now() < hold_start + std::chrono::minutes(hold_minutes)) {
    std::this_thread::sleep_for(std::chrono::seconds(20));  // QUEUE_LEASE_SECONDS=60: a renewal every third
    if (!q.RenewLease(*held).ok()) ++renew_failures;
  }
  Status completed = held ? q.Complete(*held) : Status(Code::kNotFound, "nothing received");
  polling.join();
  Report(held && held->delivery_count == 1 && renew_failures == 0 && completed.ok(), "lock held while idle",
         "held " + std::to_string(Seconds(hold_start, DefaultClock().Now())) + " s, lease renewals refused " +
             std::to_string(renew_failures) + ", broker renewals " + std::to_string(q.lock_renewals()) +
             ", complete: " + completed.ToString());
  const int64_t late = scheduled ? Seconds(due, scheduled_at) : -1;
  const bool ours = scheduled && scheduled->id == "smoke-scheduled-" + tag;
  Report(ours && late >= 0 && late <= 60, "scheduled message (5 min)",
         scheduled ? scheduled->id + " delivered " + std::to_string(late) + " s after its time" : "never delivered");

  // The sender was idle for the whole hold: re-attached, no new connection.
  bool resent = q.Send({name, R"({"check":"after-idle"})", "smoke-after-idle-" + tag, std::nullopt}).ok();
  auto after = ReceiveWithin(q, name, Millis(10000));
  if (after) (void)q.Complete(*after);
  Report(resent && after.has_value(), "send after a long idle", resent ? "sent and received" : "send failed");

  // 6. Token refresh.
  const int64_t minutes = Seconds(start, DefaultClock().Now()) / 60;
  const int64_t expected = minutes * 60 / (lifetime * 3 / 4);
  Report(q.connection().connects() == 1 && q.connection().tokens_put() >= expected && expected >= 1,
         "token refresh (" + std::to_string(lifetime) + " s tokens)",
         std::to_string(q.connection().tokens_put()) + " tokens put in " + std::to_string(minutes) + " min (" +
             std::to_string(expected) + " expected at least), connections " +
             std::to_string(q.connection().connects()));
  return failures;
}

}  // namespace
}  // namespace di

int main() { return di::Main(); }

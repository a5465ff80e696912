#include "queue/servicebus_queue.h"

#include <proton/annotation_key.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>
#include <proton/timestamp.hpp>
#include <proton/value.hpp>

#include "common/log.h"
#include "http/curl_transport.h"
#include "queue/outbox.h"
#include "queue/servicebus_frames.h"

namespace di::queue {
namespace {

constexpr const char* kDeliveryCountProperty = "di-delivery-count";
// Dead letters taken from the broker's dead-letter queue are kept in the
// pipeline's database (sql/014_run_lifecycle.sql).
constexpr const char* kDeadLetterSeen =
    "SELECT 1 FROM queue_dead_letters WHERE queue = $1 AND message_id = $2 AND handled_at IS NOT NULL";
constexpr const char* kKeepDeadLetter =
    "INSERT INTO queue_dead_letters (queue, body, dedup_id, message_id, enqueued_at, delivery_count, reason,"
    "                                description, handled_at)"
    " VALUES ($1, $2, $3, $3, $4::timestamptz, $5, $6, $7, now())";

std::string HostForUrl(const std::string& host) {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

}  // namespace

ServiceBusQueueOptions ServiceBusOptionsFrom(const ServiceBusConnectionString& cs, const std::string& ca_file) {
  ServiceBusQueueOptions o;
  o.amqp.host = cs.host;
  o.amqp.port = cs.EffectivePort();
  if (cs.rabbitmq) {
    o.amqp.tls = false;
    o.amqp.sasl_mechanism = "PLAIN";
    o.amqp.user = cs.key_name;
    o.amqp.password = cs.key;
    o.amqp.abandon_as_modified = false;
    o.address_prefix = "/queue/";
    o.service_bus = false;
    return o;
  }
  o.amqp.tls = !cs.use_development_emulator;
  o.amqp.ca_file = ca_file;
  o.amqp.sasl_mechanism = "ANONYMOUS";
  o.amqp.cbs = true;
  o.amqp.key_name = cs.key_name;
  o.amqp.key = cs.key;
  o.amqp.abandon_as_modified = true;
  o.service_bus = true;
  // As ServiceBusAdministrationClient: HTTPS to the Endpoint's host and port.
  o.runtime.base_url = "https://" + HostForUrl(cs.host) + (cs.port != 0 ? ":" + std::to_string(cs.port) : "");
  o.runtime.key_name = cs.key_name;
  o.runtime.key = cs.key;
  o.runtime.ca_file = ca_file;
  return o;
}

ServiceBusQueue::ServiceBusQueue(std::shared_ptr<pg::Pool> pool, ServiceBusQueueOptions options)
    : pool_(std::move(pool)), options_(std::move(options)) {
  options_.amqp.service_bus = options_.service_bus;
  connection_ = std::make_unique<sb::ServiceBusConnection>(options_.amqp);
  if (options_.service_bus) {
    locks_ = std::make_unique<sb::LockKeeper>(
        [this](const std::string& token) { return connection_->RenewLock(token, options_.send_timeout); },
        options_.lease);
  }
  relay_ = std::make_unique<OutboxRelay>(
      pool_, [this](const OutMessage& m) { return Send(m); }, options_.relay);
  relay_->Start();
  if (!options_.runtime.base_url.empty()) {
    http::CurlTransport::Options transport;
    transport.ca_file = options_.runtime.ca_file;
    runtime_ =
        std::make_unique<sb::ServiceBusRuntime>(options_.runtime, std::make_shared<http::CurlTransport>(transport));
  }
}

ServiceBusQueue::~ServiceBusQueue() {
  relay_->Stop();
  relay_.reset();
  locks_.reset();
  connection_.reset();
}

Status ServiceBusQueue::Send(const OutMessage& message) {
  return connection_->Send(Address(message.queue), sb::ToAmqpMessage(message), options_.send_timeout);
}

Status ServiceBusQueue::SendInTransaction(pg::Connection& tx, const OutMessage& message) {
  return InsertIntoOutbox(tx, message);
}

Result<std::optional<Message>> ServiceBusQueue::Receive(const std::string& queue, Millis wait) {
  DI_ASSIGN_OR_RETURN(std::optional<sb::Received> r, connection_->Receive(Address(queue), wait));
  if (!r) return std::optional<Message>();
  Message m;
  m.queue = queue;
  m.id = proton::to_string(r->message.id());
  const proton::value& body = r->message.body();
  if (body.type() == proton::STRING) {
    m.body = proton::get<std::string>(body);
  } else if (body.type() == proton::BINARY) {
    proton::binary b = proton::get<proton::binary>(body);
    m.body.assign(b.begin(), b.end());
  } else {
    m.body = proton::to_string(body);
  }
  // Service Bus: the header counts the earlier acquisitions of the lock.
  m.delivery_count = static_cast<int>(r->message.delivery_count()) + 1;
  // RabbitMQ does not count; it only says "not the first acquirer" on a redelivery.
  if (!options_.service_bus && m.delivery_count == 1 && !r->message.first_acquirer()) m.delivery_count = 2;
  if (r->message.properties().exists(kDeliveryCountProperty)) {
    m.delivery_count += static_cast<int>(proton::coerce<int64_t>(r->message.properties().get(kDeliveryCountProperty)));
  }
  const auto& ann = r->message.message_annotations();
  if (ann.exists(proton::symbol("x-opt-enqueued-time"))) {
    m.enqueued_at =
        WallTime(Millis(proton::get<proton::timestamp>(ann.get(proton::symbol("x-opt-enqueued-time"))).milliseconds()));
  } else {
    m.enqueued_at = WallTime(Millis(r->message.creation_time().milliseconds()));
  }
  // Set by the broker on a message of a dead-letter queue.
  for (auto [key, field] : {std::pair{"DeadLetterReason", &m.dead_letter_reason},
                            std::pair{"DeadLetterErrorDescription", &m.dead_letter_description}}) {
    if (r->message.properties().exists(key)) *field = proton::coerce<std::string>(r->message.properties().get(key));
  }
  m.lease_token = r->token;
  if (locks_) {
    // Without x-opt-locked-until (not Service Bus), renew at once to learn the expiry.
    locks_->Hold(m.lease_token, sb::LockedUntil(r->message).value_or(DefaultClock().Now()));
  }
  {
    std::lock_guard<std::mutex> lock(leased_mu_);
    leased_.emplace(m.lease_token, queue);
  }
  return std::optional<Message>(std::move(m));
}

Status ServiceBusQueue::Settled(const Message& message, Status s) {
  // Whatever the verdict, this process holds the message no more (kUnavailable:
  // the lock lapses and the broker redelivers it).
  if (locks_) locks_->Release(message.lease_token);
  std::lock_guard<std::mutex> lock(leased_mu_);
  leased_.erase(message.lease_token);
  return s;
}

Status ServiceBusQueue::Complete(const Message& message) {
  return Settled(message, connection_->Settle(message.lease_token, sb::Outcome::kAccept));
}

Status ServiceBusQueue::Abandon(const Message& message, Millis delay) {
  if (delay.count() > 0 && options_.service_bus) {
    OutMessage copy;
    copy.queue = message.queue;
    copy.body = message.body;
    copy.dedup_id = message.id + ":retry:" + std::to_string(message.delivery_count);
    copy.visible_at = DefaultClock().Now() + delay;
    proton::message m = sb::ToAmqpMessage(copy);
    m.properties().put(kDeliveryCountProperty, static_cast<int64_t>(message.delivery_count));
    if (!connection_->Holds(message.lease_token)) {
      return Settled(message, Status(Code::kConflict, "lease on message " + message.id + " was lost"));
    }
    DI_RETURN_IF_ERROR(connection_->Send(Address(message.queue), m, options_.send_timeout));
    return Settled(message, connection_->Settle(message.lease_token, sb::Outcome::kAccept));
  }
  return Settled(message, connection_->Settle(message.lease_token, sb::Outcome::kAbandon));
}

Status ServiceBusQueue::Release(const Message& message) {
  return Settled(message, connection_->Settle(message.lease_token, sb::Outcome::kRelease));
}

Status ServiceBusQueue::DeadLetter(const Message& message, const std::string& reason, const std::string& description) {
  Status s = Settled(message, connection_->Settle(message.lease_token, sb::Outcome::kDeadLetter, reason, description));
  if (s.ok()) {
    log::Warn("message dead-lettered", {{"queue", message.queue}, {"message_id", message.id}, {"reason", reason}});
  }
  return s;
}

Status ServiceBusQueue::RenewLease(const Message& message) {
  if (!locks_) {
    // RabbitMQ: held for as long as the link lives.
    if (connection_->Holds(message.lease_token)) return Status::Ok();
    return Status(Code::kConflict, "lease on message " + message.id + " was lost");
  }
  Status s = locks_->Touch(message.lease_token);
  if (s.ok()) return s;
  return Status(Code::kConflict, "lease on message " + message.id + ": " + s.message());
}

Result<Depth> ServiceBusQueue::GetDepth(const std::string& queue) {
  DI_ASSIGN_OR_RETURN(OutboxRelay::Pending p, relay_->PendingFor(queue));
  Depth d;
  d.ready = p.ready;
  d.scheduled = p.scheduled;
  d.dead_letters = p.set_aside;  // messages the broker refused for good
  {
    std::lock_guard<std::mutex> lock(leased_mu_);
    for (const auto& [token, q] : leased_) d.leased += q == queue ? 1 : 0;
  }
  if (runtime_ == nullptr) return d;
  auto broker = runtime_->Counts(queue);
  if (broker.status().code() == Code::kNotFound) return broker.status();
  if (!broker.ok()) {
    log::Warn("Service Bus queue counts unavailable; showing this process's view only",
              {{"queue", queue}, {"error", broker.status().ToString()}});
    return d;
  }
  return sb::WithBrokerCounts(d, *broker);
}

void ServiceBusQueue::SetDeadLetterHook(DeadLetterHook) {
  // The broker dead-letters by itself: SweepDeadLetters applies the hook.
}

Result<int> ServiceBusQueue::SweepDeadLetters(const std::string& queue, int limit, const DeadLetterHook& hook) {
  const std::string dead_letter_queue = queue + "/$DeadLetterQueue";
  int handled = 0;
  for (int i = 0; i < limit; ++i) {
    DI_ASSIGN_OR_RETURN(std::optional<Message> m, Receive(dead_letter_queue, Millis(i == 0 ? 2000 : 500)));
    if (!m) break;
    const DeadLetterRecord d{
        m->id, queue, m->body, m->delivery_count, m->dead_letter_reason, m->dead_letter_description};
    AfterCommit after;
    Status kept = [&]() -> Status {
      DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
      pg::Transaction tx(*conn);
      DI_RETURN_IF_ERROR(tx.begin_status());
      DI_ASSIGN_OR_RETURN(auto seen, conn->Exec(kDeadLetterSeen, {pg::P(queue), pg::P(d.id)}));
      if (seen.rows() == 0) {  // else kept before a crash that left it in the broker
        DI_ASSIGN_OR_RETURN(after, hook(*conn, d));
        DI_RETURN_IF_ERROR(
            conn->Exec(kKeepDeadLetter, {pg::P(queue), pg::P(d.body), pg::P(d.id), pg::P(FormatIso8601(m->enqueued_at)),
                                         pg::P(d.delivery_count), pg::P(d.reason), pg::P(d.description)})
                .status());
      }
      return tx.Commit();
    }();
    if (!kept.ok()) {
      (void)Release(*m);  // when lost, it returns once its lock ends
      return kept;
    }
    if (after) after();
    Status removed = Complete(*m);
    if (!removed.ok()) {
      log::Warn("dead letter kept but not removed from the broker; it is skipped when seen again",
                {{"queue", queue}, {"message_id", d.id}, {"error", removed.ToString()}});
    }
    ++handled;
  }
  return handled;
}

}  // namespace di::queue

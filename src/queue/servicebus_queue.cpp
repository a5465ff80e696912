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

// The lease token is "<queue>|<connection token>|<lock token hex or empty>".
struct Lease {
  std::string token;
  std::string lock_hex;
};

std::string Hex(const std::vector<uint8_t>& bytes) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::vector<uint8_t> Unhex(const std::string& hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<uint8_t>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

Lease ParseLease(const std::string& lease_token) {
  auto bar = lease_token.find('|');
  if (bar == std::string::npos) return {lease_token, ""};
  return {lease_token.substr(0, bar), lease_token.substr(bar + 1)};
}

}  // namespace

ServiceBusQueueOptions ServiceBusOptionsFrom(const ServiceBusConnectionString& cs) {
  ServiceBusQueueOptions o;
  o.amqp.host = cs.host;
  o.amqp.port = cs.EffectivePort();
  if (cs.use_development_emulator) {
    o.amqp.tls = false;
    o.amqp.sasl_mechanism = "PLAIN";
    o.amqp.user = cs.key_name;
    o.amqp.password = cs.key;
    o.amqp.abandon_as_modified = false;
    o.address_prefix = "/queue/";
    o.service_bus = false;
  } else {
    o.amqp.tls = true;
    o.amqp.sasl_mechanism = "ANONYMOUS";
    o.amqp.cbs = true;
    o.amqp.key_name = cs.key_name;
    o.amqp.key = cs.key;
    o.amqp.abandon_as_modified = true;
    o.service_bus = true;
    o.runtime.base_url = "https://" + cs.host;
    o.runtime.key_name = cs.key_name;
    o.runtime.key = cs.key;
  }
  return o;
}

ServiceBusQueue::ServiceBusQueue(std::shared_ptr<pg::Pool> pool, ServiceBusQueueOptions options)
    : pool_(std::move(pool)), options_(std::move(options)) {
  connection_ = std::make_unique<sb::ServiceBusConnection>(options_.amqp);
  relay_ = std::make_unique<OutboxRelay>(
      pool_, [this](const OutMessage& m) { return Send(m); }, options_.relay);
  relay_->Start();
  if (!options_.runtime.base_url.empty()) {
    runtime_ = std::make_unique<sb::ServiceBusRuntime>(options_.runtime, std::make_shared<http::CurlTransport>());
  }
}

ServiceBusQueue::~ServiceBusQueue() {
  relay_->Stop();
  relay_.reset();
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
  m.delivery_count = static_cast<int>(r->message.delivery_count()) + 1;
  // Brokers that do not count deliveries (RabbitMQ) still say "not the first
  // acquirer" on a redelivery: then it is at least the second.
  if (m.delivery_count == 1 && !r->message.first_acquirer()) m.delivery_count = 2;
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
  m.lease_token = r->token + "|" + Hex(r->tag);
  ++leased_;
  return std::optional<Message>(std::move(m));
}

Status ServiceBusQueue::Complete(const Message& message) {
  Status s = connection_->Settle(ParseLease(message.lease_token).token, sb::Outcome::kAccept);
  if (s.ok()) --leased_;
  return s;
}

Status ServiceBusQueue::Abandon(const Message& message, Millis delay) {
  Lease lease = ParseLease(message.lease_token);
  if (delay.count() > 0 && options_.service_bus) {
    OutMessage copy;
    copy.queue = message.queue;
    copy.body = message.body;
    copy.dedup_id = message.id + ":retry:" + std::to_string(message.delivery_count);
    copy.visible_at = DefaultClock().Now() + delay;
    proton::message m = sb::ToAmqpMessage(copy);
    m.properties().put(kDeliveryCountProperty, static_cast<int64_t>(message.delivery_count));
    if (!connection_->Holds(lease.token)) {
      return Status(Code::kConflict, "lease on message " + message.id + " was lost");
    }
    DI_RETURN_IF_ERROR(connection_->Send(Address(message.queue), m, options_.send_timeout));
    Status s = connection_->Settle(lease.token, sb::Outcome::kAccept);
    if (s.ok()) --leased_;
    return s;
  }
  Status s = connection_->Settle(lease.token, sb::Outcome::kAbandon);
  if (s.ok()) --leased_;
  return s;
}

Status ServiceBusQueue::Release(const Message& message) {
  Status s = connection_->Settle(ParseLease(message.lease_token).token, sb::Outcome::kRelease);
  if (s.ok()) --leased_;
  return s;
}

Status ServiceBusQueue::DeadLetter(const Message& message, const std::string& reason, const std::string& description) {
  Status s = connection_->Settle(ParseLease(message.lease_token).token, sb::Outcome::kDeadLetter, reason, description);
  if (s.ok()) {
    --leased_;
    log::Warn("message dead-lettered", {{"queue", message.queue}, {"message_id", message.id}, {"reason", reason}});
  }
  return s;
}

Status ServiceBusQueue::RenewLease(const Message& message) {
  Lease lease = ParseLease(message.lease_token);
  if (!connection_->Holds(lease.token)) {
    return Status(Code::kConflict, "lease on message " + message.id + " was lost");
  }
  if (!options_.service_bus) return Status::Ok();  // held for as long as the connection lives
  proton::binary tag;
  for (uint8_t b : Unhex(lease.lock_hex)) tag.push_back(b);
  DI_ASSIGN_OR_RETURN(proton::uuid lock, sb::LockTokenFromDeliveryTag(tag));
  DI_ASSIGN_OR_RETURN(
      proton::message response,
      connection_->Request(Address(message.queue) + "/$management",
                           sb::RenewLockRequest(lock, proton::uuid::random().str(), ""), options_.send_timeout));
  return sb::ManagementResponseStatus(response);
}

Result<Depth> ServiceBusQueue::GetDepth(const std::string& queue) {
  DI_ASSIGN_OR_RETURN(OutboxRelay::Pending p, relay_->PendingFor(queue));
  Depth d;
  d.ready = p.ready;
  d.scheduled = p.scheduled;
  d.leased = leased_.load();
  if (runtime_ == nullptr) return d;
  auto broker = runtime_->Counts(queue);
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

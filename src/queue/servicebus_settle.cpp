// ConnectionHandler: settling received messages and renewing their locks.
//
// Service Bus (options.service_bus): the receiver link runs in settle mode
// second, so an outcome is sent unsettled and the broker answers with its
// settled disposition: its verdict (com.microsoft:message-lock-lost when the
// lock had expired) completes the caller's settle. A message whose receiver
// link or connection is gone is settled by lock token over the entity's
// $management node (update-disposition), as the SDKs do. Generic brokers
// (RabbitMQ): settle mode first, settled at once; a message whose link or
// connection is gone was given back by the broker (kConflict).
#include <proton/delivery.h>

#include <proton/message_id.hpp>
#include <proton/uuid.hpp>

#include "common/log.h"
#include "queue/servicebus_frames.h"
#include "queue/servicebus_handler.h"

namespace di::queue::sb {

bool ConnectionHandler::Holds(const std::string& token) const {
  auto it = held_.find(token);
  if (it == held_.end()) return false;
  return options_.service_bus || (it->second.on_link && Usable());
}

void ConnectionHandler::StartSettle(const std::string& token, Outcome outcome, const std::string& reason,
                                    const std::string& description, StatusCallback done) {
  auto it = held_.find(token);
  if (it == held_.end()) {
    return done(Status(Code::kConflict, "the message lock was lost (connection dropped or already settled)"));
  }
  Held& held = it->second;
  if (held.on_link && held.link.active() && Usable()) {
    return SettleOnLink(token, held, outcome, reason, description, std::move(done));
  }
  if (!options_.service_bus) {
    held_.erase(it);
    return done(Status(Code::kConflict, "the message lock was lost (its link or connection dropped)"));
  }
  if (!Usable()) return done(Status(Code::kUnavailable, "amqp not connected (the lock is still held)"));
  SettleByLockToken(token, held, outcome, reason, description, std::move(done));
}

void ConnectionHandler::SettleOnLink(const std::string& token, Held& held, Outcome outcome, const std::string& reason,
                                     const std::string& description, StatusCallback done) {
  pn_delivery_t* d = Unwrap(held.delivery);
  switch (outcome) {
    case Outcome::kAccept:
      pn_delivery_update(d, PN_ACCEPTED);
      break;
    case Outcome::kAbandon:
      if (options_.abandon_as_modified) {
        SetAbandoned(d);
      } else {
        pn_delivery_update(d, PN_RELEASED);
      }
      break;
    case Outcome::kDeadLetter:
      SetDeadLetterCondition(d, reason, description);
      pn_delivery_update(d, PN_REJECTED);
      break;
    case Outcome::kRelease:
      pn_delivery_update(d, PN_RELEASED);
      break;
  }
  if (!options_.service_bus) {
    pn_delivery_settle(d);
    held_.erase(token);
    return done(Status::Ok());
  }
  settling_[held.delivery] = Settling{token, std::move(done)};  // on_delivery_settle answers
}

void ConnectionHandler::SettleByLockToken(const std::string& token, const Held& held, Outcome outcome,
                                          const std::string& reason, const std::string& description,
                                          StatusCallback done) {
  auto lock = LockTokenFromDeliveryTag(proton::binary(held.tag.begin(), held.tag.end()));
  if (!lock.ok()) return done(lock.status());
  // By lock token there is no "released": a release becomes an abandon (counted).
  const DispositionStatus status = outcome == Outcome::kAccept ? DispositionStatus::kCompleted
                                   : outcome == Outcome::kAbandon || outcome == Outcome::kRelease
                                       ? DispositionStatus::kAbandoned
                                       : DispositionStatus::kSuspended;
  auto rit = receivers_.find(held.address);
  const std::string link_name = rit == receivers_.end() ? "" : rit->second.name();
  proton::message request =
      UpdateDispositionRequest(*lock, status, reason, description, proton::uuid::random().str(), link_name);
  StartRequest(held.address + "/$management", request,
               [this, token, done = std::move(done)](Result<proton::message> r) {
                 Status s = r.ok() ? ManagementResponseStatus(*r) : r.status();
                 if (s.ok() || s.code() == Code::kConflict) held_.erase(token);
                 done(s);
               });
}

void ConnectionHandler::on_delivery_settle(proton::delivery& d) {
  auto it = settling_.find(d);
  if (it == settling_.end()) return;
  Settling settling = std::move(it->second);
  settling_.erase(it);
  Status s = RemoteOutcomeStatus(Unwrap(d));
  if (!s.ok()) s = Status(s.code(), "the broker refused the settlement: " + s.message());
  d.settle();
  if (!settling.token.empty()) held_.erase(settling.token);
  if (settling.done) settling.done(s);
}

// A message that arrived for nobody: released, which Service Bus does not
// count as a delivery, so it goes at once to whoever asks next.
void ConnectionHandler::ReleaseUnwanted(proton::delivery& d) {
  if (!options_.service_bus) {
    d.release();
    return;
  }
  pn_delivery_update(Unwrap(d), PN_RELEASED);
  settling_[d] = Settling{"", nullptr};
}

// The receiver link LINK is gone: its messages can no longer be settled on it.
void ConnectionHandler::LinkGone(const proton::receiver& link, const std::string& why) {
  for (auto it = held_.begin(); it != held_.end();) {
    if (it->second.link != link) {
      ++it;
      continue;
    }
    if (!options_.service_bus) {
      it = held_.erase(it);  // the broker gives them back
      continue;
    }
    it->second.on_link = false;
    it->second.delivery = proton::delivery();
    it->second.link = proton::receiver();
    ++it;
  }
  if (!options_.service_bus) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [address, ready] : ready_) {
      std::erase_if(ready, [this](const Received& r) { return !held_.count(r.token); });
    }
  }
  // Settlements sent on it and not answered: the caller retries (by lock token).
  for (auto it = settling_.begin(); it != settling_.end();) {
    if (it->first.receiver() != link) {
      ++it;
      continue;
    }
    Settling s = std::move(it->second);
    it = settling_.erase(it);
    if (s.done) s.done(Status(Code::kUnavailable, "amqp receiver link detached while settling: " + why));
  }
}

void ConnectionHandler::StartRenew(const std::string& token, RenewCallback done) {
  auto it = held_.find(token);
  if (it == held_.end()) return done(Status(Code::kConflict, "the message lock was lost"));
  if (!options_.service_bus) return done(Status(Code::kInvalidArgument, "lock renewal is a Service Bus operation"));
  if (!Usable()) return done(Status(Code::kUnavailable, "amqp not connected (the lock is still held)"));
  const Held& held = it->second;
  auto lock = LockTokenFromDeliveryTag(proton::binary(held.tag.begin(), held.tag.end()));
  if (!lock.ok()) return done(lock.status());
  auto rit = receivers_.find(held.address);
  const std::string link_name = rit == receivers_.end() ? "" : rit->second.name();
  StartRequest(held.address + "/$management", RenewLockRequest(*lock, proton::uuid::random().str(), "", link_name),
               [this, token, done = std::move(done)](Result<proton::message> r) {
                 if (!r.ok()) return done(r.status());
                 Status s = ManagementResponseStatus(*r);
                 if (s.code() == Code::kConflict) held_.erase(token);  // gone for good: redelivered elsewhere
                 if (!s.ok()) return done(s);
                 done(RenewLockExpiration(*r));
               });
}

}  // namespace di::queue::sb

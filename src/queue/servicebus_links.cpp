// ConnectionHandler: links. Senders and their trackers, receivers and their
// credit, request/response link pairs, and what happens when the broker
// detaches one of them (the link alone is dropped and attached again when next
// needed; the connection stays).
#include <proton/link.h>

#include <proton/message_id.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender_options.hpp>
#include <proton/target_options.hpp>
#include <proton/uuid.hpp>

#include "common/log.h"
#include "queue/servicebus_frames.h"
#include "queue/servicebus_handler.h"

namespace di::queue::sb {
namespace {

std::string ConditionText(const proton::error_condition& e) {
  if (!e) return "closed";
  return e.name() + (e.description().empty() ? "" : ": " + e.description());
}

}  // namespace

// --- senders ---

void ConnectionHandler::StartSend(const std::string& address, proton::message m, SendPromise promise) {
  if (!Usable()) return promise->set_value(Status(Code::kUnavailable, "amqp not connected"));
  pending_[address].push_back({std::move(m), std::move(promise)});
  if (!senders_.count(address)) {
    senders_[address] = conn_.open_sender(address, proton::sender_options().auto_settle(true));
  }
  Flush(address);
}

void ConnectionHandler::Flush(const std::string& address) {
  auto sit = senders_.find(address);
  auto pit = pending_.find(address);
  if (sit == senders_.end() || pit == pending_.end()) return;
  while (!pit->second.empty() && sit->second.credit() > 0) {
    PendingSend s = std::move(pit->second.front());
    pit->second.pop_front();
    proton::tracker t = sit->second.send(s.message);
    inflight_.emplace(t, s.promise);
  }
}

void ConnectionHandler::on_sendable(proton::sender& s) {
  for (auto& [address, sender] : senders_) {
    if (sender == s) return Flush(address);
  }
  for (auto& [node, link] : request_links_) {
    if (link.sender == s) return FlushRequests(node);
  }
}

void ConnectionHandler::Finish(proton::tracker& t, Status s) {
  auto it = inflight_.find(t);
  if (it == inflight_.end()) return;
  it->second->set_value(std::move(s));
  inflight_.erase(it);
}

void ConnectionHandler::on_tracker_accept(proton::tracker& t) { Finish(t, Status::Ok()); }
void ConnectionHandler::on_tracker_reject(proton::tracker& t) {
  Status why = RemoteOutcomeStatus(Unwrap(t));  // the broker's condition, when it gave one
  Finish(t, Status(Code::kPermanent, "the broker rejected the message" + (why.ok() ? "" : ": " + why.message())));
}
void ConnectionHandler::on_tracker_release(proton::tracker& t) {
  Finish(t, Status(Code::kUnavailable, "the broker released the message"));
}
void ConnectionHandler::on_tracker_settle(proton::tracker& t) {
  Finish(t, Status(Code::kUnavailable, "the broker settled the message without an outcome"));
}

void ConnectionHandler::SenderClosed(proton::sender& s) {
  if (stopping_) return;
  for (auto& [node, link] : request_links_) {
    if (link.sender == s) return RequestLinkClosed(node, ConditionText(s.error()));
  }
  auto it = std::find_if(senders_.begin(), senders_.end(), [&](const auto& e) { return e.second == s; });
  if (it == senders_.end()) return;  // already handled (error, then close)
  const std::string address = it->first;
  senders_.erase(it);
  const proton::error_condition e = s.error();
  log::Warn("amqp sender link detached by the broker", {{"address", address}, {"error", ConditionText(e)}});
  // Sent but not acknowledged: it may or may not have arrived (resend with the same message-id).
  const Status cut(Code::kUnavailable, "amqp link to " + address + " detached: " + ConditionText(e));
  for (auto t = inflight_.begin(); t != inflight_.end();) {
    if (t->first.sender() == s) {
      t->second->set_value(cut);
      t = inflight_.erase(t);
    } else {
      ++t;
    }
  }
  auto pit = pending_.find(address);
  if (pit == pending_.end() || pit->second.empty()) return;  // attached again by the next send
  Code refused = e.name() == "amqp:not-found"             ? Code::kNotFound
                 : e.name() == "amqp:unauthorized-access" ? Code::kUnauthenticated
                                                          : Code::kOk;
  if (refused != Code::kOk) {
    for (auto& p : pit->second) p.promise->set_value(Status(refused, "amqp: " + address + ": " + ConditionText(e)));
    pending_.erase(pit);
    return;
  }
  if (Usable()) senders_[address] = conn_.open_sender(address, proton::sender_options().auto_settle(true));
}

// --- receivers ---

void ConnectionHandler::OpenReceiver(const std::string& address) {
  proton::receiver r = conn_.open_receiver(address, proton::receiver_options().auto_accept(false).credit_window(0));
  // Service Bus: the broker settles first and tells the outcome (a lost lock
  // is refused instead of silently dropped). Set before the attach is written.
  if (options_.service_bus) pn_link_set_rcv_settle_mode(Unwrap(r), PN_RCV_SECOND);
  receivers_[address] = r;
}

void ConnectionHandler::UpdateCredit(const std::string& address) {
  if (!Usable()) return;
  int64_t wanted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wanted = waiters_[address] - static_cast<int64_t>(ready_[address].size());
  }
  auto it = receivers_.find(address);
  if (it == receivers_.end()) {
    if (wanted <= 0) return;
    OpenReceiver(address);
    it = receivers_.find(address);
  }
  proton::receiver& r = it->second;
  if (r.draining()) return;  // on_receiver_drain_finish comes back here
  const int credit = r.credit();
  if (wanted > credit) {
    r.add_credit(static_cast<uint32_t>(wanted - credit));
  } else if (wanted < credit && options_.service_bus) {
    // Callers gave up: take the credit back, so no message is locked for nobody.
    // (RabbitMQ: not drained; a late message is released on arrival instead.)
    r.drain();
  }
}

void ConnectionHandler::on_receiver_open(proton::receiver& r) {
  for (auto& [address, receiver] : receivers_) {
    if (receiver == r) return UpdateCredit(address);
  }
}

void ConnectionHandler::on_receiver_drain_finish(proton::receiver& r) {
  for (auto& [address, receiver] : receivers_) {
    if (receiver == r) return UpdateCredit(address);
  }
}

void ConnectionHandler::on_message(proton::delivery& d, proton::message& m) {
  proton::receiver r = d.receiver();
  for (auto& [node, link] : request_links_) {
    if (link.receiver != r) continue;
    d.accept();
    auto it = requests_.find(proton::to_string(m.correlation_id()));
    if (it != requests_.end()) {
      RequestCallback done = std::move(it->second.done);
      requests_.erase(it);
      done(m);
    }
    return;
  }
  auto rit = std::find_if(receivers_.begin(), receivers_.end(), [&](const auto& e) { return e.second == r; });
  if (rit == receivers_.end()) {
    ReleaseUnwanted(d);
    return;
  }
  const std::string& address = rit->first;
  const std::string token = std::to_string(++next_token_);
  proton::binary tag = d.tag();
  bool wanted = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto& ready = ready_[address];
    if (waiters_[address] > static_cast<int64_t>(ready.size())) {
      wanted = true;
      ready.push_back(Received{m, token, std::vector<uint8_t>(tag.begin(), tag.end())});
    }
  }
  if (!wanted) {
    ReleaseUnwanted(d);  // its caller gave up before it arrived
    return;
  }
  held_[token] = Held{address, std::vector<uint8_t>(tag.begin(), tag.end()), d, r, true};
  cv_.notify_all();
}

void ConnectionHandler::ReceiverClosed(proton::receiver& r) {
  if (stopping_) return;
  for (auto& [node, link] : request_links_) {
    if (link.receiver == r) return RequestLinkClosed(node, ConditionText(r.error()));
  }
  auto it = std::find_if(receivers_.begin(), receivers_.end(), [&](const auto& e) { return e.second == r; });
  if (it == receivers_.end()) return;
  const std::string address = it->first;
  receivers_.erase(it);
  const proton::error_condition e = r.error();
  log::Warn("amqp receiver link detached by the broker", {{"address", address}, {"error", ConditionText(e)}});
  LinkGone(r, ConditionText(e));
  // Attached again for the callers waiting; at once after an idle detach, after
  // a pause when the broker refused or failed the link.
  const Millis delay = e.name() == "amqp:link:detach-forced" ? Millis(0) : options_.link_retry;
  const uint64_t generation = generation_;
  After(delay, [this, address, generation] {
    if (generation == generation_) UpdateCredit(address);
  });
}

// --- request / response ---

void ConnectionHandler::StartRequest(const std::string& node, proton::message m, RequestCallback done) {
  if (!TransportUp()) return done(Status(Code::kUnavailable, "amqp not connected"));
  auto it = request_links_.find(node);
  if (it == request_links_.end()) {
    RequestLink link;
    link.reply_to = node + "/di-reply-" + proton::uuid::random().str();
    link.sender = conn_.open_sender(node);
    proton::target_options to;
    to.address(link.reply_to);
    proton::receiver_options ro;
    ro.target(to).credit_window(64);
    link.receiver = conn_.open_receiver(node, ro);
    it = request_links_.emplace(node, std::move(link)).first;
  }
  m.reply_to(it->second.reply_to);
  it->second.queued.emplace_back(std::move(m), std::move(done));
  FlushRequests(node);
}

void ConnectionHandler::FlushRequests(const std::string& node) {
  auto& link = request_links_[node];
  while (!link.queued.empty() && link.sender.credit() > 0) {
    auto [m, done] = std::move(link.queued.front());
    link.queued.pop_front();
    requests_[proton::to_string(m.id())] = PendingRequest{node, std::move(done)};
    link.sender.send(m);
  }
}

void ConnectionHandler::RequestLinkClosed(std::string node, const std::string& why) {
  auto it = request_links_.find(node);
  if (it == request_links_.end()) return;
  RequestLink link = std::move(it->second);
  request_links_.erase(it);
  log::Info("amqp request link detached by the broker", {{"node", node}, {"error", why}});
  if (link.sender && link.sender.active()) link.sender.close();
  if (link.receiver && link.receiver.active()) link.receiver.close();
  const Status cut(Code::kUnavailable, "amqp link to " + node + " detached: " + why);
  std::vector<RequestCallback> failed;
  for (auto r = requests_.begin(); r != requests_.end();) {
    if (r->second.node == node) {
      failed.push_back(std::move(r->second.done));
      r = requests_.erase(r);
    } else {
      ++r;
    }
  }
  for (auto& q : link.queued) failed.push_back(std::move(q.second));
  for (auto& done : failed) done(cut);
}

}  // namespace di::queue::sb

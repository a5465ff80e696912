#include "queue/servicebus_connection.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <proton/connection.hpp>
#include <proton/connection_options.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message_id.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/receiver_options.hpp>
#include <proton/sender.hpp>
#include <proton/sender_options.hpp>
#include <proton/session.hpp>
#include <proton/source_options.hpp>
#include <proton/ssl.hpp>
#include <proton/target_options.hpp>
#include <proton/tracker.hpp>
#include <proton/transport.hpp>
#include <proton/uuid.hpp>
#include <proton/work_queue.hpp>
#include <set>
#include <thread>

#include "common/log.h"
#include "queue/servicebus_frames.h"

// proton::delivery keeps its pn_delivery_t private; the library reaches it
// through internal::factory<delivery>::unwrap, declared a friend for that
// purpose. We need it for one thing: the dead-letter condition on the
// disposition, which the C++ API cannot set.
namespace proton::internal {
template <>
class factory<proton::delivery> {
 public:
  static pn_delivery_t* unwrap(const proton::delivery& d) { return d.pn_object(); }
};
}  // namespace proton::internal

namespace di::queue::sb {
namespace {

using SendPromise = std::shared_ptr<std::promise<Status>>;
using RequestCallback = std::function<void(Result<proton::message>)>;

proton::duration Dur(Millis ms) { return proton::duration(ms.count()); }

std::string ConditionText(const proton::error_condition& e) {
  if (!e) return "closed";
  return e.name() + (e.description().empty() ? "" : ": " + e.description());
}

}  // namespace

class ServiceBusConnection::Handler final : public proton::messaging_handler {
 public:
  explicit Handler(AmqpOptions options)
      : options_(std::move(options)), container_(*this, "diamond-ingest-" + proton::uuid::random().str()) {
    log::AddSecret(options_.password);
    log::AddSecret(options_.key);
    container_.auto_stop(false);
    thread_ = std::thread([this] {
      try {
        container_.run();
      } catch (const std::exception& e) {
        log::Error("amqp container stopped", {{"error", e.what()}});
      }
    });
  }

  ~Handler() override {
    stopping_ = true;
    Post([this] {
      if (conn_ && conn_.active()) conn_.close();
      container_.stop();
    });
    thread_.join();
  }

  // Runs FN on the container thread. Work run from a timer is not in the
  // connection's context, so the connection is woken afterwards to write out
  // what FN did (attach, flow, transfer, disposition).
  void Post(std::function<void()> fn) { Schedule(Millis(0), std::move(fn)); }
  void Schedule(Millis delay, std::function<void()> fn) {
    container_.schedule(Dur(delay), [this, fn = std::move(fn)] {
      fn();
      if (conn_ && conn_.active()) conn_.wake();
    });
  }

  // --- messaging_handler (container thread) ---

  void on_container_start(proton::container&) override { Connect(); }

  void on_connection_open(proton::connection& c) override {
    conn_ = c;
    backoff_ = options_.reconnect_min;
    ++connects_;
    if (!options_.cbs)
      MarkConnected();
    else
      MarkConnected();  // links wait for their address's token (EnsureAuthorized)
    // Re-attach receivers that callers are waiting on.
    std::vector<std::string> wanted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& [address, n] : waiters_) {
        if (n > 0) wanted.push_back(address);
      }
    }
    for (const auto& a : wanted) UpdateCredit(a);
  }

  void on_transport_error(proton::transport& t) override { Disconnected(ConditionText(t.error())); }
  void on_connection_error(proton::connection& c) override { Disconnected(ConditionText(c.error())); }
  void on_transport_close(proton::transport&) override { Disconnected("transport closed"); }

  void on_sendable(proton::sender& s) override {
    for (auto& [address, sender] : senders_) {
      if (sender == s) Flush(address);
    }
    for (auto& [node, link] : request_links_) {
      if (link.sender == s) FlushRequests(node);
    }
  }

  void on_tracker_accept(proton::tracker& t) override { Finish(t, Status::Ok()); }
  void on_tracker_reject(proton::tracker& t) override {
    Finish(t, Status(Code::kPermanent, "the broker rejected the message"));
  }
  void on_tracker_release(proton::tracker& t) override {
    Finish(t, Status(Code::kUnavailable, "the broker released the message"));
  }
  void on_tracker_settle(proton::tracker& t) override {
    Finish(t, Status(Code::kUnavailable, "the broker settled the message without an outcome"));
  }

  // The defaults of the *_error callbacks end in on_error(), which throws out of
  // container::run(): every error is handled here instead.
  void on_sender_error(proton::sender& s) override { LinkClosed(s.error(), "sender"); }
  void on_receiver_error(proton::receiver& r) override { LinkClosed(r.error(), "receiver"); }
  void on_session_error(proton::session& s) override { LinkClosed(s.error(), "session"); }
  void on_error(const proton::error_condition& e) override {
    log::Warn("amqp error", {{"error", ConditionText(e)}});
    if (conn_ && conn_.active()) conn_.close();
  }
  void on_sender_close(proton::sender& s) override { LinkClosed(s.error(), "sender"); }
  void on_receiver_close(proton::receiver& r) override { LinkClosed(r.error(), "receiver"); }
  void on_session_close(proton::session& s) override { LinkClosed(s.error(), "session"); }

  void on_message(proton::delivery& d, proton::message& m) override {
    proton::receiver r = d.receiver();
    for (auto& [node, link] : request_links_) {
      if (link.receiver == r) {
        d.accept();
        std::string id = proton::to_string(m.correlation_id());
        auto it = requests_.find(id);
        if (it != requests_.end()) {
          RequestCallback cb = std::move(it->second);
          requests_.erase(it);
          cb(m);
        }
        return;
      }
    }
    std::string address;
    for (auto& [a, receiver] : receivers_) {
      if (receiver == r) address = a;
    }
    if (address.empty()) {
      d.release();
      return;
    }
    std::string token = std::to_string(generation_) + ":" + std::to_string(++next_token_);
    unsettled_.emplace(token, d);
    proton::binary tag = d.tag();
    {
      std::lock_guard<std::mutex> lock(mu_);
      ready_[address].push_back(Received{m, token, std::vector<uint8_t>(tag.begin(), tag.end())});
    }
    cv_.notify_all();
  }

  // --- operations (container thread) ---

  void Connect() {
    if (stopping_) return;
    proton::connection_options o;
    o.sasl_enabled(true);
    o.sasl_allowed_mechs(options_.sasl_mechanism);
    o.sasl_allow_insecure_mechs(!options_.tls);
    if (options_.sasl_mechanism == "PLAIN") {
      o.user(options_.user);
      o.password(options_.password);
    }
    o.idle_timeout(Dur(options_.idle_timeout));
    if (options_.tls) o.ssl_client_options(proton::ssl_client_options());
    o.virtual_host(options_.host);
    std::string url = (options_.tls ? "amqps://" : "amqp://") + options_.host + ":" + std::to_string(options_.port);
    try {
      container_.connect(url, o);
    } catch (const std::exception& e) {
      Disconnected(e.what());
    }
  }

  void MarkConnected() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      connected_ = true;
    }
    cv_.notify_all();
    log::Info("amqp connected", {{"host", options_.host}, {"port", options_.port}, {"connects", connects_.load()}});
  }

  void Disconnected(const std::string& why) {
    bool was_connected;
    {
      std::lock_guard<std::mutex> lock(mu_);
      was_connected = connected_;
      connected_ = false;
      ready_.clear();  // not handed out yet: the broker redelivers them
    }
    if (reconnect_scheduled_ || stopping_) return;
    ++generation_;
    if (was_connected) log::Warn("amqp connection lost; reconnecting", {{"error", why}});
    for (auto& [t, p] : inflight_) p->set_value(Status(Code::kUnavailable, "amqp connection lost: " + why));
    inflight_.clear();
    for (auto& [a, q] : pending_) {
      for (auto& s : q) s.promise->set_value(Status(Code::kUnavailable, "amqp connection lost: " + why));
    }
    pending_.clear();
    auto requests = std::move(requests_);
    requests_.clear();
    for (auto& [id, cb] : requests) cb(Status(Code::kUnavailable, "amqp connection lost: " + why));
    for (auto& [node, link] : request_links_) {
      for (auto& q : link.queued) q.second(Status(Code::kUnavailable, "amqp connection lost: " + why));
    }
    request_links_.clear();
    auto waiting = std::move(auth_waiters_);
    auth_waiters_.clear();
    for (auto& [a, fns] : waiting) {
      for (auto& fn : fns) fn(Status(Code::kUnavailable, "amqp connection lost: " + why));
    }
    authorized_.clear();
    senders_.clear();
    receivers_.clear();
    unsettled_.clear();
    conn_ = proton::connection();
    reconnect_scheduled_ = true;
    Millis delay = backoff_;
    backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
    container_.schedule(Dur(delay), [this] {
      reconnect_scheduled_ = false;
      Connect();
    });
  }

  void LinkClosed(const proton::error_condition& e, const char* kind) {
    if (stopping_ || !e) return;
    // A link refused by the broker (unknown entity, unauthorized): drop the
    // connection so everything is re-established cleanly.
    log::Warn("amqp link closed by the broker", {{"link", kind}, {"error", ConditionText(e)}});
    if (conn_ && conn_.active()) conn_.close();
  }

  bool Usable() const { return conn_ && conn_.active() && !reconnect_scheduled_; }

  // Calls THEN(ok) once ADDRESS may be used (its CBS token is in place).
  void EnsureAuthorized(const std::string& address, std::function<void(Status)> then) {
    if (!options_.cbs || authorized_.count(address)) return then(Status::Ok());
    auto& waiting = auth_waiters_[address];
    waiting.push_back(std::move(then));
    if (waiting.size() > 1) return;
    PutToken(address);
  }

  void PutToken(const std::string& address) {
    std::string audience = "sb://" + options_.host + "/" + address;
    int64_t expiry = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch() + options_.token_lifetime)
                         .count();
    proton::message m = CbsPutToken(audience, SasToken(audience, options_.key_name, options_.key, expiry),
                                    proton::uuid::random().str(), "");
    uint64_t generation = generation_;
    StartRequest(kCbsNode, m, [this, address, generation](Result<proton::message> r) {
      Status s = r.ok() ? ManagementResponseStatus(*r) : r.status();
      if (s.ok()) {
        authorized_.insert(address);
        Millis refresh(options_.token_lifetime.count() * 8 / 10);
        Schedule(refresh, [this, address, generation] {
          if (generation == generation_ && Usable()) PutToken(address);
        });
      } else {
        log::Error("amqp put-token failed", {{"address", address}, {"error", s.ToString()}});
      }
      auto fns = std::move(auth_waiters_[address]);
      auth_waiters_.erase(address);
      for (auto& fn : fns) fn(s);
    });
  }

  void StartSend(const std::string& address, proton::message m, SendPromise p) {
    if (!Usable()) return p->set_value(Status(Code::kUnavailable, "amqp not connected"));
    pending_[address].push_back({std::move(m), p});
    if (senders_.count(address)) return Flush(address);
    EnsureAuthorized(address, [this, address](Status s) {
      if (!s.ok()) {
        for (auto& q : pending_[address]) q.promise->set_value(s);
        pending_.erase(address);
        return;
      }
      if (!senders_.count(address) && Usable()) {
        senders_[address] = conn_.open_sender(address, proton::sender_options().auto_settle(true));
      }
      Flush(address);
    });
  }

  void Flush(const std::string& address) {
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

  void Finish(proton::tracker& t, Status s) {
    auto it = inflight_.find(t);
    if (it == inflight_.end()) return;
    it->second->set_value(std::move(s));
    inflight_.erase(it);
  }

  void UpdateCredit(const std::string& address) {
    if (!Usable()) return;
    auto it = receivers_.find(address);
    if (it == receivers_.end()) {
      EnsureAuthorized(address, [this, address](Status s) {
        if (!s.ok() || !Usable() || receivers_.count(address)) return;
        receivers_[address] =
            conn_.open_receiver(address, proton::receiver_options().auto_accept(false).credit_window(0));
        UpdateCredit(address);
      });
      return;
    }
    int64_t wanted;
    {
      std::lock_guard<std::mutex> lock(mu_);
      wanted = waiters_[address] - static_cast<int64_t>(ready_[address].size());
    }
    int credit = it->second.credit();
    if (wanted > credit) it->second.add_credit(static_cast<uint32_t>(wanted - credit));
  }

  void StartRequest(const std::string& node, proton::message m, RequestCallback cb) {
    if (!Usable()) return cb(Status(Code::kUnavailable, "amqp not connected"));
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
    it->second.queued.emplace_back(std::move(m), std::move(cb));
    FlushRequests(node);
  }

  void FlushRequests(const std::string& node) {
    auto& link = request_links_[node];
    while (!link.queued.empty() && link.sender.credit() > 0) {
      auto [m, cb] = std::move(link.queued.front());
      link.queued.pop_front();
      requests_[proton::to_string(m.id())] = std::move(cb);
      link.sender.send(m);
    }
  }

  Status DoSettle(const std::string& token, Outcome outcome, const std::string& reason,
                  const std::string& description) {
    auto it = unsettled_.find(token);
    if (it == unsettled_.end() || !Usable()) {
      return Status(Code::kConflict, "the message lock was lost (connection dropped or already settled)");
    }
    proton::delivery d = it->second;
    unsettled_.erase(it);
    switch (outcome) {
      case Outcome::kAccept:
        d.accept();
        break;
      case Outcome::kAbandon:
        if (options_.abandon_as_modified) {
          SettleAbandoned(proton::internal::factory<proton::delivery>::unwrap(d));
        } else {
          d.release();
        }
        break;
      case Outcome::kDeadLetter:
        SetDeadLetterCondition(proton::internal::factory<proton::delivery>::unwrap(d), reason, description);
        d.reject();
        break;
      case Outcome::kRelease:
        d.release();
        break;
    }
    return Status::Ok();
  }

  // --- state ---
  struct PendingSend {
    proton::message message;
    SendPromise promise;
  };
  struct RequestLink {
    proton::sender sender;
    proton::receiver receiver;
    std::string reply_to;
    std::deque<std::pair<proton::message, RequestCallback>> queued;
  };

  AmqpOptions options_;
  proton::container container_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> connects_{0};

  // Container thread only.
  proton::connection conn_;
  uint64_t generation_ = 0;
  uint64_t next_token_ = 0;
  bool reconnect_scheduled_ = false;
  Millis backoff_{100};
  std::map<std::string, proton::sender> senders_;
  std::map<std::string, std::deque<PendingSend>> pending_;
  std::map<proton::tracker, SendPromise> inflight_;
  std::map<std::string, proton::receiver> receivers_;
  std::map<std::string, proton::delivery> unsettled_;
  std::map<std::string, RequestLink> request_links_;
  std::map<std::string, RequestCallback> requests_;
  std::set<std::string> authorized_;
  std::map<std::string, std::vector<std::function<void(Status)>>> auth_waiters_;

  // Shared with callers, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  std::map<std::string, std::deque<Received>> ready_;
  std::map<std::string, int64_t> waiters_;

  friend class ServiceBusConnection;
};

ServiceBusConnection::ServiceBusConnection(AmqpOptions options)
    : handler_(std::make_unique<Handler>(std::move(options))) {}

ServiceBusConnection::~ServiceBusConnection() = default;

Status ServiceBusConnection::Send(const std::string& address, const proton::message& message, Millis timeout) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  Handler* h = handler_.get();
  h->Post([h, address, message, promise] { h->StartSend(address, message, promise); });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp send to " + address + " timed out");
  }
  return future.get();
}

Result<std::optional<Received>> ServiceBusConnection::Receive(const std::string& address, Millis wait) {
  Handler* h = handler_.get();
  std::unique_lock<std::mutex> lock(h->mu_);
  auto take = [&]() -> std::optional<Received> {
    auto& q = h->ready_[address];
    if (q.empty()) return std::nullopt;
    Received r = std::move(q.front());
    q.pop_front();
    return r;
  };
  if (auto r = take()) return std::optional<Received>(std::move(*r));
  ++h->waiters_[address];
  lock.unlock();  // never call into proton while holding mu_
  h->Post([h, address] { h->UpdateCredit(address); });
  lock.lock();
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::optional<Received> got;
  while (!(got = take()) && std::chrono::steady_clock::now() < deadline) {
    h->cv_.wait_until(lock, deadline);
  }
  --h->waiters_[address];
  bool connected = h->connected_;
  lock.unlock();
  if (got) return std::optional<Received>(std::move(*got));
  if (!connected) return Status(Code::kUnavailable, "amqp not connected");
  return std::optional<Received>();
}

Status ServiceBusConnection::Settle(const std::string& token, Outcome outcome, const std::string& reason,
                                    const std::string& description) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  Handler* h = handler_.get();
  h->Post([=] { promise->set_value(h->DoSettle(token, outcome, reason, description)); });
  if (future.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp settle timed out");
  }
  return future.get();
}

bool ServiceBusConnection::Holds(const std::string& token) {
  auto promise = std::make_shared<std::promise<bool>>();
  auto future = promise->get_future();
  Handler* h = handler_.get();
  h->Post([=] { promise->set_value(h->Usable() && h->unsettled_.count(token) > 0); });
  return future.wait_for(std::chrono::seconds(30)) == std::future_status::ready && future.get();
}

Result<proton::message> ServiceBusConnection::Request(const std::string& node, proton::message request,
                                                      Millis timeout) {
  auto promise = std::make_shared<std::promise<Result<proton::message>>>();
  auto future = promise->get_future();
  Handler* h = handler_.get();
  h->Post([=]() mutable {
    std::string entity = node;
    auto slash = entity.find("/$management");
    if (slash != std::string::npos) entity = entity.substr(0, slash);
    h->EnsureAuthorized(entity, [=](Status s) {
      if (!s.ok()) return promise->set_value(s);
      h->StartRequest(node, request, [promise](Result<proton::message> r) { promise->set_value(std::move(r)); });
    });
  });
  if (future.wait_for(timeout) != std::future_status::ready) {
    return Status(Code::kUnavailable, "amqp request to " + node + " timed out");
  }
  return future.get();
}

bool ServiceBusConnection::WaitConnected(Millis timeout) {
  Handler* h = handler_.get();
  std::unique_lock<std::mutex> lock(h->mu_);
  return h->cv_.wait_for(lock, timeout, [h] { return h->connected_; });
}

int64_t ServiceBusConnection::connects() const { return handler_->connects_.load(); }

}  // namespace di::queue::sb

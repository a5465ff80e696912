// ConnectionHandler: life cycle, authentication, reconnection and timers.
#include "queue/servicebus_handler.h"

#include <proton/connection_options.hpp>
#include <proton/message_id.hpp>
#include <proton/ssl.hpp>
#include <proton/transport.hpp>
#include <proton/uuid.hpp>

#include "common/log.h"
#include "queue/servicebus_frames.h"

namespace di::queue::sb {
namespace {

// Longest proton timer the handler ever arms: delayed work waits in timers_,
// so stopping the container never waits longer than this for a timer.
constexpr Millis kTick{200};

proton::duration Dur(Millis ms) { return proton::duration(ms.count()); }

std::string ConditionText(const proton::error_condition& e) {
  if (!e) return "closed";
  return e.name() + (e.description().empty() ? "" : ": " + e.description());
}

}  // namespace

ConnectionHandler::ConnectionHandler(AmqpOptions options)
    : options_(std::move(options)), container_(*this, "diamond-ingest-" + proton::uuid::random().str()) {
  log::AddSecret(options_.password);
  log::AddSecret(options_.key);
  backoff_ = options_.reconnect_min;
  container_.auto_stop(false);
  thread_ = std::thread([this] {
    try {
      container_.run();
    } catch (const std::exception& e) {
      log::Error("amqp container stopped", {{"error", e.what()}});
    }
  });
}

ConnectionHandler::~ConnectionHandler() {
  stopping_ = true;
  container_.schedule(Dur(Millis(0)), [this] {
    if (conn_ && conn_.active()) conn_.close();
    container_.stop();
  });
  thread_.join();
}

// Work run from a timer is not in the connection's context, so the connection
// is woken afterwards to write out what FN did (attach, flow, transfer, disposition).
void ConnectionHandler::Post(std::function<void()> fn) {
  container_.schedule(Dur(Millis(0)), [this, fn = std::move(fn)] {
    fn();
    if (conn_ && conn_.active()) conn_.wake();
  });
}

void ConnectionHandler::After(Millis delay, std::function<void()> fn) {
  timers_.emplace(std::chrono::steady_clock::now() + delay, std::move(fn));
  ArmTick();
}

void ConnectionHandler::ArmTick() {
  if (tick_armed_ || stopping_ || timers_.empty()) return;
  auto wait = std::chrono::duration_cast<Millis>(timers_.begin()->first - std::chrono::steady_clock::now());
  wait = std::clamp(wait, Millis(0), kTick);
  tick_armed_ = true;
  container_.schedule(Dur(wait), [this] {
    tick_armed_ = false;
    RunTimers();
  });
}

void ConnectionHandler::RunTimers() {
  if (stopping_) return;
  const auto now = std::chrono::steady_clock::now();
  std::vector<std::function<void()>> due;
  while (!timers_.empty() && timers_.begin()->first <= now) {
    due.push_back(std::move(timers_.begin()->second));
    timers_.erase(timers_.begin());
  }
  for (auto& fn : due) fn();
  if (!due.empty() && conn_ && conn_.active()) conn_.wake();
  ArmTick();
}

void ConnectionHandler::on_container_start(proton::container&) { Connect(); }

void ConnectionHandler::Connect() {
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
  if (options_.tls) {
    o.ssl_client_options(options_.ca_file.empty()
                             ? proton::ssl_client_options()
                             : proton::ssl_client_options(options_.ca_file, proton::ssl::VERIFY_PEER_NAME));
  }
  o.virtual_host(options_.host);
  std::string url = (options_.tls ? "amqps://" : "amqp://") + options_.host + ":" + std::to_string(options_.port);
  try {
    container_.connect(url, o);
  } catch (const std::exception& e) {
    Disconnected(e.what());
  }
}

void ConnectionHandler::on_connection_open(proton::connection& c) {
  conn_ = c;
  ++connects_;
  authenticated_ = false;
  token_failures_ = 0;
  if (options_.cbs) {
    PutToken();  // usable once the broker accepted the token
  } else {
    Authenticated();
  }
}

// One SAS token for the whole namespace (audience "sb://<host>/"), put at
// connect and before it expires: every link and request of the connection is
// covered, whenever it is made.
void ConnectionHandler::PutToken() {
  const uint64_t generation = generation_;
  const std::string audience = "sb://" + options_.host + "/";
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const int64_t expiry = std::chrono::duration_cast<std::chrono::seconds>(now + options_.token_lifetime).count();
  // The token is valid until the whole second it names; refreshed at 3/4 of that.
  const Millis valid = std::chrono::duration_cast<Millis>(std::chrono::seconds(expiry) - now);
  proton::message m = CbsPutToken(audience, SasToken(audience, options_.key_name, options_.key, expiry),
                                  proton::uuid::random().str(), "");
  auto again = [this, generation] {
    if (generation == generation_ && TransportUp()) PutToken();
  };
  StartRequest(kCbsNode, m, [this, generation, again, valid](Result<proton::message> r) {
    if (generation != generation_ || stopping_) return;
    Status s = r.ok() ? ManagementResponseStatus(*r) : r.status();
    if (s.ok()) {
      token_failures_ = 0;
      ++tokens_put_;
      After(valid * 3 / 4, again);
      if (!authenticated_) Authenticated();
      return;
    }
    Millis delay = options_.token_retry_min;
    for (int i = 0; i < token_failures_ && delay < options_.token_retry_max; ++i) delay *= 2;
    delay = std::min(delay, options_.token_retry_max);
    ++token_failures_;
    log::Warn(
        "amqp put-token failed; retrying",
        {{"error", s.ToString()}, {"retry_ms", static_cast<int64_t>(delay.count())}, {"failures", token_failures_}});
    After(delay, again);
  });
}

void ConnectionHandler::Authenticated() {
  authenticated_ = true;
  backoff_ = options_.reconnect_min;
  std::vector<std::string> wanted;
  {
    std::lock_guard<std::mutex> lock(mu_);
    connected_ = true;
    for (const auto& [address, n] : waiters_) {
      if (n > 0) wanted.push_back(address);
    }
  }
  cv_.notify_all();
  log::Info("amqp connected", {{"host", options_.host}, {"port", options_.port}, {"connects", connects_.load()}});
  for (const auto& a : wanted) UpdateCredit(a);
}

void ConnectionHandler::on_transport_error(proton::transport& t) { Disconnected(ConditionText(t.error())); }
void ConnectionHandler::on_connection_error(proton::connection& c) { Disconnected(ConditionText(c.error())); }
void ConnectionHandler::on_transport_close(proton::transport&) { Disconnected("transport closed"); }

void ConnectionHandler::on_error(const proton::error_condition& e) {
  log::Warn("amqp error", {{"error", ConditionText(e)}});
  if (conn_ && conn_.active()) conn_.close();
}

// A session ends with its links: rare (we use one session); start over.
void ConnectionHandler::on_session_error(proton::session& s) { on_session_close(s); }
void ConnectionHandler::on_session_close(proton::session& s) {
  if (stopping_ || !s.error()) return;
  log::Warn("amqp session closed by the broker", {{"error", ConditionText(s.error())}});
  if (conn_ && conn_.active()) conn_.close();
}

void ConnectionHandler::Disconnected(const std::string& why) {
  bool was_connected;
  {
    std::lock_guard<std::mutex> lock(mu_);
    was_connected = connected_;
    connected_ = false;
    // Not handed out yet. Service Bus keeps their locks (they may still be
    // handed out and settled by lock token); a generic broker redelivers them.
    if (!options_.service_bus) ready_.clear();
  }
  if (reconnect_scheduled_ || stopping_) return;
  ++generation_;
  authenticated_ = false;
  if (was_connected) log::Warn("amqp connection lost; reconnecting", {{"error", why}});
  const Status lost(Code::kUnavailable, "amqp connection lost: " + why);
  auto inflight = std::move(inflight_);
  inflight_.clear();
  for (auto& [t, p] : inflight) p->set_value(lost);
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [a, q] : pending) {
    for (auto& s : q) s.promise->set_value(lost);
  }
  auto requests = std::move(requests_);
  requests_.clear();
  for (auto& [id, r] : requests) r.done(lost);
  auto links = std::move(request_links_);
  request_links_.clear();
  for (auto& [node, link] : links) {
    for (auto& q : link.queued) q.second(lost);
  }
  for (auto& [token, held] : held_) {
    held.on_link = false;
    held.delivery = proton::delivery();
    held.link = proton::receiver();
  }
  if (!options_.service_bus) held_.clear();
  auto settling = std::move(settling_);
  settling_.clear();
  for (auto& [d, s] : settling) {
    if (s.done) s.done(Status(Code::kUnavailable, "amqp connection lost while settling: " + why));
  }
  senders_.clear();
  receivers_.clear();
  conn_ = proton::connection();
  reconnect_scheduled_ = true;
  Millis delay = backoff_;
  backoff_ = std::min(backoff_ * 2, options_.reconnect_max);
  After(delay, [this] {
    reconnect_scheduled_ = false;
    Connect();
  });
}

Result<std::optional<Received>> ConnectionHandler::Receive(const std::string& address, Millis wait) {
  std::unique_lock<std::mutex> lock(mu_);
  auto take = [&]() -> std::optional<Received> {
    auto& q = ready_[address];
    if (q.empty()) return std::nullopt;
    Received r = std::move(q.front());
    q.pop_front();
    return r;
  };
  if (auto r = take()) return std::optional<Received>(std::move(*r));
  ++waiters_[address];
  lock.unlock();  // never call into proton while holding mu_
  Post([this, address] { UpdateCredit(address); });
  lock.lock();
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::optional<Received> got;
  while (!(got = take()) && std::chrono::steady_clock::now() < deadline) {
    cv_.wait_until(lock, deadline);
  }
  --waiters_[address];
  bool connected = connected_;
  lock.unlock();
  if (got) return std::optional<Received>(std::move(*got));
  Post([this, address] { UpdateCredit(address); });  // return the credit this caller leaves behind
  if (!connected) return Status(Code::kUnavailable, "amqp not connected");
  return std::optional<Received>();
}

bool ConnectionHandler::WaitConnected(Millis timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return connected_; });
}

}  // namespace di::queue::sb

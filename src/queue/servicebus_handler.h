// ConnectionHandler: the container-thread half of ServiceBusConnection (its
// header says what the connection does). Private to src/queue.
//
// Threading: the proton container runs every proton callback and every
// operation on its own thread; methods marked "container thread" must only run
// there (through Post or After). Receive, Post and the members under mu_ are
// for any thread. Implementation: servicebus_handler.cpp (life cycle,
// authentication, timers), servicebus_links.cpp (senders, receivers, credit,
// requests, detached links), servicebus_settle.cpp (settlement, lock renewal).
#pragma once

#include <proton/delivery.h>
#include <proton/link.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <proton/connection.hpp>
#include <proton/container.hpp>
#include <proton/delivery.hpp>
#include <proton/error_condition.hpp>
#include <proton/message.hpp>
#include <proton/messaging_handler.hpp>
#include <proton/receiver.hpp>
#include <proton/sender.hpp>
#include <proton/tracker.hpp>
#include <proton/work_queue.hpp>
#include <string>
#include <thread>
#include <vector>

#include "queue/servicebus_connection.h"

// proton's C++ wrappers keep their C objects private; the library reaches them
// through internal::factory<T>::unwrap, a friend of each wrapper for that
// purpose. We need the C objects for what the C++ API cannot do: the
// dead-letter condition and the modified fields of a disposition, reading the
// broker's outcome, and receiver settle mode second.
namespace proton::internal {
template <>
class factory<proton::delivery> {
 public:
  static pn_delivery_t* unwrap(const proton::delivery& d) { return d.pn_object(); }
};
template <>
class factory<proton::tracker> {
 public:
  static pn_delivery_t* unwrap(const proton::tracker& t) { return t.pn_object(); }
};
template <>
class factory<proton::receiver> {
 public:
  static pn_link_t* unwrap(const proton::receiver& r) { return r.pn_object(); }
};
}  // namespace proton::internal

namespace di::queue::sb {

using SendPromise = std::shared_ptr<std::promise<Status>>;
using RequestCallback = std::function<void(Result<proton::message>)>;
using StatusCallback = std::function<void(Status)>;
using RenewCallback = std::function<void(Result<WallTime>)>;

inline pn_delivery_t* Unwrap(const proton::delivery& d) {
  return proton::internal::factory<proton::delivery>::unwrap(d);
}
inline pn_link_t* Unwrap(const proton::receiver& r) { return proton::internal::factory<proton::receiver>::unwrap(r); }
inline pn_delivery_t* Unwrap(const proton::tracker& t) { return proton::internal::factory<proton::tracker>::unwrap(t); }

class ConnectionHandler final : public proton::messaging_handler {
 public:
  // Starts the container thread; the first connection attempt follows at once.
  explicit ConnectionHandler(AmqpOptions options);
  ~ConnectionHandler() override;

  const AmqpOptions& options() const { return options_; }

  // --- any thread ---
  // Runs FN on the container thread soon.
  void Post(std::function<void()> fn);
  Result<std::optional<Received>> Receive(const std::string& address, Millis wait);
  bool WaitConnected(Millis timeout);
  int64_t connects() const { return connects_.load(); }
  int64_t tokens_put() const { return tokens_put_.load(); }

  // --- container thread ---
  // Runs FN on the container thread after DELAY (not before the next tick).
  void After(Millis delay, std::function<void()> fn);
  // Connected and authenticated, not reconnecting.
  bool Usable() const { return TransportUp() && authenticated_; }
  void StartSend(const std::string& address, proton::message m, SendPromise promise);
  void StartRequest(const std::string& node, proton::message m, RequestCallback done);
  void UpdateCredit(const std::string& address);
  void StartSettle(const std::string& token, Outcome outcome, const std::string& reason, const std::string& description,
                   StatusCallback done);
  void StartRenew(const std::string& token, RenewCallback done);
  bool Holds(const std::string& token) const;

  // --- proton callbacks (container thread) ---
  void on_container_start(proton::container&) override;
  void on_connection_open(proton::connection& c) override;
  void on_transport_error(proton::transport& t) override;
  void on_connection_error(proton::connection& c) override;
  void on_transport_close(proton::transport&) override;
  void on_sendable(proton::sender& s) override;
  void on_receiver_open(proton::receiver& r) override;
  void on_receiver_drain_finish(proton::receiver& r) override;
  void on_tracker_accept(proton::tracker& t) override;
  void on_tracker_reject(proton::tracker& t) override;
  void on_tracker_release(proton::tracker& t) override;
  void on_tracker_settle(proton::tracker& t) override;
  void on_delivery_settle(proton::delivery& d) override;
  // The defaults of the *_error callbacks end in on_error(), which throws out of
  // container::run(): every error is handled here instead.
  void on_sender_error(proton::sender& s) override { SenderClosed(s); }
  void on_receiver_error(proton::receiver& r) override { ReceiverClosed(r); }
  void on_sender_close(proton::sender& s) override { SenderClosed(s); }
  void on_receiver_close(proton::receiver& r) override { ReceiverClosed(r); }
  void on_session_error(proton::session& s) override;
  void on_session_close(proton::session& s) override;
  void on_error(const proton::error_condition& e) override;
  void on_message(proton::delivery& d, proton::message& m) override;

 private:
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
  struct PendingRequest {
    std::string node;
    RequestCallback done;
  };
  // A message received and not settled yet. DELIVERY is empty once its link
  // or its connection is gone (service_bus: the lock lives on until it expires).
  struct Held {
    std::string address;
    std::vector<uint8_t> tag;
    proton::delivery delivery;
    proton::receiver link;
    bool on_link = false;
  };
  struct Settling {
    std::string token;  // "" for a release nobody waits for
    StatusCallback done;
  };

  // servicebus_handler.cpp
  bool TransportUp() const { return conn_ && conn_.active() && !reconnect_scheduled_; }
  void Connect();
  void PutToken();
  void Authenticated();
  void Disconnected(const std::string& why);
  void ArmTick();
  void RunTimers();
  // servicebus_links.cpp
  void OpenReceiver(const std::string& address);
  void Flush(const std::string& address);
  void FlushRequests(const std::string& node);
  void Finish(proton::tracker& t, Status s);
  void SenderClosed(proton::sender& s);
  void ReceiverClosed(proton::receiver& r);
  void RequestLinkClosed(std::string node, const std::string& why);
  // servicebus_settle.cpp
  void SettleOnLink(const std::string& token, Held& held, Outcome outcome, const std::string& reason,
                    const std::string& description, StatusCallback done);
  void SettleByLockToken(const std::string& token, const Held& held, Outcome outcome, const std::string& reason,
                         const std::string& description, StatusCallback done);
  void ReleaseUnwanted(proton::delivery& d);
  void LinkGone(const proton::receiver& link, const std::string& why);

  const AmqpOptions options_;
  proton::container container_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> connects_{0};
  std::atomic<int64_t> tokens_put_{0};

  // Container thread only.
  proton::connection conn_;
  uint64_t generation_ = 0;  // bumped on every disconnection
  uint64_t next_token_ = 0;
  bool reconnect_scheduled_ = false;
  bool authenticated_ = false;
  int token_failures_ = 0;
  Millis backoff_{100};
  bool tick_armed_ = false;
  std::multimap<std::chrono::steady_clock::time_point, std::function<void()>> timers_;
  std::map<std::string, proton::sender> senders_;
  std::map<std::string, std::deque<PendingSend>> pending_;
  std::map<proton::tracker, SendPromise> inflight_;
  std::map<std::string, proton::receiver> receivers_;
  std::map<std::string, Held> held_;
  std::map<proton::delivery, Settling> settling_;
  std::map<std::string, RequestLink> request_links_;
  std::map<std::string, PendingRequest> requests_;

  // Shared with callers, under mu_.
  std::mutex mu_;
  std::condition_variable cv_;
  bool connected_ = false;
  std::map<std::string, std::deque<Received>> ready_;
  std::map<std::string, int64_t> waiters_;
};

}  // namespace di::queue::sb

// ServiceBusConnection: one AMQP 1.0 connection (qpid-proton C++) with the
// operations the Service Bus queue backend needs, as blocking, thread-safe calls.
//
// A private proton container runs the connection on its own thread; callers
// hand work to it through the container's work queue and wait on futures, so
// proton objects are only ever touched on that thread.
// - Send: one sender link per address, unsettled sends; ok only once the
//   broker accepted the message (the outbox relies on this).
// - Receive: one receiver link per address in peek-lock mode (no auto-accept).
//   Link credit is kept equal to the number of callers waiting in Receive, so a
//   process never holds more locked messages than it has asked for.
// - Settle: accepted / modified(delivery-failed) / rejected (with the
//   dead-letter condition) by the token Receive returned; kConflict when the
//   delivery is gone (its connection dropped: the broker redelivers it).
//   Without abandon_as_modified, abandon is released.
// - Request: request/response with a node ("$cbs", "<entity>/$management"),
//   correlated by message-id.
// - Authentication: SASL PLAIN/ANONYMOUS, and with Service Bus claims-based
//   security: a SAS token put to "$cbs" for each address before its links
//   attach, refreshed at 80% of its lifetime.
// - Reconnection: when the transport drops, everything in flight fails
//   (kUnavailable), unsettled deliveries are forgotten (the broker redelivers
//   them), and the connection is re-established with capped exponential backoff;
//   links are re-attached on demand.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <proton/message.hpp>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::queue::sb {

struct AmqpOptions {
  std::string host = "127.0.0.1";
  int port = 5672;
  bool tls = false;
  // SASL: "PLAIN" with user/password, or "ANONYMOUS".
  std::string sasl_mechanism = "ANONYMOUS";
  std::string user;
  std::string password;  // a secret
  // Claims-based security (Service Bus): SAS tokens for audience
  // "sb://<host>/<address>" signed with key_name/key, put to $cbs.
  bool cbs = false;
  std::string key_name;
  std::string key;  // a secret
  Millis token_lifetime{3600 * 1000};
  // Abandon as modified(delivery-failed) (Service Bus), else as released
  // (brokers without the modified outcome, such as RabbitMQ 3.10, which ends
  // the session on it).
  bool abandon_as_modified = true;
  Millis reconnect_min{100};
  Millis reconnect_max{3000};
  Millis idle_timeout{30000};
};

// kRelease: released (the broker does not count the delivery).
enum class Outcome { kAccept, kAbandon, kDeadLetter, kRelease };

struct Received {
  proton::message message;
  std::string token;         // for Settle
  std::vector<uint8_t> tag;  // delivery tag (the lock token on Service Bus)
};

class ServiceBusConnection {
 public:
  // Starts the container thread and the first connection attempt; never blocks
  // on the network.
  explicit ServiceBusConnection(AmqpOptions options);
  ~ServiceBusConnection();
  ServiceBusConnection(const ServiceBusConnection&) = delete;
  ServiceBusConnection& operator=(const ServiceBusConnection&) = delete;

  // Sends MESSAGE to ADDRESS; ok when the broker accepted it. kUnavailable on
  // timeout or disconnection (the message may or may not have arrived: resend
  // with the same message-id), kPermanent when the broker rejected it.
  Status Send(const std::string& address, const proton::message& message, Millis timeout);

  // Waits up to WAIT for a message from ADDRESS; nullopt when none arrived.
  // kUnavailable when not connected at the end of the wait.
  Result<std::optional<Received>> Receive(const std::string& address, Millis wait);

  // Settles the delivery TOKEN names. kConflict when it is no longer held.
  Status Settle(const std::string& token, Outcome outcome, const std::string& reason = {},
                const std::string& description = {});
  // Whether TOKEN is still held by this connection (not settled, not dropped).
  bool Holds(const std::string& token);

  // Sends REQUEST to NODE and waits for the response with the same correlation-id.
  Result<proton::message> Request(const std::string& node, proton::message request, Millis timeout);

  // True once connected (and authenticated); waits up to TIMEOUT.
  bool WaitConnected(Millis timeout);
  // Connections opened so far (1 + reconnections).
  int64_t connects() const;

 private:
  class Handler;
  std::unique_ptr<Handler> handler_;
};

}  // namespace di::queue::sb

// ServiceBusConnection: one AMQP 1.0 connection (qpid-proton C++) with the
// operations the Service Bus queue backend needs, as blocking, thread-safe calls.
//
// A private proton container runs the connection on its own thread; callers
// hand work to it through the container's work queue and wait on futures, so
// proton objects are only ever touched on that thread. Delayed work (token
// refresh, reconnection, re-attach) runs from a short tick, never from a long
// proton timer, so the destructor returns at once.
// - Authentication: SASL PLAIN/ANONYMOUS; with claims-based security (Service
//   Bus) a namespace SAS token (audience "sb://<host>/") is put to "$cbs" as
//   soon as the connection opens, and the connection counts as connected only
//   once the broker accepted it. The token is refreshed at 3/4 of its lifetime;
//   a failed put-token is retried with doubling delays (token_retry_min..max).
// - Send: one sender link per address, unsettled sends; ok only once the
//   broker accepted the message (the outbox relies on this).
// - Receive: one receiver link per address in peek-lock mode. Link credit is
//   kept equal to the number of callers waiting in Receive: credit a caller
//   leaves behind when it gives up is drained, and a message that arrives with
//   nobody waiting is released (Service Bus does not count a release), so no
//   lock is ever held that nobody asked for.
// - Links: a link the broker detaches (Service Bus force-detaches links idle
//   for 10 minutes, amqp:link:detach-forced) is dropped alone, never the
//   connection: sends in flight on it fail (kUnavailable: resend with the same
//   message-id), requests on a management link fail, and the link is attached
//   again when next needed (at once for a receiver with callers waiting).
// - Settle: accepted / modified(delivery-failed) / rejected (with the
//   dead-letter condition) by the token Receive returned. With service_bus:
//   receiver settle mode second, so the call returns the broker's verdict
//   (kConflict for com.microsoft:message-lock-lost); a lock outlives its link
//   and the connection, and once its link is gone the message is settled by
//   lock token over "<entity>/$management" (update-disposition), as the SDKs
//   do. Without it (RabbitMQ): settle mode first, abandon as released unless
//   abandon_as_modified, and a delivery is gone with its link or connection
//   (kConflict: the broker redelivers it).
// - RenewLock: com.microsoft:renew-lock by lock token, naming the receiver
//   link of the entity (associated-link-name); returns the new expiry.
// - Request: request/response with a node ("$cbs", "<entity>/$management"),
//   correlated by message-id.
// - Reconnection: when the transport drops, sends and requests in flight fail
//   (kUnavailable) and the connection is re-established with capped
//   exponential backoff; links are re-attached on demand.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <proton/message.hpp>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::queue::sb {

class ConnectionHandler;

struct AmqpOptions {
  std::string host = "127.0.0.1";
  int port = 5672;
  bool tls = false;
  // PEM file of the certificate authorities trusted for TLS instead of the
  // system's (a test CA, a private endpoint); empty = the system's.
  std::string ca_file;
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
  Millis token_retry_min{1000};
  Millis token_retry_max{30000};
  // Service Bus settlement (see above): receiver settle mode second, locks kept
  // across detaches and reconnects, settlement by lock token over $management.
  bool service_bus = true;
  // Abandon as modified(delivery-failed) (Service Bus), else as released
  // (brokers without the modified outcome, such as RabbitMQ 3.10, which ends
  // the session on it).
  bool abandon_as_modified = true;
  Millis reconnect_min{100};
  Millis reconnect_max{3000};
  // Delay before re-attaching a receiver the broker refused or closed with an
  // error other than detach-forced.
  Millis link_retry{1000};
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

  // Settles the delivery TOKEN names. kConflict when it is no longer held or
  // (service_bus) the broker says its lock was lost; kUnavailable when the
  // outcome could not be delivered within TIMEOUT (the lock is still held).
  Status Settle(const std::string& token, Outcome outcome, const std::string& reason = {},
                const std::string& description = {}, Millis timeout = Millis(30000));
  // Whether TOKEN is still held by this connection (not settled, not dropped).
  bool Holds(const std::string& token);
  // Renews the lock of TOKEN's message (service_bus only); returns the new
  // expiry. kConflict when the lock is lost.
  Result<WallTime> RenewLock(const std::string& token, Millis timeout);

  // Sends REQUEST to NODE and waits for the response with the same correlation-id.
  Result<proton::message> Request(const std::string& node, proton::message request, Millis timeout);

  // True once connected (and authenticated); waits up to TIMEOUT.
  bool WaitConnected(Millis timeout);
  // Connections opened so far (1 + reconnections).
  int64_t connects() const;
  // CBS tokens the broker accepted so far (one at each connect, then one per refresh).
  int64_t tokens_put() const;

 private:
  std::unique_ptr<ConnectionHandler> handler_;
};

}  // namespace di::queue::sb

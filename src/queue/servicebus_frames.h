// The Azure Service Bus specific parts of the AMQP 1.0 conversation, as pure
// functions over qpid-proton values (no I/O, no clock unless passed in), so the
// frames that no local broker understands can be unit-tested byte for byte:
// - SAS tokens (HMAC-SHA256 over "<url-encoded audience>\n<expiry>") and the
//   claims-based-security put-token request to the "$cbs" node;
// - the "<entity>/$management" requests: renew-lock (lock tokens as AMQP
//   uuids, naming the receiver link they belong to) and its answer, and
//   update-disposition (settlement by lock token when the receiver link is gone);
// - the broker's lock expiry on a received message (x-opt-locked-until) and the
//   outcome the broker settled a delivery with (receiver settle mode second);
// - the scheduled-enqueue message annotation (x-opt-scheduled-enqueue-time);
// - the dead-letter outcome: rejected with error condition
//   com.microsoft:dead-letter and info {DeadLetterReason, DeadLetterErrorDescription}.
// Thread-safe: no shared state.
#pragma once

#include <cstdint>
#include <optional>
#include <proton/binary.hpp>
#include <proton/message.hpp>
#include <proton/uuid.hpp>
#include <string>

#include "common/clock.h"
#include "common/status.h"
#include "queue/queue.h"

struct pn_delivery_t;

namespace di::queue::sb {

inline constexpr const char* kCbsNode = "$cbs";
inline constexpr const char* kScheduledEnqueueTime = "x-opt-scheduled-enqueue-time";
inline constexpr const char* kDeadLetterCondition = "com.microsoft:dead-letter";
inline constexpr const char* kRenewLockOperation = "com.microsoft:renew-lock";
inline constexpr const char* kUpdateDispositionOperation = "com.microsoft:update-disposition";
inline constexpr const char* kLockLostCondition = "com.microsoft:message-lock-lost";
inline constexpr const char* kLockedUntil = "x-opt-locked-until";

// Percent-encoding of every byte outside [A-Za-z0-9-_.~] (upper-case hex).
std::string UrlEncode(const std::string& text);

// "SharedAccessSignature sr=<enc(audience)>&sig=<enc(base64 hmac)>&se=<expiry>&skn=<key_name>".
// KEY is the SharedAccessKey text as configured (Service Bus signs with its
// bytes, not with its base64-decoded value).
std::string SasToken(const std::string& audience, const std::string& key_name, const std::string& key,
                     int64_t expiry_unix_seconds);

// The put-token request: application properties operation=put-token,
// type=servicebus.windows.net:sastoken, name=AUDIENCE; body = TOKEN (string).
proton::message CbsPutToken(const std::string& audience, const std::string& token, const std::string& message_id,
                            const std::string& reply_to);

// The renew-lock request for LOCK_TOKEN on ENTITY's management node: body
// {"lock-tokens": [uuid]}, application properties operation=com.microsoft:renew-lock
// and, when LINK_NAME is not empty, associated-link-name=LINK_NAME (the
// receiver link the message came on: the request counts as that link's
// activity, so a receiver busy with one long message is not force-detached as idle).
proton::message RenewLockRequest(const proton::uuid& lock_token, const std::string& message_id,
                                 const std::string& reply_to, const std::string& link_name = {});

// The new lock expiry in a renew-lock response (body {"expirations": [timestamp]}).
// kCorrupt when there is none.
Result<WallTime> RenewLockExpiration(const proton::message& response);

// How update-disposition settles a message.
enum class DispositionStatus { kCompleted, kAbandoned, kSuspended };

// The update-disposition request: settles LOCK_TOKEN by lock token on the
// entity's management node (what the SDKs do when the receiver link the message
// came on is gone). kSuspended = dead-letter with REASON and DESCRIPTION.
proton::message UpdateDispositionRequest(const proton::uuid& lock_token, DispositionStatus status,
                                         const std::string& reason, const std::string& description,
                                         const std::string& message_id, const std::string& link_name = {});

// The broker's lock expiry of a received message (x-opt-locked-until); nullopt
// when absent (brokers other than Service Bus).
std::optional<WallTime> LockedUntil(const proton::message& received);

// Status of a management or CBS response: ok for status-code 200/202 (the
// "status-code" or "statusCode" application property), kConflict for 410
// (lock lost), kUnauthenticated for 401, kUnavailable otherwise.
Status ManagementResponseStatus(const proton::message& response);

// Service Bus lock tokens are .NET GUIDs whose bytes are the delivery tag in
// little-endian field order; the AMQP uuid wants them big-endian.
// kInvalidArgument when TAG is not 16 bytes.
Result<proton::uuid> LockTokenFromDeliveryTag(const proton::binary& tag);

// The message sent for OUT: message-id = dedup id (or a random one), durable,
// content-type application/json, body = the JSON text as an AMQP string, and
// the scheduled-enqueue annotation when OUT has visible_at.
proton::message ToAmqpMessage(const OutMessage& out);

// Sets DELIVERY's local outcome to modified(delivery-failed=true,
// undeliverable-here=false): Service Bus's abandon (the broker may deliver it
// again, here or elsewhere). proton::delivery::modify() also sets
// undeliverable-here, which brokers read as "never to this consumer again"
// (RabbitMQ drops the message; Service Bus takes it for a deferral). The
// caller settles it (at once, or in receiver settle mode second once the broker has).
void SetAbandoned(pn_delivery_t* delivery);

// Dead-letter outcome details set on the local disposition of DELIVERY before
// it is rejected (the caller then settles it as rejected).
void SetDeadLetterCondition(pn_delivery_t* delivery, const std::string& reason, const std::string& description);

// The outcome the broker settled DELIVERY with, as a status: ok unless the
// broker's state carries an error condition ("<name>: <description>");
// com.microsoft:message-lock-lost (the lock expired or is unknown) is
// kConflict, any other condition kUnavailable.
Status RemoteOutcomeStatus(pn_delivery_t* delivery);

}  // namespace di::queue::sb

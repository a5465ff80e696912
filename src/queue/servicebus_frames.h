// The Azure Service Bus specific parts of the AMQP 1.0 conversation, as pure
// functions over qpid-proton values (no I/O, no clock unless passed in), so the
// frames that no local broker understands can be unit-tested byte for byte:
// - SAS tokens (HMAC-SHA256 over "<url-encoded audience>\n<expiry>") and the
//   claims-based-security put-token request to the "$cbs" node;
// - the lock-renewal request to "<entity>/$management"
//   (operation com.microsoft:renew-lock, lock tokens as AMQP uuids);
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
// {"lock-tokens": [uuid]}, application property operation=com.microsoft:renew-lock.
proton::message RenewLockRequest(const proton::uuid& lock_token, const std::string& message_id,
                                 const std::string& reply_to);

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

// Settles DELIVERY as modified(delivery-failed=true, undeliverable-here=false):
// Service Bus's abandon (the broker may deliver it again, here or elsewhere).
// proton::delivery::modify() also sets undeliverable-here, which brokers read
// as "never to this consumer again" (RabbitMQ drops the message).
void SettleAbandoned(pn_delivery_t* delivery);

// Dead-letter outcome details set on the local disposition of DELIVERY before
// it is rejected (the caller then settles it as rejected).
void SetDeadLetterCondition(pn_delivery_t* delivery, const std::string& reason, const std::string& description);

}  // namespace di::queue::sb

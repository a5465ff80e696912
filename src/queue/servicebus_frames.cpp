#include "queue/servicebus_frames.h"

#include <proton/codec.h>
#include <proton/condition.h>
#include <proton/delivery.h>
#include <proton/disposition.h>

#include <chrono>
#include <map>
#include <proton/annotation_key.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>
#include <proton/timestamp.hpp>
#include <proton/types.hpp>
#include <proton/value.hpp>
#include <vector>

#include "common/codec.h"

namespace di::queue::sb {

std::string UrlEncode(const std::string& text) { return PercentEncode(text); }

std::string SasToken(const std::string& audience, const std::string& key_name, const std::string& key,
                     int64_t expiry_unix_seconds) {
  std::string resource = UrlEncode(audience);
  std::string expiry = std::to_string(expiry_unix_seconds);
  std::string sig = Base64Encode(HmacSha256(key, resource + "\n" + expiry));
  return "SharedAccessSignature sr=" + resource + "&sig=" + UrlEncode(sig) + "&se=" + expiry + "&skn=" + key_name;
}

proton::message CbsPutToken(const std::string& audience, const std::string& token, const std::string& message_id,
                            const std::string& reply_to) {
  proton::message m;
  m.id(message_id);
  m.to(kCbsNode);
  m.reply_to(reply_to);
  m.properties().put("operation", "put-token");
  m.properties().put("type", "servicebus.windows.net:sastoken");
  m.properties().put("name", audience);
  m.body(token);
  return m;
}

proton::message RenewLockRequest(const proton::uuid& lock_token, const std::string& message_id,
                                 const std::string& reply_to) {
  proton::message m;
  m.id(message_id);
  m.reply_to(reply_to);
  m.properties().put("operation", kRenewLockOperation);
  std::map<std::string, std::vector<proton::uuid>> body{{"lock-tokens", {lock_token}}};
  m.body(body);
  return m;
}

Status ManagementResponseStatus(const proton::message& response) {
  int64_t code = -1;
  std::string description;
  for (const char* key : {"status-code", "statusCode"}) {
    if (response.properties().exists(key)) {
      proton::scalar v = response.properties().get(key);
      code = proton::coerce<int64_t>(v);
    }
  }
  for (const char* key : {"status-description", "statusDescription"}) {
    if (response.properties().exists(key)) description = proton::coerce<std::string>(response.properties().get(key));
  }
  if (code == 200 || code == 202) return Status::Ok();
  std::string what = "management request failed: status " + std::to_string(code) +
                     (description.empty() ? "" : " (" + description + ")");
  if (code == 410) return Status(Code::kConflict, what);
  if (code == 401) return Status(Code::kUnauthenticated, what);
  return Status(Code::kUnavailable, what);
}

Result<proton::uuid> LockTokenFromDeliveryTag(const proton::binary& tag) {
  if (tag.size() != 16) return Status(Code::kInvalidArgument, "delivery tag is not a 16-byte lock token");
  static const int kOrder[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
  char bytes[16];
  for (int i = 0; i < 16; ++i) bytes[i] = static_cast<char>(tag[kOrder[i]]);
  return proton::uuid::copy(bytes);
}

proton::message ToAmqpMessage(const OutMessage& out) {
  proton::message m;
  m.id(out.dedup_id ? *out.dedup_id : proton::uuid::random().str());
  m.durable(true);
  m.content_type("application/json");
  m.body(out.body);
  if (out.visible_at) {
    int64_t ms = std::chrono::duration_cast<Millis>(out.visible_at->time_since_epoch()).count();
    m.message_annotations().put(proton::symbol(kScheduledEnqueueTime), proton::timestamp(ms));
  }
  return m;
}

void SettleAbandoned(pn_delivery_t* delivery) {
  pn_disposition_t* local = pn_delivery_local(delivery);
  pn_disposition_set_failed(local, true);
  pn_disposition_set_undeliverable(local, false);
  pn_delivery_update(delivery, PN_MODIFIED);
  pn_delivery_settle(delivery);
}

void SetDeadLetterCondition(pn_delivery_t* delivery, const std::string& reason, const std::string& description) {
  pn_condition_t* cond = pn_disposition_condition(pn_delivery_local(delivery));
  pn_condition_set_name(cond, kDeadLetterCondition);
  pn_condition_set_description(cond, description.c_str());
  pn_data_t* info = pn_condition_info(cond);
  pn_data_clear(info);
  pn_data_put_map(info);
  pn_data_enter(info);
  pn_data_put_symbol(info, pn_bytes(16, "DeadLetterReason"));
  pn_data_put_string(info, pn_bytes(reason.size(), reason.c_str()));
  pn_data_put_symbol(info, pn_bytes(26, "DeadLetterErrorDescription"));
  pn_data_put_string(info, pn_bytes(description.size(), description.c_str()));
  pn_data_exit(info);
}

}  // namespace di::queue::sb

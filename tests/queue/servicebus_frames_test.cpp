// The Service Bus-only parts of the AMQP conversation, checked on the encoded
// messages and dispositions (the conversation itself runs against
// servicebus-sim in servicebus_*_test): SAS token, CBS put-token, renew-lock
// and its answer, update-disposition, lock expiry, scheduled-enqueue
// annotation, lock-token byte order, abandon and dead-letter dispositions, the
// broker's outcome.
#include "queue/servicebus_frames.h"

#include <gtest/gtest.h>
#include <proton/condition.h>
#include <proton/connection.h>
#include <proton/delivery.h>
#include <proton/disposition.h>
#include <proton/link.h>
#include <proton/session.h>

#include <map>
#include <proton/codec/map.hpp>
#include <proton/codec/vector.hpp>
#include <proton/message_id.hpp>
#include <proton/scalar.hpp>
#include <proton/timestamp.hpp>
#include <proton/types.hpp>
#include <proton/value.hpp>
#include <vector>

namespace di::queue::sb {
namespace {

// Encodes and decodes M, as it travels in a transfer frame.
proton::message RoundTrip(const proton::message& m) {
  std::vector<char> bytes;
  m.encode(bytes);
  proton::message out;
  out.decode(bytes);
  return out;
}

std::string Prop(const proton::message& m, const std::string& key) {
  return proton::coerce<std::string>(m.properties().get(key));
}

TEST(ServiceBusFrames, SasTokenSignsUrlEncodedAudienceAndExpiryWithTheKeyText) {
  // Expected values computed with Python's hmac/base64/urllib (independent code).
  std::string token = SasToken("sb://ns.servicebus.windows.net/work-items", "RootManageSharedAccessKey",
                               "c2VjcmV0LWtleQ==", 1700000000);
  EXPECT_EQ(token,
            "SharedAccessSignature sr=sb%3A%2F%2Fns.servicebus.windows.net%2Fwork-items"
            "&sig=A%2FZ7ARrqD5iTta5iUAlTEIDee8XFEwx7pNU7hBjR3cE%3D&se=1700000000&skn=RootManageSharedAccessKey");
}

TEST(ServiceBusFrames, CbsPutTokenCarriesOperationTypeAudienceAndToken) {
  proton::message m = RoundTrip(CbsPutToken("sb://ns/work-items", "SharedAccessSignature sr=x", "req-1", "cbs-reply"));
  EXPECT_EQ(m.to(), "$cbs");
  EXPECT_EQ(m.reply_to(), "cbs-reply");
  EXPECT_EQ(proton::to_string(m.id()), "req-1");
  EXPECT_EQ(Prop(m, "operation"), "put-token");
  EXPECT_EQ(Prop(m, "type"), "servicebus.windows.net:sastoken");
  EXPECT_EQ(Prop(m, "name"), "sb://ns/work-items");
  EXPECT_EQ(m.body().type(), proton::STRING);
  EXPECT_EQ(proton::get<std::string>(m.body()), "SharedAccessSignature sr=x");
}

TEST(ServiceBusFrames, RenewLockRequestListsTheLockTokenAsUuid) {
  const char raw[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  proton::uuid lock = proton::uuid::copy(raw);
  proton::message m = RoundTrip(RenewLockRequest(lock, "req-2", "mgmt-reply"));
  EXPECT_EQ(Prop(m, "operation"), "com.microsoft:renew-lock");
  EXPECT_EQ(m.reply_to(), "mgmt-reply");
  ASSERT_EQ(m.body().type(), proton::MAP);
  std::map<std::string, std::vector<proton::uuid>> body;
  proton::get(m.body(), body);
  ASSERT_EQ(body.count("lock-tokens"), 1u);
  ASSERT_EQ(body["lock-tokens"].size(), 1u);
  EXPECT_EQ(body["lock-tokens"][0], lock);
}

TEST(ServiceBusFrames, RenewLockNamesItsReceiverLinkAndItsAnswerGivesTheNewExpiry) {
  const char raw[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  proton::message m = RoundTrip(RenewLockRequest(proton::uuid::copy(raw), "req-3", "", "receiver-link-1"));
  EXPECT_EQ(Prop(m, "associated-link-name"), "receiver-link-1");
  EXPECT_FALSE(
      RoundTrip(RenewLockRequest(proton::uuid::copy(raw), "req-4", "")).properties().exists("associated-link-name"));
  proton::message answer;
  answer.properties().put("statusCode", 200);
  std::map<std::string, proton::value> body;
  body["expirations"] = std::vector<proton::timestamp>{proton::timestamp(1700000060000)};
  answer.body(body);
  auto until = RenewLockExpiration(RoundTrip(answer));
  ASSERT_TRUE(until.ok()) << until.status().ToString();
  EXPECT_EQ(std::chrono::duration_cast<Millis>(until->time_since_epoch()).count(), 1700000060000);
  EXPECT_EQ(RenewLockExpiration(proton::message()).status().code(), Code::kCorrupt);
}

TEST(ServiceBusFrames, UpdateDispositionSettlesByLockToken) {
  const char raw[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  proton::uuid lock = proton::uuid::copy(raw);
  proton::message m =
      RoundTrip(UpdateDispositionRequest(lock, DispositionStatus::kSuspended, "Poison", "bad body", "req-5", "link-2"));
  EXPECT_EQ(Prop(m, "operation"), "com.microsoft:update-disposition");
  EXPECT_EQ(Prop(m, "associated-link-name"), "link-2");
  std::map<std::string, proton::value> body;
  proton::get(m.body(), body);
  EXPECT_EQ(proton::get<std::string>(body["disposition-status"]), "suspended");
  EXPECT_EQ(proton::get<std::string>(body["deadletter-reason"]), "Poison");
  EXPECT_EQ(proton::get<std::string>(body["deadletter-description"]), "bad body");
  std::vector<proton::uuid> tokens;
  proton::get(body["lock-tokens"], tokens);
  ASSERT_EQ(tokens.size(), 1u);
  EXPECT_EQ(tokens[0], lock);
  std::map<std::string, proton::value> completed;
  proton::get(RoundTrip(UpdateDispositionRequest(lock, DispositionStatus::kCompleted, "", "", "req-6")).body(),
              completed);
  EXPECT_EQ(proton::get<std::string>(completed["disposition-status"]), "completed");
  EXPECT_EQ(completed.count("deadletter-reason"), 0u);
}

TEST(ServiceBusFrames, LockedUntilIsReadFromTheDeliveryAnnotations) {
  proton::message m;
  EXPECT_FALSE(LockedUntil(m).has_value());
  m.message_annotations().put(proton::symbol("x-opt-locked-until"), proton::timestamp(1700000030000));
  auto until = LockedUntil(RoundTrip(m));
  ASSERT_TRUE(until.has_value());
  EXPECT_EQ(std::chrono::duration_cast<Millis>(until->time_since_epoch()).count(), 1700000030000);
}

TEST(ServiceBusFrames, LockTokenIsTheDeliveryTagInGuidByteOrder) {
  // .NET Guid bytes (little-endian first three fields) of 00112233-4455-6677-8899-aabbccddeeff.
  proton::binary tag{0x33, 0x22, 0x11, 0x00, 0x55, 0x44, 0x77, 0x66, 0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff};
  auto lock = LockTokenFromDeliveryTag(tag);
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->str(), "00112233-4455-6677-8899-aabbccddeeff");
  EXPECT_EQ(LockTokenFromDeliveryTag(proton::binary{1, 2, 3}).status().code(), Code::kInvalidArgument);
}

TEST(ServiceBusFrames, ScheduledMessageCarriesEnqueueTimeAnnotationAndDedupId) {
  OutMessage out{"consolidate", R"({"runId":"r1"})", "consolidate:r1", WallTime(Millis(1700000300000))};
  proton::message m = RoundTrip(ToAmqpMessage(out));
  EXPECT_EQ(proton::to_string(m.id()), "consolidate:r1");
  EXPECT_TRUE(m.durable());
  EXPECT_EQ(m.content_type(), "application/json");
  EXPECT_EQ(proton::get<std::string>(m.body()), R"({"runId":"r1"})");
  proton::value when = m.message_annotations().get(proton::symbol("x-opt-scheduled-enqueue-time"));
  ASSERT_EQ(when.type(), proton::TIMESTAMP);
  EXPECT_EQ(proton::get<proton::timestamp>(when).milliseconds(), 1700000300000);

  OutMessage now{"work-items", "{}", std::nullopt, std::nullopt};
  proton::message n = RoundTrip(ToAmqpMessage(now));
  EXPECT_FALSE(n.message_annotations().exists(proton::symbol("x-opt-scheduled-enqueue-time")));
  EXPECT_FALSE(proton::to_string(n.id()).empty()) << "a message without dedup id still gets a message-id";
}

// A delivery on an unconnected link: its local disposition is what the next
// disposition frame would carry.
class LocalDelivery : public ::testing::Test {
 protected:
  void SetUp() override {
    conn_ = pn_connection();
    link_ = pn_receiver(pn_session(conn_), "r");
    delivery_ = pn_delivery(link_, pn_dtag("t", 1));
  }
  void TearDown() override { pn_connection_free(conn_); }
  pn_connection_t* conn_ = nullptr;
  pn_link_t* link_ = nullptr;
  pn_delivery_t* delivery_ = nullptr;
};

TEST_F(LocalDelivery, DeadLetterIsRejectedWithMicrosoftConditionAndReasonInfo) {
  SetDeadLetterCondition(delivery_, "MalformedWorkItem", "missing runId");
  pn_delivery_update(delivery_, PN_REJECTED);
  pn_disposition_t* local = pn_delivery_local(delivery_);
  EXPECT_EQ(pn_disposition_type(local), PN_REJECTED);
  pn_condition_t* cond = pn_disposition_condition(local);
  EXPECT_STREQ(pn_condition_get_name(cond), "com.microsoft:dead-letter");
  EXPECT_STREQ(pn_condition_get_description(cond), "missing runId");
  pn_data_t* data = pn_condition_info(cond);
  pn_data_rewind(data);
  ASSERT_TRUE(pn_data_next(data));
  ASSERT_EQ(pn_data_type(data), PN_MAP);
  std::map<std::string, std::string> fields;
  pn_data_enter(data);
  while (pn_data_next(data)) {
    ASSERT_EQ(pn_data_type(data), PN_SYMBOL);
    pn_bytes_t k = pn_data_get_symbol(data);
    ASSERT_TRUE(pn_data_next(data));
    ASSERT_EQ(pn_data_type(data), PN_STRING);
    pn_bytes_t v = pn_data_get_string(data);
    fields[std::string(k.start, k.size)] = std::string(v.start, v.size);
  }
  EXPECT_EQ(fields["DeadLetterReason"], "MalformedWorkItem");
  EXPECT_EQ(fields["DeadLetterErrorDescription"], "missing runId");
}

TEST_F(LocalDelivery, AbandonIsModifiedDeliveryFailedButNotUndeliverableHere) {
  SetAbandoned(delivery_);
  pn_disposition_t* local = pn_delivery_local(delivery_);
  EXPECT_EQ(pn_disposition_type(local), PN_MODIFIED);
  EXPECT_TRUE(pn_disposition_is_failed(local));
  EXPECT_FALSE(pn_disposition_is_undeliverable(local));
}

TEST_F(LocalDelivery, TheBrokersOutcomeIsReadFromItsDisposition) {
  EXPECT_TRUE(RemoteOutcomeStatus(delivery_).ok()) << "no condition: accepted as asked";
  pn_condition_t* cond = pn_disposition_condition(pn_delivery_remote(delivery_));
  pn_condition_set_name(cond, "com.microsoft:message-lock-lost");
  pn_condition_set_description(cond, "The lock supplied is invalid.");
  Status lost = RemoteOutcomeStatus(delivery_);
  EXPECT_EQ(lost.code(), Code::kConflict);
  EXPECT_NE(lost.message().find("lock supplied is invalid"), std::string::npos) << lost.message();
  pn_condition_set_name(cond, "amqp:internal-error");
  EXPECT_EQ(RemoteOutcomeStatus(delivery_).code(), Code::kUnavailable);
}

TEST(ServiceBusFrames, ManagementStatusCodesMapToStatuses) {
  proton::message ok;
  ok.properties().put("statusCode", 200);
  EXPECT_TRUE(ManagementResponseStatus(ok).ok());
  proton::message lost;
  lost.properties().put("statusCode", 410);
  lost.properties().put("statusDescription", "lock lost");
  EXPECT_EQ(ManagementResponseStatus(lost).code(), Code::kConflict);
  proton::message cbs;
  cbs.properties().put("status-code", 202);
  EXPECT_TRUE(ManagementResponseStatus(cbs).ok());
  proton::message denied;
  denied.properties().put("status-code", 401);
  EXPECT_EQ(ManagementResponseStatus(denied).code(), Code::kUnauthenticated);
}

}  // namespace
}  // namespace di::queue::sb

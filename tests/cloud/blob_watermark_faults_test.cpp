// BlobWatermarkStore over a fake http::HttpTransport: every HTTP status and
// transport failure the blob service can answer maps to the documented Code,
// a lost compare-and-swap (412/409) never overwrites, and a bad key fails
// before any request. Azurite covers the real protocol (blob_watermark_store_test).
#include <gtest/gtest.h>

#include <functional>
#include <mutex>
#include <vector>

#include "cloud/blob_watermark_store.h"
#include "common/codec.h"

namespace di::cloud {
namespace {

// Answers each request from a handler and records it. Thread-safe.
class FakeBlobTransport final : public http::HttpTransport {
 public:
  using Handler = std::function<Result<http::HttpResponse>(const http::HttpRequest&)>;
  explicit FakeBlobTransport(Handler handler) : handler_(std::move(handler)) {}
  Result<http::HttpResponse> Send(const http::HttpRequest& request) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      requests_.push_back(request);
    }
    return handler_(request);
  }
  std::vector<http::HttpRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }

 private:
  Handler handler_;
  mutable std::mutex mu_;
  std::vector<http::HttpRequest> requests_;
};

http::HttpResponse Reply(int status, http::HttpHeaders headers = {}, std::string body = "") {
  return http::HttpResponse{status, std::move(headers), std::move(body)};
}

std::string HeaderOf(const http::HttpRequest& r, const std::string& name) {
  for (const auto& [key, value] : r.headers) {
    if (key == name) return value;
  }
  return "(none)";
}

const BlobAccount kAccount{"acct", Base64Encode("a-secret-key"), "https://acct.blob.core.windows.net/"};
const Watermark kOld{WallTime(Millis(1000)), "run-1", WallTime(Millis(2000))};
const Watermark kNew{WallTime(Millis(5000)), "run-2", WallTime(Millis(6000))};

BlobWatermarkStore StoreOver(std::shared_ptr<http::HttpTransport> transport) {
  return BlobWatermarkStore(kAccount, BlobLocation{}, Millis(3000), &DefaultClock(), std::move(transport));
}

TEST(BlobWatermarkFaults, ReadSendsOneSignedGet) {
  auto fake = std::make_shared<FakeBlobTransport>([](const http::HttpRequest&) {
    return Reply(200, {{"etag", "\"e1\""}}, EncodeWatermark(kOld));
  });
  auto store = StoreOver(fake);
  auto r = store.Read();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(r->has_value());
  EXPECT_EQ((*r)->last_run_id, "run-1");
  ASSERT_EQ(fake->requests().size(), 1u);
  const http::HttpRequest get = fake->requests()[0];
  EXPECT_EQ(get.method, "GET");
  EXPECT_EQ(get.url, "https://acct.blob.core.windows.net/watermarks/nivoda.json");
  EXPECT_EQ(get.timeout, Millis(3000));
  EXPECT_EQ(HeaderOf(get, "Authorization").rfind("SharedKey acct:", 0), 0u);
  EXPECT_EQ(HeaderOf(get, "x-ms-version"), "2021-12-02");
  EXPECT_EQ(HeaderOf(get, "Content-Type"), "(none)");
}

// The status of a failed GET -> the Code Read() returns.
TEST(BlobWatermarkFaults, HttpStatusesMapToCodes) {
  const std::pair<int, Code> table[] = {
      {500, Code::kUnavailable},     {502, Code::kUnavailable}, {504, Code::kUnavailable},
      {503, Code::kRateLimited},     {429, Code::kRateLimited}, {401, Code::kUnauthenticated},
      {403, Code::kUnauthenticated}, {409, Code::kConflict},    {412, Code::kConflict},
      {400, Code::kPermanent},       {405, Code::kPermanent},
  };
  for (const auto& [status, code] : table) {
    auto fake = std::make_shared<FakeBlobTransport>([status = status](const http::HttpRequest&) {
      return Reply(status, {{"x-ms-error-code", "SomeError"}});
    });
    auto r = StoreOver(fake).Read();
    ASSERT_FALSE(r.ok()) << status;
    EXPECT_EQ(r.status().code(), code) << status << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find("HTTP " + std::to_string(status) + " (SomeError)"), std::string::npos)
        << r.status().message();
  }
}

TEST(BlobWatermarkFaults, AbsentBlobIsNoWatermark) {
  auto fake = std::make_shared<FakeBlobTransport>([](const http::HttpRequest&) {
    return Reply(404, {{"x-ms-error-code", "ContainerNotFound"}});
  });
  auto r = StoreOver(fake).Read();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->has_value());
}

TEST(BlobWatermarkFaults, TransportFailureKeepsItsCode) {
  for (Code code : {Code::kUnavailable, Code::kPermanent, Code::kInvalidArgument}) {
    auto fake = std::make_shared<FakeBlobTransport>(
        [code](const http::HttpRequest& r) { return Status(code, r.method + " " + r.url + ": connection reset"); });
    auto store = StoreOver(fake);
    auto r = store.Read();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), code);
    EXPECT_NE(r.status().message().find("blob storage request failed"), std::string::npos) << r.status().message();
    Status s = store.Advance(kNew);
    EXPECT_EQ(s.code(), code);
    EXPECT_EQ(fake->requests().size(), 2u) << "nothing is written after a failed read";
  }
}

// Another writer changed the blob between our read and our write: the
// conditional PUT fails (412, or 409 on create) and we report kConflict.
TEST(BlobWatermarkFaults, LostCompareAndSwapIsConflict) {
  for (int refusal : {412, 409}) {
    auto fake = std::make_shared<FakeBlobTransport>([refusal](const http::HttpRequest& r) {
      if (r.method == "GET") return Reply(200, {{"etag", "\"e1\""}}, EncodeWatermark(kOld));
      return Reply(refusal, {{"x-ms-error-code", "ConditionNotMet"}});
    });
    Status s = StoreOver(fake).Advance(kNew);
    EXPECT_EQ(s.code(), Code::kConflict) << refusal << ": " << s.ToString();
    EXPECT_NE(s.message().find("changed by another writer"), std::string::npos) << s.message();
    ASSERT_EQ(fake->requests().size(), 2u);
    const http::HttpRequest put = fake->requests()[1];
    EXPECT_EQ(put.method, "PUT");
    EXPECT_EQ(HeaderOf(put, "If-Match"), "\"e1\"");
    EXPECT_EQ(HeaderOf(put, "Content-Type"), "application/json");
    EXPECT_EQ(HeaderOf(put, "Content-Length"), std::to_string(put.body.size()));
    EXPECT_EQ(DecodeWatermark(put.body)->last_run_id, "run-2");
  }
}

TEST(BlobWatermarkFaults, ServerErrorOnWriteIsUnavailable) {
  auto fake = std::make_shared<FakeBlobTransport>([](const http::HttpRequest& r) {
    if (r.method == "GET") return Reply(404);
    return Reply(500, {{"x-ms-error-code", "InternalError"}});
  });
  Status s = StoreOver(fake).Advance(kNew);
  EXPECT_EQ(s.code(), Code::kUnavailable) << s.ToString();
  ASSERT_EQ(fake->requests().size(), 2u);
  EXPECT_EQ(HeaderOf(fake->requests()[1], "If-None-Match"), "*");
}

TEST(BlobWatermarkFaults, MissingContainerIsCreatedThenTheBlobWritten) {
  int puts = 0;
  auto fake = std::make_shared<FakeBlobTransport>([&puts](const http::HttpRequest& r) {
    if (r.method == "GET") return Reply(404, {{"x-ms-error-code", "ContainerNotFound"}});
    if (r.url.find("restype=container") != std::string::npos) return Reply(201);
    return ++puts == 1 ? Reply(404, {{"x-ms-error-code", "ContainerNotFound"}}) : Reply(201);
  });
  Status s = StoreOver(fake).Advance(kNew);
  ASSERT_TRUE(s.ok()) << s.ToString();
  auto requests = fake->requests();
  ASSERT_EQ(requests.size(), 4u);
  EXPECT_EQ(requests[2].url, "https://acct.blob.core.windows.net/watermarks?restype=container");
  EXPECT_EQ(requests[2].method, "PUT");
  EXPECT_EQ(requests[2].body, "");
  EXPECT_EQ(HeaderOf(requests[2], "Content-Length"), "0");
  EXPECT_EQ(HeaderOf(requests[2], "Content-Type"), "(none)");
}

TEST(BlobWatermarkFaults, KeyThatIsNotBase64FailsWithoutARequest) {
  auto fake = std::make_shared<FakeBlobTransport>([](const http::HttpRequest&) { return Reply(200); });
  BlobAccount bad = kAccount;
  bad.account_key = "not-base64!";
  BlobWatermarkStore store(bad, BlobLocation{}, Millis(3000), &DefaultClock(), fake);
  auto r = store.Read();
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message().find("not-base64!"), std::string::npos);
  EXPECT_EQ(store.Advance(kNew).code(), Code::kInvalidArgument);
  EXPECT_TRUE(fake->requests().empty());
}

}  // namespace
}  // namespace di::cloud

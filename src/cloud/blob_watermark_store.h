// BlobWatermarkStore: the watermark as an Azure Blob (watermarks/nivoda.json;
// one blob per feed, WatermarkBlobFor), signed with SharedKey, over an
// http::HttpTransport (CurlTransport by default). Read: 404 (blob or container) =
// no watermark. Advance is a compare-and-set on the blob's ETag (If-Match, or
// If-None-Match: * when absent): forward-only (an older value is kConflict, an
// equal one a no-op), and a concurrent writer's change makes the PUT fail as
// kConflict, never a silent overwrite. A blob that is not a watermark document is
// kCorrupt, names the blob and is never overwritten. Transport failures and 5xx
// are kUnavailable (429 and 503 kRateLimited); 401/403 kUnauthenticated; other
// 4xx kPermanent. Details: docs/AZURE.md, "Blob watermark".
//
// Thread-safe: no mutable state; the transport is thread-safe.
// The account key is never logged nor put in a Status message.
#pragma once

#include <memory>
#include <string>

#include "cloud/watermark_store.h"
#include "common/clock.h"
#include "http/http_transport.h"

namespace di::cloud {

// The storage account, as StorageConnectionString gives it (components.cpp maps it).
struct BlobAccount {
  std::string account_name;
  std::string account_key;    // base64 text, as in the connection string (a secret)
  std::string blob_endpoint;  // "https://a.blob.core.windows.net" or "http://127.0.0.1:10000/devstoreaccount1"
};

struct BlobLocation {
  std::string container = "watermarks";
  std::string blob = "nivoda.json";
};

// The watermark blob of FEED: watermarks/nivoda.json for natural (the original
// system's blob), watermarks/nivoda-labgrown.json for labgrown.
BlobLocation WatermarkBlobFor(const std::string& feed);

class BlobWatermarkStore final : public WatermarkStore {
 public:
  // ACCOUNT.blob_endpoint is an http(s) URL; a trailing '/' is ignored. An
  // account_key that is not base64 (ParseStorageConnectionString rejects it)
  // makes every call kInvalidArgument, without a request. TRANSPORT nullptr: a
  // CurlTransport with defaults.
  BlobWatermarkStore(BlobAccount account, BlobLocation location = {}, Millis timeout = Millis(15000),
                     Clock* clock = &DefaultClock(), std::shared_ptr<http::HttpTransport> transport = nullptr);

  Result<std::optional<Watermark>> Read() override;
  Status Advance(const Watermark& next) override;

  // "container/blob", for messages.
  std::string name() const { return location_.container + "/" + location_.blob; }

  // The compare-and-swap primitives Advance() is made of (public for tests and
  // tools). The raw blob and its ETag; nullopt when the blob (or container) is absent.
  struct Snapshot {
    std::string etag;
    std::string body;
  };
  Result<std::optional<Snapshot>> ReadSnapshot();
  // Writes W only if the blob's ETag is still ETAG (If-Match), or, with an
  // empty ETAG, only if the blob does not exist (If-None-Match: *), creating the
  // container when missing. kConflict when the precondition failed.
  Status WriteIfMatch(const Watermark& w, const std::string& etag);

 private:
  struct Call;
  // One signed request to the blob service.
  Result<http::HttpResponse> Perform(const Call& call);
  // PUT BODY with the given precondition header (If-Match / If-None-Match).
  Status Put(const std::string& body, const std::string& condition_header, const std::string& condition_value);
  Status CreateContainer();

  BlobAccount account_;
  Result<std::string> key_;  // the decoded account key (binary), or why there is none
  std::string path_prefix_;  // URL path of the endpoint ("" or "/devstoreaccount1")
  BlobLocation location_;
  Millis timeout_;
  Clock* clock_;
  std::shared_ptr<http::HttpTransport> transport_;
};

}  // namespace di::cloud

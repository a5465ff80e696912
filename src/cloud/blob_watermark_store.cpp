#include "cloud/blob_watermark_store.h"

#include <chrono>
#include <utility>
#include <vector>

#include "cloud/azure_shared_key.h"
#include "common/codec.h"
#include "common/log.h"
#include "http/curl_transport.h"

namespace di::cloud {

BlobLocation WatermarkBlobFor(const std::string& feed) {
  BlobLocation location;
  if (feed != "natural") location.blob = "nivoda-" + feed + ".json";
  return location;
}
namespace {

constexpr const char* kApiVersion = "2021-12-02";

// The URL path part of ENDPOINT ("http://h:1/acct" -> "/acct", "https://h" -> "").
std::string EndpointPath(const std::string& endpoint) {
  auto scheme = endpoint.find("://");
  auto slash = endpoint.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (slash == std::string::npos) return "";
  std::string path = endpoint.substr(slash);
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path;
}

std::string EndpointOrigin(const std::string& endpoint) {
  auto scheme = endpoint.find("://");
  auto slash = endpoint.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  return slash == std::string::npos ? endpoint : endpoint.substr(0, slash);
}

std::string ErrorCode(const http::HttpResponse& r) { return std::string(r.Header("x-ms-error-code").value_or("")); }

Status HttpError(const std::string& what, const http::HttpResponse& r) {
  const std::string code = ErrorCode(r);
  std::string detail = what + ": HTTP " + std::to_string(r.status) + (code.empty() ? "" : " (" + code + ")");
  if (r.status == 401 || r.status == 403) return Status(Code::kUnauthenticated, detail);
  if (r.status == 409 || r.status == 412) return Status(Code::kConflict, detail);
  if (r.status == 429 || r.status == 503) return Status(Code::kRateLimited, detail);
  if (r.status >= 500) return Status(Code::kUnavailable, detail);
  return Status(Code::kPermanent, detail);
}

Result<std::string> DecodeKey(const std::string& account_key) {
  Result<std::string> key = Base64Decode(account_key);
  if (!key.ok()) return Status(Code::kInvalidArgument, "the storage AccountKey is not valid base64");
  return key;
}

}  // namespace

// One signed request. PATH is the resource path below the endpoint ("/c/b").
struct BlobWatermarkStore::Call {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  http::HttpHeaders headers;
  std::string body;
};

BlobWatermarkStore::BlobWatermarkStore(BlobAccount account, BlobLocation location, Millis timeout, Clock* clock,
                                       std::shared_ptr<http::HttpTransport> transport)
    : account_(std::move(account)),
      key_(DecodeKey(account_.account_key)),
      location_(std::move(location)),
      timeout_(timeout),
      clock_(clock),
      transport_(transport ? std::move(transport) : std::make_shared<http::CurlTransport>()) {
  while (!account_.blob_endpoint.empty() && account_.blob_endpoint.back() == '/') account_.blob_endpoint.pop_back();
  path_prefix_ = EndpointPath(account_.blob_endpoint);
  log::AddSecret(account_.account_key);
}

Result<http::HttpResponse> BlobWatermarkStore::Perform(const Call& call) {
  if (!key_.ok()) return key_.status();
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
  http::HttpRequest request{call.method, "", call.headers, call.body, timeout_};
  request.headers.emplace_back("x-ms-date", HttpDate(now));
  request.headers.emplace_back("x-ms-version", kApiVersion);
  if (call.method == "PUT") request.headers.emplace_back("Content-Length", std::to_string(call.body.size()));
  SignedRequest signed_request{call.method, path_prefix_ + call.path, call.query, request.headers};
  request.headers.emplace_back("Authorization", SharedKeyAuthorization(account_.account_name, *key_, signed_request));
  request.url = EndpointOrigin(account_.blob_endpoint) + path_prefix_ + call.path;
  for (size_t i = 0; i < call.query.size(); ++i) {
    request.url += (i ? "&" : "?") + call.query[i].first + "=" + call.query[i].second;
  }
  Result<http::HttpResponse> response = transport_->Send(request);
  if (!response.ok()) {
    return Status(response.status().code(), "blob storage request failed: " + response.status().message());
  }
  return response;
}

Result<std::optional<BlobWatermarkStore::Snapshot>> BlobWatermarkStore::ReadSnapshot() {
  Call call{"GET", "/" + location_.container + "/" + location_.blob, {}, {}, {}};
  DI_ASSIGN_OR_RETURN(http::HttpResponse r, Perform(call));
  if (r.status == 404) return std::optional<Snapshot>();
  if (r.status != 200) return HttpError("reading blob " + name(), r);
  return std::optional<Snapshot>(Snapshot{std::string(r.Header("etag").value_or("")), std::move(r.body)});
}

Result<std::optional<Watermark>> BlobWatermarkStore::Read() {
  DI_ASSIGN_OR_RETURN(std::optional<Snapshot> current, ReadSnapshot());
  if (!current) return std::optional<Watermark>();
  auto w = DecodeWatermark(current->body);
  if (!w.ok()) {
    return Status(Code::kCorrupt, "blob " + name() + " is not a valid watermark (" + w.status().message() +
                                      "); fix or delete it by hand");
  }
  return std::optional<Watermark>(*w);
}

Status BlobWatermarkStore::CreateContainer() {
  Call call{"PUT", "/" + location_.container, {{"restype", "container"}}, {}, {}};
  DI_ASSIGN_OR_RETURN(http::HttpResponse r, Perform(call));
  if (r.status == 201 || (r.status == 409 && ErrorCode(r) == "ContainerAlreadyExists")) {
    if (r.status == 201) log::Info("created blob container", {{"container", location_.container}});
    return Status::Ok();
  }
  return HttpError("creating container " + location_.container, r);
}

Status BlobWatermarkStore::Put(const std::string& body, const std::string& condition_header,
                               const std::string& condition_value) {
  Call call{
      "PUT",
      "/" + location_.container + "/" + location_.blob,
      {},
      {{"Content-Type", "application/json"}, {"x-ms-blob-type", "BlockBlob"}, {condition_header, condition_value}},
      body};
  DI_ASSIGN_OR_RETURN(http::HttpResponse r, Perform(call));
  if (r.status == 404 && ErrorCode(r) == "ContainerNotFound") {
    DI_RETURN_IF_ERROR(CreateContainer());
    DI_ASSIGN_OR_RETURN(r, Perform(call));
  }
  if (r.status == 201) return Status::Ok();
  if (r.status == 409 || r.status == 412) {
    return Status(Code::kConflict, "blob " + name() + " was changed by another writer (HTTP " +
                                       std::to_string(r.status) + (ErrorCode(r).empty() ? "" : " " + ErrorCode(r)) +
                                       "); not overwritten");
  }
  return HttpError("writing blob " + name(), r);
}

Status BlobWatermarkStore::Advance(const Watermark& next) {
  DI_ASSIGN_OR_RETURN(std::optional<Snapshot> current, ReadSnapshot());
  if (!current) return WriteIfMatch(next, "");
  auto stored = DecodeWatermark(current->body);
  if (!stored.ok()) {
    return Status(Code::kCorrupt, "blob " + name() + " is not a valid watermark (" + stored.status().message() +
                                      "); refusing to overwrite it: fix or delete it by hand");
  }
  // The document keeps milliseconds: compare at that precision.
  WallTime wanted = std::chrono::floor<Millis>(next.last_updated_at);
  if (wanted < stored->last_updated_at) {
    return Status(Code::kConflict, "watermark only moves forward: stored " + FormatIso8601(stored->last_updated_at) +
                                       ", refused " + FormatIso8601(next.last_updated_at));
  }
  if (wanted == stored->last_updated_at) return Status::Ok();
  if (current->etag.empty()) return Status(Code::kCorrupt, "blob " + name() + " was returned without an ETag");
  return WriteIfMatch(next, current->etag);
}

Status BlobWatermarkStore::WriteIfMatch(const Watermark& w, const std::string& etag) {
  if (etag.empty()) return Put(EncodeWatermark(w), "If-None-Match", "*");
  return Put(EncodeWatermark(w), "If-Match", etag);
}

}  // namespace di::cloud

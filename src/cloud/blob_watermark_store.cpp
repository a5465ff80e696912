#include "cloud/blob_watermark_store.h"

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <utility>
#include <vector>

#include "cloud/azure_shared_key.h"
#include "common/log.h"
#include "common/codec.h"

namespace di::cloud {
namespace {

constexpr const char* kApiVersion = "2021-12-02";

struct BlobResponse {
  int status = 0;
  std::string body;
  std::string etag;
  std::string error_code;  // x-ms-error-code
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<BlobResponse*>(user);
  std::string line(data, size * n);
  auto colon = line.find(':');
  if (colon != std::string::npos) {
    std::string name = line.substr(0, colon);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    std::string value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.erase(0, 1);
    while (!value.empty() && (value.back() == '\r' || value.back() == '\n' || value.back() == ' ')) value.pop_back();
    if (name == "etag") r->etag = value;
    if (name == "x-ms-error-code") r->error_code = value;
  }
  return size * n;
}

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

Status HttpError(const std::string& what, const BlobResponse& r) {
  std::string detail =
      what + ": HTTP " + std::to_string(r.status) + (r.error_code.empty() ? "" : " (" + r.error_code + ")");
  if (r.status == 401 || r.status == 403) return Status(Code::kUnauthenticated, detail);
  if (r.status == 409 || r.status == 412) return Status(Code::kConflict, detail);
  if (r.status == 429 || r.status == 503) return Status(Code::kRateLimited, detail);
  if (r.status >= 500) return Status(Code::kUnavailable, detail);
  return Status(Code::kPermanent, detail);
}

}  // namespace

BlobWatermarkStore::BlobWatermarkStore(BlobAccount account, BlobLocation location, Millis timeout, Clock* clock)
    : account_(std::move(account)), location_(std::move(location)), timeout_(timeout), clock_(clock) {
  while (!account_.blob_endpoint.empty() && account_.blob_endpoint.back() == '/') account_.blob_endpoint.pop_back();
  if (Result<std::string> key = Base64Decode(account_.account_key); key.ok()) key_ = std::move(*key);
  path_prefix_ = EndpointPath(account_.blob_endpoint);
  log::AddSecret(account_.account_key);
}

namespace {

// One signed request. PATH is the resource path below the endpoint ("/c/b").
struct Call {
  std::string method;
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

}  // namespace

static Result<BlobResponse> Perform(const BlobAccount& account, const std::string& key, const std::string& prefix,
                                    Call call, Millis timeout, Clock* clock) {
  int64_t now = std::chrono::duration_cast<std::chrono::seconds>(clock->Now().time_since_epoch()).count();
  call.headers.emplace_back("x-ms-date", HttpDate(now));
  call.headers.emplace_back("x-ms-version", kApiVersion);
  if (call.method == "PUT") call.headers.emplace_back("Content-Length", std::to_string(call.body.size()));
  SignedRequest signed_request{call.method, prefix + call.path, call.query, call.headers};
  std::string authorization = SharedKeyAuthorization(account.account_name, key, signed_request);

  std::string url = EndpointOrigin(account.blob_endpoint) + prefix + call.path;
  for (size_t i = 0; i < call.query.size(); ++i) {
    url += (i ? "&" : "?") + call.query[i].first + "=" + call.query[i].second;
  }
  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return Status(Code::kInternal, "curl_easy_init failed");
  curl_slist* list = nullptr;
  for (const auto& [n, v] : call.headers) list = curl_slist_append(list, (n + ": " + v).c_str());
  list = curl_slist_append(list, ("Authorization: " + authorization).c_str());
  list = curl_slist_append(list, "Expect:");
  // libcurl adds a form Content-Type to bodies unless told otherwise; it would
  // not be in the signature.
  bool has_type = false;
  for (const auto& [n, v] : call.headers) has_type = has_type || n == "Content-Type";
  if (!has_type) list = curl_slist_append(list, "Content-Type:");
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(list, curl_slist_free_all);
  BlobResponse response;
  CURL* h = curl.get();
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &response);
  if (call.method == "PUT") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, call.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(call.body.size()));
  } else if (call.method != "GET") {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, call.method.c_str());
  }
  CURLcode rc = curl_easy_perform(h);
  if (rc != CURLE_OK) {
    return Status(Code::kUnavailable, std::string("blob storage request failed: ") + curl_easy_strerror(rc));
  }
  long status = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  return response;
}

Result<std::optional<BlobWatermarkStore::Snapshot>> BlobWatermarkStore::ReadSnapshot() {
  Call call{"GET", "/" + location_.container + "/" + location_.blob, {}, {}, {}};
  DI_ASSIGN_OR_RETURN(BlobResponse r, Perform(account_, key_, path_prefix_, call, timeout_, clock_));
  if (r.status == 404) return std::optional<Snapshot>();
  if (r.status != 200) return HttpError("reading blob " + name(), r);
  return std::optional<Snapshot>(Snapshot{r.etag, std::move(r.body)});
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
  DI_ASSIGN_OR_RETURN(BlobResponse r, Perform(account_, key_, path_prefix_, call, timeout_, clock_));
  if (r.status == 201 || (r.status == 409 && r.error_code == "ContainerAlreadyExists")) {
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
  DI_ASSIGN_OR_RETURN(BlobResponse r, Perform(account_, key_, path_prefix_, call, timeout_, clock_));
  if (r.status == 404 && r.error_code == "ContainerNotFound") {
    DI_RETURN_IF_ERROR(CreateContainer());
    DI_ASSIGN_OR_RETURN(r, Perform(account_, key_, path_prefix_, call, timeout_, clock_));
  }
  if (r.status == 201) return Status::Ok();
  if (r.status == 409 || r.status == 412) {
    return Status(Code::kConflict, "blob " + name() + " was changed by another writer (HTTP " +
                                       std::to_string(r.status) + (r.error_code.empty() ? "" : " " + r.error_code) +
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

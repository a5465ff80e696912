#include "http/curl_transport.h"

#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <vector>

#include "common/log.h"
#include "common/strings.h"

namespace di::http {
namespace {

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// Collects the headers of the final response: a new status line (after a 100
// Continue or an informational response) starts over.
size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* headers = static_cast<HttpHeaders*>(user);
  std::string_view line(data, size * n);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();
    return size * n;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) return size * n;
  headers->emplace_back(Lower(line.substr(0, colon)), std::string(Trim(line.substr(colon + 1))));
  return size * n;
}

bool HasHeader(const HttpHeaders& headers, std::string_view name) {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

Status TransportError(CURLcode code, const char* detail, const HttpRequest& request) {
  std::string message = request.method + " " + request.url + ": " + curl_easy_strerror(code);
  if (detail[0] != '\0') message += std::string(" (") + detail + ")";
  switch (code) {
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return Status(Code::kInvalidArgument, message);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
      return Status(Code::kPermanent, message);
    default:
      return Status(Code::kUnavailable, message);
  }
}

}  // namespace

struct CurlTransport::Impl {
  Options options;
  CURLSH* share = nullptr;
  std::mutex share_mu[CURL_LOCK_DATA_LAST];
  std::mutex pool_mu;
  std::vector<CURL*> idle;
  std::atomic<int64_t> connections_opened{0};

  static void Lock(CURL*, curl_lock_data data, curl_lock_access, void* user) {
    static_cast<Impl*>(user)->share_mu[data].lock();
  }
  static void Unlock(CURL*, curl_lock_data data, void* user) { static_cast<Impl*>(user)->share_mu[data].unlock(); }

  CURL* Borrow() {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (!idle.empty()) {
        CURL* handle = idle.back();
        idle.pop_back();
        return handle;
      }
    }
    return curl_easy_init();
  }

  void Return(CURL* handle) {
    {
      std::lock_guard<std::mutex> lock(pool_mu);
      if (static_cast<int>(idle.size()) < options.max_idle_handles) {
        idle.push_back(handle);
        return;
      }
    }
    curl_easy_cleanup(handle);
  }
};

CurlTransport::CurlTransport() : CurlTransport(Options{}) {}

CurlTransport::CurlTransport(Options options) : impl_(std::make_unique<Impl>()) {
  GlobalInitOnce();
  impl_->options = std::move(options);
  impl_->share = curl_share_init();
  curl_share_setopt(impl_->share, CURLSHOPT_LOCKFUNC, &Impl::Lock);
  curl_share_setopt(impl_->share, CURLSHOPT_UNLOCKFUNC, &Impl::Unlock);
  curl_share_setopt(impl_->share, CURLSHOPT_USERDATA, impl_.get());
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
  curl_share_setopt(impl_->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  if (impl_->options.insecure_skip_tls_verify) {
    log::Warn(
        "TLS CERTIFICATE VERIFICATION IS DISABLED for the Nivoda endpoint: "
        "responses can be forged by anyone on the network path",
        {{"component", "nivoda.curl"}});
  }
}

CurlTransport::~CurlTransport() {
  for (CURL* handle : impl_->idle) curl_easy_cleanup(handle);
  curl_share_cleanup(impl_->share);
}

int64_t CurlTransport::connections_opened() const { return impl_->connections_opened.load(); }

Result<HttpResponse> CurlTransport::Send(const HttpRequest& request) {
  CURL* curl = impl_->Borrow();
  if (curl == nullptr) return Status(Code::kInternal, "curl_easy_init failed");
  // Options are reset per request; the handle keeps its connection cache.
  curl_easy_reset(curl);

  const std::string& method = request.method;
  const bool send_body = !request.body.empty() || method == "POST" || method == "PUT";
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : request.headers) {
    header_list = curl_slist_append(header_list, (name + ": " + value).c_str());
  }
  header_list = curl_slist_append(header_list, "Expect:");  // no 100-continue round trip
  // libcurl gives a body a form Content-Type unless told otherwise; a signed
  // request (Azure SharedKey) must send only the headers it signed.
  if (send_body && !HasHeader(request.headers, "Content-Type")) {
    header_list = curl_slist_append(header_list, "Content-Type:");
  }

  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_SHARE, impl_->share);
  if (method == "GET" && !send_body) {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  } else if (method == "HEAD" && !send_body) {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else {
    if (send_body) {
      curl_easy_setopt(curl, CURLOPT_POST, 1L);
      curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));
    }
    if (method != "POST") curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  const Options& o = impl_->options;
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, o.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
  curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, o.accept_encoding.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(request.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(std::min(o.connect_timeout, request.timeout).count()));
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o.insecure_skip_tls_verify ? 0L : 1L);
  curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o.insecure_skip_tls_verify ? 0L : 2L);
  if (!o.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, o.ca_file.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);

  CURLcode code = curl_easy_perform(curl);
  long http_status = 0;
  long new_connections = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &http_status);
  curl_easy_getinfo(curl, CURLINFO_NUM_CONNECTS, &new_connections);
  impl_->connections_opened += new_connections;
  curl_slist_free_all(header_list);
  // Detach the stack buffers before the handle goes back to the pool.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  impl_->Return(curl);

  if (code != CURLE_OK) return TransportError(code, error, request);
  response.status = static_cast<int>(http_status);
  return response;
}

}  // namespace di::http

#include "azurite.h"

#include <curl/curl.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <vector>

#include "cloud/azure_shared_key.h"
#include "common/codec.h"

namespace di::testing {
namespace {

size_t Append(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

// A signed request to Azurite; returns the HTTP status (0 on transport error).
int Request(const std::string& method, const std::string& path, const std::string& query_name,
            const std::string& query_value, std::vector<std::pair<std::string, std::string>> headers,
            const std::string& body, std::string* out) {
  cloud::BlobAccount account = AzuriteAccount();
  const std::string key = Base64Decode(kAzuriteKey).value();
  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  headers.emplace_back("x-ms-date", cloud::HttpDate(now));
  headers.emplace_back("x-ms-version", "2021-12-02");
  if (method == "PUT") headers.emplace_back("Content-Length", std::to_string(body.size()));
  cloud::SignedRequest sr{method, "/" + std::string(kAzuriteAccount) + path, {}, headers};
  if (!query_name.empty()) sr.query.emplace_back(query_name, query_value);
  headers.emplace_back("Authorization", cloud::SharedKeyAuthorization(kAzuriteAccount, key, sr));
  std::string url = account.blob_endpoint + path + (query_name.empty() ? "" : "?" + query_name + "=" + query_value);
  CURL* h = curl_easy_init();
  curl_slist* list = curl_slist_append(nullptr, "Content-Type:");  // no libcurl default
  for (const auto& [n, v] : headers) list = curl_slist_append(list, (n + ": " + v).c_str());
  std::string sink;
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, out ? out : &sink);
  if (method == "PUT") {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  }
  long status = 0;
  if (curl_easy_perform(h) == CURLE_OK) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(list);
  curl_easy_cleanup(h);
  return static_cast<int>(status);
}

}  // namespace

cloud::BlobAccount AzuriteAccount() {
  const char* dir = std::getenv("DI_TEST_SERVERS_DIR");
  std::string port;
  if (dir) std::ifstream(std::string(dir) + "/azurite/port") >> port;
  cloud::BlobAccount a;
  a.account_name = kAzuriteAccount;
  a.account_key = kAzuriteKey;
  if (!port.empty()) a.blob_endpoint = "http://127.0.0.1:" + port + "/" + kAzuriteAccount;
  return a;
}

std::string UniqueContainer() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  static const char* kDigits = "0123456789abcdef";
  std::string name = "wm-";
  for (int i = 0; i < 12; ++i) name += kDigits[rng() % 16];
  return name;
}

int PutRawBlob(const std::string& container, const std::string& blob, const std::string& body) {
  Request("PUT", "/" + container, "restype", "container", {}, "", nullptr);
  return Request("PUT", "/" + container + "/" + blob, "", "", {{"x-ms-blob-type", "BlockBlob"}}, body, nullptr);
}

int GetRawBlob(const std::string& container, const std::string& blob, std::string* body) {
  body->clear();
  return Request("GET", "/" + container + "/" + blob, "", "", {}, "", body);
}

}  // namespace di::testing

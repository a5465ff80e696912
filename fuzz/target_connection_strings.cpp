// FuzzConnectionStrings: every parser of src/config/connection_strings.h, and
// Base64Decode (common/codec.h), on one text.
//
// Invariants when a parser succeeds:
// - Storage: account name and key set, the key decodes, blob_endpoint is an
//   http(s) URL without a trailing '/', raw is the input;
// - Service Bus: host and key name set, the key decodes, EffectivePort in
//   1..65535, and a string rebuilt from the fields parses to the same fields;
// - http(s) URL: scheme http|https, a host, port 1..65535, path empty or
//   starting with / ? #, and the URL rebuilt from the parts parses the same;
// - host:port: port 0..65535 and ToString() parses back to the same address;
// - base64: the decoded size is 3/4 of the text minus the padding;
// - DATABASE_URL: in keyword form the password is as written.
#include <string>
#include <string_view>

#include "common/codec.h"
#include "config/connection_strings.h"
#include "invariant.h"
#include "targets.h"

namespace di::fuzz {
namespace {

constexpr const char* kTarget = "connection_strings";

std::string Bracketed(const std::string& host) { return host.find(':') != std::string::npos ? "[" + host + "]" : host; }

int CheckStorage(std::string_view text) {
  auto s = ParseStorageConnectionString(text);
  if (!s.ok()) return 0;
  DI_FUZZ_CHECK(kTarget, !s->account_name.empty() && !s->account_key.empty(), "storage account or key empty");
  DI_FUZZ_CHECK(kTarget, Base64Decode(s->account_key).ok(), "storage key does not decode");
  DI_FUZZ_CHECK(kTarget, ParseHttpUrl(s->blob_endpoint).ok(), "blob endpoint is not an http(s) URL");
  DI_FUZZ_CHECK(kTarget, s->blob_endpoint.back() != '/', "blob endpoint ends with '/'");
  DI_FUZZ_CHECK(kTarget, s->raw == text, "raw is not the input");
  return 0;
}

int CheckServiceBus(std::string_view text) {
  auto s = ParseServiceBusConnectionString(text);
  if (!s.ok()) return 0;
  DI_FUZZ_CHECK(kTarget, !s->host.empty() && !s->key_name.empty(), "service bus host or key name empty");
  DI_FUZZ_CHECK(kTarget, s->rabbitmq || Base64Decode(s->key).ok(), "service bus key does not decode");
  DI_FUZZ_CHECK(kTarget, s->EffectivePort() >= 1 && s->EffectivePort() <= 65535, "effective port out of range");
  DI_FUZZ_CHECK(kTarget, s->raw == text, "raw is not the input");
  std::string rebuilt = "Endpoint=sb://" + Bracketed(s->host) + (s->port ? ":" + std::to_string(s->port) : "") +
                        "/;SharedAccessKeyName=" + s->key_name + ";SharedAccessKey=" + s->key;
  if (!s->entity_path.empty()) rebuilt += ";EntityPath=" + s->entity_path;
  if (s->use_development_emulator) rebuilt += ";UseDevelopmentEmulator=true";
  if (s->rabbitmq) rebuilt += ";Broker=RabbitMQ";
  auto again = ParseServiceBusConnectionString(rebuilt);
  DI_FUZZ_CHECK(kTarget, again.ok(), "rebuilt service bus string rejected: " + again.status().message());
  DI_FUZZ_CHECK(kTarget,
                again->host == s->host && again->port == s->port && again->key_name == s->key_name &&
                    again->key == s->key && again->entity_path == s->entity_path &&
                    again->use_development_emulator == s->use_development_emulator && again->rabbitmq == s->rabbitmq,
                "rebuilt service bus string parses differently");
  return 0;
}

int CheckHttpUrl(std::string_view text) {
  auto u = ParseHttpUrl(text);
  if (!u.ok()) return 0;
  DI_FUZZ_CHECK(kTarget, u->scheme == "http" || u->scheme == "https", "scheme not http(s)");
  DI_FUZZ_CHECK(kTarget, !u->host.empty(), "URL without a host");
  DI_FUZZ_CHECK(kTarget, u->port >= 1 && u->port <= 65535, "URL port out of range");
  DI_FUZZ_CHECK(kTarget, u->path.empty() || u->path[0] == '/' || u->path[0] == '?' || u->path[0] == '#',
                "path does not start with / ? #");
  const std::string rebuilt = u->scheme + "://" + Bracketed(u->host) + ":" + std::to_string(u->port) + u->path;
  auto again = ParseHttpUrl(rebuilt);
  DI_FUZZ_CHECK(kTarget, again.ok(), "rebuilt URL rejected: " + again.status().message());
  DI_FUZZ_CHECK(
      kTarget, again->scheme == u->scheme && again->host == u->host && again->port == u->port && again->path == u->path,
      "rebuilt URL parses differently");
  return 0;
}

int CheckHostPort(std::string_view text) {
  auto a = ParseHostPort(text);
  if (!a.ok()) return 0;
  DI_FUZZ_CHECK(kTarget, !a->host.empty() && a->port >= 0 && a->port <= 65535, "host:port out of range");
  auto again = ParseHostPort(a->ToString());
  DI_FUZZ_CHECK(kTarget, again.ok(), "ToString() of an address is rejected: " + again.status().message());
  DI_FUZZ_CHECK(kTarget, again->host == a->host && again->port == a->port, "ToString() parses differently");
  return 0;
}

int CheckBase64(std::string_view text) {
  auto b = Base64Decode(text);
  if (!b.ok()) return 0;
  size_t padding = 0;
  while (padding < text.size() && text[text.size() - 1 - padding] == '=') ++padding;
  DI_FUZZ_CHECK(kTarget, text.size() % 4 == 0 && padding <= 2, "base64 accepted with a bad length or padding");
  DI_FUZZ_CHECK(kTarget, b->size() == text.size() / 4 * 3 - padding, "decoded base64 has the wrong size");
  return 0;
}

int CheckDatabaseUrl(std::string_view text) {
  auto d = ParseDatabaseUrl(text);
  if (!d.ok()) return 0;
  if (text.find("://") == std::string_view::npos) {
    DI_FUZZ_CHECK(kTarget, d->password == d->password_encoded, "keyword-form password differs from its text");
  }
  return 0;
}

}  // namespace

int FuzzConnectionStrings(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckStorage(text);
  CheckServiceBus(text);
  CheckHttpUrl(text);
  CheckHostPort(text);
  CheckBase64(text);
  CheckDatabaseUrl(text);
  return 0;
}

}  // namespace di::fuzz

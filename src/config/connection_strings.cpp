#include "config/connection_strings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <span>

#include "common/codec.h"
#include "common/strings.h"

namespace di {
namespace {

Status Invalid(std::string message) { return Status(Code::kInvalidArgument, std::move(message)); }

bool HasSpaceOrControl(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// Parses a decimal port 1..65535 (0 too when allow_zero). False otherwise.
bool ParsePort(std::string_view text, bool allow_zero, int* out) {
  if (text.empty() || text.size() > 5) return false;
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < 0 || value > 65535 || (value == 0 && !allow_zero)) return false;
  *out = value;
  return true;
}

// Splits "host[:port]" or "[v6][:port]". The port text is empty when absent.
Status SplitHostPort(std::string_view authority, std::string* host, std::string_view* port) {
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) return Invalid("unterminated '[' in the host");
    *host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return Invalid("unexpected text after ']'");
    *port = rest.empty() ? rest : rest.substr(1);
    if (host->empty()) return Invalid("empty IPv6 host");
    if (host->find(':') == std::string::npos ||
        host->find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return Invalid("the host in brackets is not an IPv6 address");
    }
    return Status::Ok();
  }
  size_t colon = authority.rfind(':');
  if (colon != std::string_view::npos && authority.find(':') != colon) {
    return Invalid("an IPv6 host must be written in brackets");
  }
  *host = std::string(authority.substr(0, colon));
  *port = colon == std::string_view::npos ? std::string_view() : authority.substr(colon + 1);
  return Status::Ok();
}

// The key=value pairs of a ';'-separated connection string, keys canonicalised
// to the spelling in KNOWN (matched case-insensitively).
Result<std::map<std::string, std::string>> SplitPairs(std::string_view text, std::span<const std::string_view> known) {
  std::map<std::string, std::string> pairs;
  int segment = 0;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view part = Trim(text.substr(start, end - start));
    start = end + 1;
    ++segment;
    if (part.empty()) continue;  // trailing or doubled ';'
    size_t eq = part.find('=');
    if (eq == std::string_view::npos) {
      return Invalid("segment " + std::to_string(segment) + " is not key=value");
    }
    std::string_view key = Trim(part.substr(0, eq));
    std::string_view value = Trim(part.substr(eq + 1));
    auto it = std::find_if(known.begin(), known.end(), [&](std::string_view k) { return EqualsIgnoreCase(k, key); });
    if (it == known.end()) return Invalid("segment " + std::to_string(segment) + " has an unknown key");
    std::string name(*it);
    if (value.empty()) return Invalid(name + " is empty");
    if (!pairs.emplace(name, std::string(value)).second) return Invalid(name + " is given twice");
  }
  if (pairs.empty()) return Invalid("empty connection string");
  return pairs;
}

std::string Take(std::map<std::string, std::string>& pairs, const std::string& key) {
  auto it = pairs.find(key);
  if (it == pairs.end()) return {};
  std::string value = std::move(it->second);
  pairs.erase(it);
  return value;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out.push_back(s[i]);
      continue;
    }
    if (i + 2 >= s.size()) return Invalid("truncated percent escape");
    int hi = HexValue(s[i + 1]);
    int lo = HexValue(s[i + 2]);
    if (hi < 0 || lo < 0) return Invalid("malformed percent escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

constexpr std::string_view kAzuriteAccount = "devstoreaccount1";
constexpr std::string_view kAzuriteKey =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
constexpr std::string_view kAzuriteBlobEndpoint = "http://127.0.0.1:10000/devstoreaccount1";

}  // namespace

std::string HostPort::ToString() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<HttpUrl> ParseHttpUrl(std::string_view text) {
  if (text.empty()) return Invalid("empty URL");
  if (HasSpaceOrControl(text)) return Invalid("URL contains whitespace or control characters");
  size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Invalid("not a URL (expected http://host/... or https://host/...)");
  HttpUrl url;
  url.scheme = Lower(text.substr(0, sep));
  if (url.scheme != "http" && url.scheme != "https") return Invalid("URL scheme must be http or https");
  std::string_view rest = text.substr(sep + 3);
  size_t path_start = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_start);
  if (path_start != std::string_view::npos) url.path = std::string(rest.substr(path_start));
  if (authority.find('@') != std::string_view::npos) return Invalid("URL must not contain user info");
  std::string_view port_text;
  DI_RETURN_IF_ERROR(SplitHostPort(authority, &url.host, &port_text));
  if (url.host.empty()) return Invalid("URL has no host");
  if (port_text.empty()) {
    if (authority.back() == ':') return Invalid("URL has an empty port");
    url.port = url.scheme == "https" ? 443 : 80;
  } else if (!ParsePort(port_text, /*allow_zero=*/false, &url.port)) {
    return Invalid("URL port must be a number in 1..65535");
  }
  return url;
}

Result<HostPort> ParseHostPort(std::string_view text) {
  if (text.empty()) return Invalid("empty address");
  if (HasSpaceOrControl(text)) return Invalid("address contains whitespace or control characters");
  HostPort out;
  std::string_view port_text;
  DI_RETURN_IF_ERROR(SplitHostPort(text, &out.host, &port_text));
  if (out.host.empty()) return Invalid("address has no host (expected host:port)");
  if (port_text.empty()) return Invalid("address has no port (expected host:port)");
  if (!ParsePort(port_text, /*allow_zero=*/true, &out.port)) {
    return Invalid("port must be a number in 0..65535");
  }
  return out;
}

Result<StorageConnectionString> ParseStorageConnectionString(std::string_view text) {
  static constexpr std::array<std::string_view, 10> kKeys = {"DefaultEndpointsProtocol",
                                                             "AccountName",
                                                             "AccountKey",
                                                             "EndpointSuffix",
                                                             "BlobEndpoint",
                                                             "QueueEndpoint",
                                                             "TableEndpoint",
                                                             "FileEndpoint",
                                                             "UseDevelopmentStorage",
                                                             "DevelopmentStorageProxyUri"};
  DI_ASSIGN_OR_RETURN(auto pairs, SplitPairs(Trim(text), kKeys));
  StorageConnectionString out;
  out.raw = std::string(text);
  std::string dev = Take(pairs, "UseDevelopmentStorage");
  if (!dev.empty()) {
    if (!EqualsIgnoreCase(dev, "true")) return Invalid("UseDevelopmentStorage must be true when given");
    if (!pairs.empty()) return Invalid("UseDevelopmentStorage=true cannot be combined with other keys");
    out.development_storage = true;
    out.account_name = std::string(kAzuriteAccount);
    out.account_key = std::string(kAzuriteKey);
    out.blob_endpoint = std::string(kAzuriteBlobEndpoint);
    return out;
  }
  out.account_name = Take(pairs, "AccountName");
  out.account_key = Take(pairs, "AccountKey");
  if (out.account_name.empty()) return Invalid("missing AccountName");
  if (!std::all_of(out.account_name.begin(), out.account_name.end(),
                   [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; })) {
    return Invalid("AccountName must be letters and digits");
  }
  if (out.account_key.empty()) return Invalid("missing AccountKey");
  if (!Base64Decode(out.account_key).ok()) return Invalid("AccountKey is not valid base64");
  std::string protocol = Lower(Take(pairs, "DefaultEndpointsProtocol"));
  if (protocol.empty()) protocol = "https";
  if (protocol != "http" && protocol != "https") return Invalid("DefaultEndpointsProtocol must be http or https");
  std::string suffix = Take(pairs, "EndpointSuffix");
  std::string blob = Take(pairs, "BlobEndpoint");
  if (!blob.empty()) {
    if (!ParseHttpUrl(blob).ok()) return Invalid("BlobEndpoint is not an http(s) URL with a host");
    while (!blob.empty() && blob.back() == '/') blob.pop_back();
    out.blob_endpoint = blob;
  } else {
    if (suffix.empty()) suffix = "core.windows.net";
    if (HasSpaceOrControl(suffix) || suffix.find('/') != std::string::npos) {
      return Invalid("EndpointSuffix is not a host name suffix");
    }
    out.blob_endpoint = protocol + "://" + out.account_name + ".blob." + suffix;
    if (!ParseHttpUrl(out.blob_endpoint).ok()) return Invalid("EndpointSuffix is not a host name suffix");
  }
  for (const auto& [key, value] : pairs) {
    if (key.ends_with("Endpoint") && !ParseHttpUrl(value).ok()) {
      return Invalid(key + " is not an http(s) URL with a host");
    }
  }
  return out;
}

Result<ServiceBusConnectionString> ParseServiceBusConnectionString(std::string_view text) {
  static constexpr std::array<std::string_view, 6> kKeys = {"Endpoint",   "SharedAccessKeyName",    "SharedAccessKey",
                                                            "EntityPath", "UseDevelopmentEmulator", "Broker"};
  DI_ASSIGN_OR_RETURN(auto pairs, SplitPairs(Trim(text), kKeys));
  ServiceBusConnectionString out;
  out.raw = std::string(text);
  std::string endpoint = Take(pairs, "Endpoint");
  if (endpoint.empty()) return Invalid("missing Endpoint");
  if (!EqualsIgnoreCase(std::string_view(endpoint).substr(0, 5), "sb://")) {
    return Invalid("Endpoint must start with sb://");
  }
  std::string_view authority = std::string_view(endpoint).substr(5);
  while (!authority.empty() && authority.back() == '/') authority.remove_suffix(1);
  if (authority.find_first_of("/?#@") != std::string_view::npos || HasSpaceOrControl(authority)) {
    return Invalid("Endpoint must be sb://host/ with no path");
  }
  std::string_view port_text;
  DI_RETURN_IF_ERROR(SplitHostPort(authority, &out.host, &port_text));
  if (out.host.empty()) return Invalid("Endpoint has no host");
  if (!port_text.empty() && !ParsePort(port_text, /*allow_zero=*/false, &out.port)) {
    return Invalid("Endpoint port must be a number in 1..65535");
  }
  std::string broker = Take(pairs, "Broker");
  if (!broker.empty()) {
    if (EqualsIgnoreCase(broker, "rabbitmq"))
      out.rabbitmq = true;
    else if (!EqualsIgnoreCase(broker, "servicebus"))
      return Invalid("Broker must be ServiceBus or RabbitMQ");
  }
  out.key_name = Take(pairs, "SharedAccessKeyName");
  out.key = Take(pairs, "SharedAccessKey");
  if (out.key_name.empty()) return Invalid("missing SharedAccessKeyName");
  if (out.key.empty()) return Invalid("missing SharedAccessKey");
  // A Service Bus key is base64 text (signed as text); for RabbitMQ it is a password.
  if (!out.rabbitmq && !Base64Decode(out.key).ok()) return Invalid("SharedAccessKey is not valid base64");
  out.entity_path = Take(pairs, "EntityPath");
  std::string emulator = Take(pairs, "UseDevelopmentEmulator");
  if (!emulator.empty()) {
    if (EqualsIgnoreCase(emulator, "true"))
      out.use_development_emulator = true;
    else if (!EqualsIgnoreCase(emulator, "false"))
      return Invalid("UseDevelopmentEmulator must be true or false");
  }
  return out;
}

Result<DatabaseUrl> ParseDatabaseUrl(std::string_view text) {
  text = Trim(text);
  if (text.empty()) return Invalid("empty connection string");
  DatabaseUrl out;
  size_t sep = text.find("://");
  if (sep != std::string_view::npos) {
    std::string scheme = Lower(text.substr(0, sep));
    if (scheme != "postgres" && scheme != "postgresql") {
      return Invalid("URL scheme must be postgres or postgresql");
    }
    if (HasSpaceOrControl(text)) return Invalid("URL contains whitespace or control characters");
    std::string_view rest = text.substr(sep + 3);
    std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
    size_t at = authority.rfind('@');
    if (at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      size_t colon = userinfo.find(':');
      if (colon != std::string_view::npos) {
        out.password_encoded = std::string(userinfo.substr(colon + 1));
        DI_ASSIGN_OR_RETURN(out.password, PercentDecode(out.password_encoded));
      }
    }
    DI_ASSIGN_OR_RETURN(std::string decoded_all, PercentDecode(text));
    (void)decoded_all;  // the whole URL must be well-formed
    return out;
  }
  // Keyword form: key = value pairs, values optionally single-quoted.
  size_t i = 0;
  int pair = 0;
  while (true) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    ++pair;
    size_t key_start = i;
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) ++i;
    std::string_view key = text.substr(key_start, i - key_start);
    while (i < text.size() && text[i] == ' ') ++i;
    if (key.empty() || i >= text.size() || text[i] != '=') {
      return Invalid("not a postgres:// URL, and keyword " + std::to_string(pair) + " is not key=value");
    }
    ++i;
    while (i < text.size() && text[i] == ' ') ++i;
    std::string value;
    if (i < text.size() && text[i] == '\'') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        char c = text[i++];
        if (c == '\\' && i < text.size())
          value.push_back(text[i++]);
        else if (c == '\'') {
          closed = true;
          break;
        } else
          value.push_back(c);
      }
      if (!closed) return Invalid("unterminated quote in keyword " + std::to_string(pair));
    } else {
      while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) {
        if (text[i] == '\\' && i + 1 < text.size()) ++i;
        value.push_back(text[i++]);
      }
    }
    if (key == "password") out.password = out.password_encoded = value;
  }
  if (pair == 0) return Invalid("empty connection string");
  return out;
}

}  // namespace di

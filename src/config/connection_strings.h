// Parsers for the connection strings and addresses the configuration accepts:
// Azure Storage and Azure Service Bus connection strings, PostgreSQL URLs,
// http(s) URLs and host:port addresses.
//
// Pure functions: no I/O, no global state, safe to call from any thread.
// Error messages never quote the input (which may hold a key or a password):
// they name the part that is wrong ("missing AccountKey", "segment 3 has no
// '='"), so a caller can print them next to the variable name as they are.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace di {

// An http:// or https:// URL with a host.
struct HttpUrl {
  std::string scheme;  // "http" or "https" (lower case)
  std::string host;    // without brackets for an IPv6 literal
  int port = 0;        // explicit port, or the scheme's default (80/443)
  std::string path;    // "/..." or empty; query and fragment included as given
};
// REQUIRES nothing. Accepts scheme http/https (any case), a non-empty host,
// an optional port 1..65535, an optional path. Rejects user info ("user@host"),
// whitespace and control characters.
Result<HttpUrl> ParseHttpUrl(std::string_view text);

// A listening address "host:port"; "[v6]:port" for IPv6. Port 0 = any free port.
struct HostPort {
  std::string host;
  int port = 0;
  std::string ToString() const;  // "host:port", brackets restored for IPv6
};
Result<HostPort> ParseHostPort(std::string_view text);

// Azure Storage account, from e.g.
//   DefaultEndpointsProtocol=https;AccountName=a;AccountKey=<base64>;EndpointSuffix=core.windows.net
//   AccountName=a;AccountKey=<base64>;BlobEndpoint=http://127.0.0.1:10000/a
//   UseDevelopmentStorage=true   (Azurite's well-known account on 127.0.0.1:10000)
struct StorageConnectionString {
  std::string account_name;
  std::string account_key;    // base64 text as given; Base64Decode (common/codec.h) for the HMAC key
  std::string blob_endpoint;  // e.g. https://a.blob.core.windows.net, no trailing '/'
  bool development_storage = false;
  std::string raw;  // the whole string (a secret)
};
// Keys are matched case-insensitively; unknown keys, duplicates, empty values,
// a non-base64 AccountKey, an AccountName other than letters and digits, or a
// malformed BlobEndpoint (or EndpointSuffix) are errors.
Result<StorageConnectionString> ParseStorageConnectionString(std::string_view text);

// Azure Service Bus namespace, from
//   Endpoint=sb://ns.servicebus.windows.net/;SharedAccessKeyName=n;SharedAccessKey=<base64>[;EntityPath=q]
// plus UseDevelopmentEmulator=true as the SDKs read it (plain AMQP instead of
// TLS, port 5672 unless the Endpoint names one; all else unchanged), and
// Broker=RabbitMQ, a diamond-ingest key no SDK knows: the queues live on a
// RabbitMQ 3.10 broker with rabbitmq_amqp1_0 (plain AMQP on 5672, SASL PLAIN
// with SharedAccessKeyName/SharedAccessKey as user/password, any key text).
struct ServiceBusConnectionString {
  std::string host;         // from Endpoint, without scheme, port or '/'
  int port = 0;             // explicit port from Endpoint, 0 = default (5671, or 5672 for plain AMQP)
  std::string key_name;     // SharedAccessKeyName
  std::string key;          // SharedAccessKey, base64 text as given (RabbitMQ: the password)
  std::string entity_path;  // EntityPath, empty when absent
  bool use_development_emulator = false;
  bool rabbitmq = false;  // Broker=RabbitMQ
  std::string raw;        // the whole string (a secret)
  // The port to connect to: explicit, else 5671 (TLS) or 5672 (plain AMQP).
  int EffectivePort() const { return port != 0 ? port : (use_development_emulator || rabbitmq ? 5672 : 5671); }
};
Result<ServiceBusConnectionString> ParseServiceBusConnectionString(std::string_view text);

// A PostgreSQL connection string as libpq accepts it: a URI
// (postgres:// or postgresql://) or "key=value ..." keywords.
struct DatabaseUrl {
  std::string password;          // decoded; empty when none is given
  std::string password_encoded;  // as written in a URI (percent-encoded), else == password
};
// Checks the shape only (scheme, keyword syntax, percent escapes); libpq
// validates the rest when connecting.
Result<DatabaseUrl> ParseDatabaseUrl(std::string_view text);

}  // namespace di

// Azure Storage SharedKey request signing (Blob service, version 2009-09-19+).
//
// Pure functions: no I/O, no clock, no global state; safe from any thread.
// The caller supplies every header it will send (including x-ms-date and
// x-ms-version), the URL path exactly as it goes on the wire and the query
// parameters; SharedKeyAuthorization returns the value of the Authorization
// header ("SharedKey <account>:<base64 HMAC-SHA256>").
//
// Path-style endpoints (Azurite, "http://127.0.0.1:10000/devstoreaccount1")
// carry the account in the URL path, so the canonical resource names it twice:
// "/devstoreaccount1/devstoreaccount1/<container>/<blob>".
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace di::cloud {

struct SignedRequest {
  std::string method;  // "GET", "PUT", "HEAD", ...
  std::string path;    // URL path as sent, e.g. "/devstoreaccount1/watermarks/nivoda.json"
  std::vector<std::pair<std::string, std::string>> query;    // decoded name/value pairs
  std::vector<std::pair<std::string, std::string>> headers;  // name/value as sent (any case)
};

// The string to sign: the verb, the eleven standard headers (Content-Length
// blank when 0), the canonicalized x-ms-* headers (lower-case names, sorted,
// values trimmed with inner whitespace folded) and the canonicalized resource
// ("/" + ACCOUNT + path, then "\nname:v1,v2" per query name, lower-case, sorted).
std::string SharedKeyStringToSign(std::string_view account, const SignedRequest& request);

// "SharedKey ACCOUNT:SIGNATURE", the signature being base64(HMAC-SHA256 under
// KEY of the string to sign). KEY is the decoded (binary) account key.
std::string SharedKeyAuthorization(std::string_view account, std::string_view key, const SignedRequest& request);

// RFC 1123 date for x-ms-date, e.g. "Sun, 06 Nov 1994 08:49:37 GMT", from
// seconds since the Unix epoch.
std::string HttpDate(int64_t unix_seconds);

}  // namespace di::cloud

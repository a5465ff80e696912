// Codecs and message authentication for the cloud protocols: standard base64
// (RFC 4648 section 4, with padding), percent-encoding (RFC 3986) and
// HMAC-SHA256 (OpenSSL). SHA-256 itself is in common/sha256.h.
//
// Pure functions; safe from any thread. Errors never quote the input (which is
// usually a key).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace di {

// Base64 of DATA with padding; "" for "".
std::string Base64Encode(std::string_view data);
// The bytes TEXT encodes; "" for "". kInvalidArgument on a character outside
// A-Z a-z 0-9 + /, padding other than one or two trailing '=', or a length
// that is not a multiple of 4 (whitespace is not skipped).
Result<std::string> Base64Decode(std::string_view text);

// TEXT with every byte but the unreserved ones (A-Z a-z 0-9 - _ . ~) written
// as %XX (upper-case hex): a URL component, e.g. a socket directory as the
// host of a PostgreSQL URL ("/run/x" -> "%2Frun%2Fx").
std::string PercentEncode(std::string_view text);

// Raw 32-byte HMAC-SHA256 of DATA under KEY.
std::string HmacSha256(std::string_view key, std::string_view data);

}  // namespace di

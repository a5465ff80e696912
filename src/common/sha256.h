// SHA-256 and HMAC-SHA256 (OpenSSL), hex and base64 helpers. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace di {

// Lower-case hex SHA-256 of DATA (64 characters).
std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256 of DATA under KEY.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string Base64Encode(std::string_view data);
// Returns false when TEXT is not valid base64.
bool Base64Decode(std::string_view text, std::string* out);

}  // namespace di

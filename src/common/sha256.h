// SHA-256 (OpenSSL) as lower-case hex: the payload hash of raw offers.
// HMAC and base64 are in common/codec.h. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace di {

// Lower-case hex SHA-256 of DATA (64 characters).
std::string Sha256Hex(std::string_view data);

}  // namespace di

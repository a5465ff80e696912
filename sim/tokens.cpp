#include "sim/tokens.h"

#include <algorithm>
#include <random>

#include "sim/rng.h"

namespace di::sim {
namespace {

int64_t WallMs(const Clock* clock) {
  return std::chrono::duration_cast<Millis>(clock->Now().time_since_epoch()).count();
}

}  // namespace

TokenStore::TokenStore(std::string username, std::string password, int64_t ttl_ms, const Clock* clock)
    : username_(std::move(username)), password_(std::move(password)), ttl_ms_(ttl_ms), clock_(clock) {
  std::random_device rd;
  salt_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

Result<std::string> TokenStore::Authenticate(const std::string& username, const std::string& password) {
  if (username != username_ || password != password_) {
    return Status(Code::kUnauthenticated, "Invalid username or password");
  }
  std::lock_guard lock(mu_);
  static const char* kHex = "0123456789abcdef";
  std::string token = "sim.";
  for (int word = 0; word < 3; ++word) {
    uint64_t h = HashOf(salt_, ++counter_, static_cast<uint64_t>(word));
    for (int i = 0; i < 16; ++i) token.push_back(kHex[(h >> (4 * i)) & 0xf]);
  }
  expiry_ms_[token] = WallMs(clock_) + ttl_ms_;
  ++issued_;
  return token;
}

TokenStore::Check TokenStore::Validate(const std::string& token) const {
  if (token.empty()) return Check::kMissing;
  std::lock_guard lock(mu_);
  auto it = expiry_ms_.find(token);
  if (it == expiry_ms_.end()) return Check::kInvalid;
  return WallMs(clock_) >= it->second ? Check::kExpired : Check::kValid;
}

std::vector<std::string> TokenStore::Tokens() const {
  std::lock_guard lock(mu_);
  std::vector<std::string> out;
  for (const auto& [token, expiry] : expiry_ms_) out.push_back(token);
  std::sort(out.begin(), out.end());
  return out;
}

int64_t TokenStore::RevokeAll() {
  std::lock_guard lock(mu_);
  int64_t now = WallMs(clock_);
  int64_t live = 0;
  for (const auto& [token, expiry] : expiry_ms_) live += expiry > now ? 1 : 0;
  expiry_ms_.clear();
  return live;
}

int64_t TokenStore::issued() const {
  std::lock_guard lock(mu_);
  return issued_;
}

}  // namespace di::sim

// TokenStore: the account's credentials and the tokens issued for them, each
// with an expiry. Tokens can be revoked (admin). Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace di::sim {

class TokenStore {
 public:
  // REQUIRES: clock outlives the store.
  TokenStore(std::string username, std::string password, int64_t ttl_ms, const Clock* clock);

  // A new token valid for ttl_ms, or kUnauthenticated for wrong credentials.
  Result<std::string> Authenticate(const std::string& username, const std::string& password);

  enum class Check { kValid, kMissing, kInvalid, kExpired };
  Check Validate(const std::string& token) const;

  // Forgets every token; returns how many were live.
  int64_t RevokeAll();
  // Every token issued and not revoked (expired ones too), sorted.
  std::vector<std::string> Tokens() const;
  int64_t issued() const;

 private:
  const std::string username_;
  const std::string password_;
  const int64_t ttl_ms_;
  const Clock* clock_;
  mutable std::mutex mu_;
  std::unordered_map<std::string, int64_t> expiry_ms_;  // token -> wall ms
  uint64_t counter_ = 0;
  uint64_t salt_;
  int64_t issued_ = 0;
};

}  // namespace di::sim

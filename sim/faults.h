// Fault injection: which fault (if any) a request suffers, drawn from
// per-kind probabilities. Pure: the caller supplies the random draw.
#pragma once

#include <cstdint>
#include <string_view>

#include "sim/rng.h"

namespace di::sim {

enum class Fault { kNone, kHttp500, kHttp502, kHttp503, kHang, kReset, kMalformed, kGraphqlError };

struct FaultConfig {
  double http500 = 0;
  double http502 = 0;
  double http503 = 0;
  double hang = 0;           // hold the request for hang_ms, then answer 504
  double reset = 0;          // close the TCP connection with RST, no response
  double malformed = 0;      // HTTP 200 with a truncated JSON body
  double graphql_error = 0;  // HTTP 200 with a transient GraphQL error
  int64_t hang_ms = 120'000;
  bool any() const { return http500 + http502 + http503 + hang + reset + malformed + graphql_error > 0; }
};

// Draws one fault: kinds are tried in declaration order, each with its own
// probability (so the probabilities add up; their sum should stay <= 1).
Fault DrawFault(const FaultConfig& config, Rng& rng);
std::string_view FaultName(Fault fault);

// Latency model: base * exp(jitter * N(0,1)) + offset / 1000 * per_1k_offset,
// capped at max_ms. The median of the first term is base_ms.
struct LatencyModel {
  int64_t base_ms = 0;
  double per_1k_offset_ms = 0;
  double jitter = 0;
  int64_t max_ms = 60'000;
  bool enabled() const { return base_ms > 0 || per_1k_offset_ms > 0; }
  int64_t DelayMs(int64_t offset, Rng& rng) const;
};

}  // namespace di::sim

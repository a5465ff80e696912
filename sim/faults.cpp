#include "sim/faults.h"

#include <algorithm>
#include <cmath>

namespace di::sim {

Fault DrawFault(const FaultConfig& c, Rng& rng) {
  if (!c.any()) return Fault::kNone;
  double x = rng.Uniform();
  const std::pair<double, Fault> kinds[] = {{c.http500, Fault::kHttp500},
                                            {c.http502, Fault::kHttp502},
                                            {c.http503, Fault::kHttp503},
                                            {c.hang, Fault::kHang},
                                            {c.reset, Fault::kReset},
                                            {c.malformed, Fault::kMalformed},
                                            {c.graphql_error, Fault::kGraphqlError}};
  for (const auto& [p, fault] : kinds) {
    if (x < p) return fault;
    x -= p;
  }
  return Fault::kNone;
}

std::string_view FaultName(Fault fault) {
  switch (fault) {
    case Fault::kNone:
      return "none";
    case Fault::kHttp500:
      return "http_500";
    case Fault::kHttp502:
      return "http_502";
    case Fault::kHttp503:
      return "http_503";
    case Fault::kHang:
      return "hang";
    case Fault::kReset:
      return "reset";
    case Fault::kMalformed:
      return "malformed_json";
    case Fault::kGraphqlError:
      return "graphql_error";
  }
  return "?";
}

int64_t LatencyModel::DelayMs(int64_t offset, Rng& rng) const {
  if (!enabled()) return 0;
  double base = static_cast<double>(base_ms) * std::exp(jitter * rng.Normal());
  double total = base + static_cast<double>(std::max<int64_t>(offset, 0)) / 1000.0 * per_1k_offset_ms;
  return std::min<int64_t>(max_ms, static_cast<int64_t>(total));
}

}  // namespace di::sim

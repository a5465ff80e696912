#include "common/status.h"

namespace di {

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kConflict:
      return "conflict";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kRateLimited:
      return "rate_limited";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermanent:
      return "permanent";
    case Code::kCorrupt:
      return "corrupt";
    case Code::kCancelled:
      return "cancelled";
    case Code::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string out = CodeName(code_);
  out += ": ";
  out += message_;
  if (!sqlstate_.empty()) out += " (SQLSTATE " + sqlstate_ + ")";
  return out;
}

}  // namespace di

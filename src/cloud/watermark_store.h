// WatermarkStore: where the last successful sync's position is kept.
//
// The watermark only moves forward: Advance() refuses a last_updated_at older
// than the stored one (kConflict), and accepts an equal one as a no-op so a
// re-run consolidation is idempotent. Backends: PostgreSQL (embedded default)
// and Azure Blob Storage (watermarks/nivoda.json). Implementations are
// thread-safe.
#pragma once

#include <optional>
#include <string>

#include "common/clock.h"
#include "common/status.h"

namespace di::cloud {

struct Watermark {
  WallTime last_updated_at{};
  std::string last_run_id;
  WallTime last_run_completed_at{};
};

class WatermarkStore {
 public:
  virtual ~WatermarkStore() = default;
  // nullopt when no watermark exists yet (first run is full).
  virtual Result<std::optional<Watermark>> Read() = 0;
  virtual Status Advance(const Watermark& next) = 0;
};

// {"lastUpdatedAt": ..., "lastRunId": ..., "lastRunCompletedAt": ...}
std::string EncodeWatermark(const Watermark& w);
// kCorrupt with a reason when TEXT is not a valid watermark document.
Result<Watermark> DecodeWatermark(const std::string& text);

}  // namespace di::cloud

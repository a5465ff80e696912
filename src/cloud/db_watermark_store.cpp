#include "cloud/db_watermark_store.h"

namespace di::cloud {
namespace {

constexpr const char* kRead =
    "SELECT extract(epoch FROM last_updated_at) * 1000, last_run_id,"
    "       extract(epoch FROM last_run_completed_at) * 1000"
    " FROM watermarks WHERE feed = $1";
// Inserts, or moves forward; an older last_updated_at updates nothing.
constexpr const char* kAdvance =
    "INSERT INTO watermarks AS w (feed, last_updated_at, last_run_id, last_run_completed_at)"
    " VALUES ($1, $2::timestamptz, $3, $4::timestamptz)"
    " ON CONFLICT (feed) DO UPDATE SET last_updated_at = EXCLUDED.last_updated_at,"
    "   last_run_id = EXCLUDED.last_run_id, last_run_completed_at = EXCLUDED.last_run_completed_at,"
    "   version = w.version + 1"
    " WHERE w.last_updated_at < EXCLUDED.last_updated_at";

WallTime FromMs(double ms) { return WallTime(Millis(static_cast<int64_t>(ms))); }

}  // namespace

Result<std::optional<Watermark>> DbWatermarkStore::Read() {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(auto r, conn->Exec(kRead, {pg::P(feed_)}));
  if (r.rows() == 0) return std::optional<Watermark>();
  return std::optional<Watermark>(Watermark{FromMs(r.GetDouble(0, 0)), r.GetString(0, 1), FromMs(r.GetDouble(0, 2))});
}

Status DbWatermarkStore::Advance(const Watermark& next) {
  DI_ASSIGN_OR_RETURN(auto conn, pool_->Acquire());
  DI_ASSIGN_OR_RETURN(
      auto r, conn->Exec(kAdvance, {pg::P(feed_), pg::P(FormatIso8601(next.last_updated_at)), pg::P(next.last_run_id),
                                    pg::P(FormatIso8601(next.last_run_completed_at))}));
  if (r.Affected() == 1) return Status::Ok();
  DI_ASSIGN_OR_RETURN(auto current, Read());
  if (current && current->last_updated_at == next.last_updated_at) return Status::Ok();  // idempotent re-run
  return Status(Code::kConflict, "watermark would move backwards (stored " +
                                     FormatIso8601(current ? current->last_updated_at : WallTime{}) + ", offered " +
                                     FormatIso8601(next.last_updated_at) + ")");
}

}  // namespace di::cloud

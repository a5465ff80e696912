#include "cloud/watermark_store.h"

#include <nlohmann/json.hpp>

namespace di::cloud {

std::string EncodeWatermark(const Watermark& w) {
  return nlohmann::json({{"lastUpdatedAt", FormatIso8601(w.last_updated_at)},
                         {"lastRunId", w.last_run_id},
                         {"lastRunCompletedAt", FormatIso8601(w.last_run_completed_at)}})
      .dump();
}

Result<Watermark> DecodeWatermark(const std::string& text) {
  auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return Status(Code::kCorrupt, "watermark is not a JSON object");
  Watermark w;
  auto time = [&](const char* key, WallTime* out) -> Status {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string() || !ParseIso8601(it->get<std::string>(), out)) {
      return Status(Code::kCorrupt, std::string("watermark field ") + key + " is missing or not an ISO-8601 time");
    }
    return Status::Ok();
  };
  DI_RETURN_IF_ERROR(time("lastUpdatedAt", &w.last_updated_at));
  DI_RETURN_IF_ERROR(time("lastRunCompletedAt", &w.last_run_completed_at));
  auto id = doc.find("lastRunId");
  if (id == doc.end() || !id->is_string()) return Status(Code::kCorrupt, "watermark field lastRunId is missing");
  w.last_run_id = id->get<std::string>();
  return w;
}

}  // namespace di::cloud

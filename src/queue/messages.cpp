#include "queue/messages.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "common/clock.h"

namespace di::queue {
namespace {

using nlohmann::json;

Status Invalid(const std::string& why) { return Status(Code::kInvalidArgument, why); }

Result<json> ParseObject(std::string_view text) {
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Invalid("body is not valid JSON");
  if (!doc.is_object()) return Invalid("body is not a JSON object");
  return doc;
}

Status RequireString(const json& doc, const char* key, std::string* out, bool optional = false) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    return optional ? Status::Ok() : Invalid(std::string("missing field ") + key);
  }
  if (!it->is_string()) return Invalid(std::string("field ") + key + " must be a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status RequireInt(const json& doc, const char* key, std::optional<int64_t>* out, bool optional = false) {
  auto it = doc.find(key);
  if (it == doc.end() || it->is_null()) {
    return optional ? Status::Ok() : Invalid(std::string("missing field ") + key);
  }
  if (!it->is_number_integer()) return Invalid(std::string("field ") + key + " must be an integer");
  if (it->is_number_unsigned() && it->get<uint64_t>() > static_cast<uint64_t>(INT64_MAX)) {
    return Invalid(std::string("field ") + key + " is out of range");  // would wrap to a negative int64
  }
  *out = it->get<int64_t>();
  return Status::Ok();
}

Status RequireTime(const json& doc, const char* key, std::optional<std::string>* out, bool optional) {
  std::string text;
  DI_RETURN_IF_ERROR(RequireString(doc, key, &text, optional));
  if (text.empty() && optional) return Status::Ok();
  WallTime t;
  if (!ParseIso8601(text, &t)) return Invalid(std::string("field ") + key + " is not an ISO-8601 time");
  *out = text;
  return Status::Ok();
}

Status ValidRunId(const std::string& run_id) {
  if (run_id.empty() || run_id.size() > 100) return Invalid("runId must have 1 to 100 characters");
  for (char c : run_id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' || c == '.')) {
      return Invalid("runId has a character outside [A-Za-z0-9-_:.]");
    }
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeWorkItem(const WorkItem& w) {
  json doc = {{"runId", w.run_id},
              {"partitionId", w.partition_id},
              {"feed", w.feed},
              {"priceMin", w.price_min},
              {"priceMax", w.price_max ? json(*w.price_max) : json(nullptr)},
              {"expectedRecords", w.expected_records},
              {"isIncremental", w.is_incremental},
              {"watermarkBefore", w.watermark_before ? json(*w.watermark_before) : json(nullptr)},
              {"updatedFrom", w.updated_from ? json(*w.updated_from) : json(nullptr)},
              {"updatedTo", w.updated_to}};
  if (w.sweep) {
    doc["sweep"] = true;
    doc["force"] = w.force;
  }
  return doc.dump();
}

Result<WorkItem> DecodeWorkItem(std::string_view text) {
  DI_ASSIGN_OR_RETURN(json doc, ParseObject(text));
  WorkItem w;
  std::optional<int64_t> partition, price_min, expected;
  DI_RETURN_IF_ERROR(RequireString(doc, "runId", &w.run_id));
  DI_RETURN_IF_ERROR(ValidRunId(w.run_id));
  DI_RETURN_IF_ERROR(RequireInt(doc, "partitionId", &partition));
  DI_RETURN_IF_ERROR(RequireString(doc, "feed", &w.feed, /*optional=*/true));
  DI_RETURN_IF_ERROR(RequireInt(doc, "priceMin", &price_min));
  DI_RETURN_IF_ERROR(RequireInt(doc, "priceMax", &w.price_max, /*optional=*/true));
  DI_RETURN_IF_ERROR(RequireInt(doc, "expectedRecords", &expected, /*optional=*/true));
  auto inc = doc.find("isIncremental");
  if (inc != doc.end() && !inc->is_null()) {
    if (!inc->is_boolean()) return Invalid("field isIncremental must be a boolean");
    w.is_incremental = inc->get<bool>();
  }
  DI_RETURN_IF_ERROR(RequireTime(doc, "watermarkBefore", &w.watermark_before, true));
  DI_RETURN_IF_ERROR(RequireTime(doc, "updatedFrom", &w.updated_from, true));
  std::optional<std::string> updated_to;
  DI_RETURN_IF_ERROR(RequireTime(doc, "updatedTo", &updated_to, false));
  w.updated_to = *updated_to;

  for (const char* flag : {"sweep", "force"}) {
    auto it = doc.find(flag);
    if (it != doc.end() && !it->is_null()) {
      if (!it->is_boolean()) return Invalid(std::string("field ") + flag + " must be a boolean");
      (std::string(flag) == "sweep" ? w.sweep : w.force) = it->get<bool>();
    }
  }
  if (w.sweep ? *partition != kSweepPartition : (*partition < 0 || *partition > 100000)) {
    return Invalid("partitionId out of range");
  }
  w.partition_id = static_cast<int>(*partition);
  if (w.feed != "natural" && w.feed != "labgrown") return Invalid("feed must be natural or labgrown");
  if (*price_min < 0) return Invalid("priceMin must not be negative");
  w.price_min = *price_min;
  if (w.price_max && *w.price_max < w.price_min) return Invalid("priceMax is below priceMin (inverted range)");
  w.expected_records = expected.value_or(0);
  if (w.expected_records < 0) return Invalid("expectedRecords must not be negative");
  if (w.is_incremental && !w.updated_from) return Invalid("incremental work item without updatedFrom");
  return w;
}

std::string EncodeConsolidate(const ConsolidateRequest& r) {
  return json({{"runId", r.run_id}, {"force", r.force}}).dump();
}

Result<ConsolidateRequest> DecodeConsolidate(std::string_view text) {
  DI_ASSIGN_OR_RETURN(json doc, ParseObject(text));
  ConsolidateRequest r;
  DI_RETURN_IF_ERROR(RequireString(doc, "runId", &r.run_id));
  DI_RETURN_IF_ERROR(ValidRunId(r.run_id));
  auto force = doc.find("force");
  if (force != doc.end() && !force->is_null()) {
    if (!force->is_boolean()) return Invalid("field force must be a boolean");
    r.force = force->get<bool>();
  }
  return r;
}

std::string WorkItemDedupId(const std::string& run_id, int partition_id, int publication) {
  return run_id + ":p" + std::to_string(partition_id) + ":" + std::to_string(publication);
}

std::string SweepDedupId(const std::string& run_id, int failed_partitions) {
  return run_id + ":sweep:" + std::to_string(failed_partitions);
}

std::string ConsolidateDedupId(const std::string& run_id, bool force) {
  return run_id + (force ? ":consolidate-forced" : ":consolidate");
}

}  // namespace di::queue

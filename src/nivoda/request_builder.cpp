#include "nivoda/request_builder.h"

#include <nlohmann/json.hpp>

#include "nivoda/queries.h"

namespace di::nivoda {
namespace {

using nlohmann::json;

json RangeJson(const DollarRange& r) {
  json out = {{"from", r.from}};
  if (r.to) out["to"] = *r.to;
  return out;
}

Result<json> QueryObject(const DiamondQuery& q) {
  DI_RETURN_IF_ERROR(q.Validate());
  json out = json::object();
  if (q.dollar_value) out["dollar_value"] = RangeJson(*q.dollar_value);
  if (q.dollar_per_carat) out["dollar_per_carat"] = RangeJson(*q.dollar_per_carat);
  if (q.updated) {
    json updated = json::object();
    if (q.updated->from) updated["from"] = *q.updated->from;
    if (q.updated->to) updated["to"] = *q.updated->to;
    out["updated"] = std::move(updated);
  }
  if (q.labgrown) out["labgrown"] = *q.labgrown;
  if (!q.shapes.empty()) out["shapes"] = q.shapes;
  if (q.sizes) {
    json sizes = {{"from", q.sizes->from}};
    if (q.sizes->to) sizes["to"] = *q.sizes->to;
    out["sizes"] = std::move(sizes);
  }
  if (!q.availability.empty()) out["availability"] = q.availability;
  if (q.has_image) out["has_image"] = *q.has_image;
  if (q.has_v360) out["has_v360"] = *q.has_v360;
  if (q.exclude_fair_poor_cuts) out["excludeFairPoorCuts"] = *q.exclude_fair_poor_cuts;
  if (q.hide_memo) out["hide_memo"] = *q.hide_memo;
  return out;
}

std::string Body(std::string_view query, json variables) {
  json body = {{"query", query}, {"variables", std::move(variables)}};
  return body.dump();
}

}  // namespace

std::string BuildAuthenticateBody(const std::string& username, const std::string& password) {
  return Body(kAuthenticateQuery, {{"username", username}, {"password", password}});
}

Result<std::string> DiamondQueryJson(const DiamondQuery& query) {
  DI_ASSIGN_OR_RETURN(json object, QueryObject(query));
  return object.dump();
}

Result<std::string> BuildCountBody(const std::string& token, const DiamondQuery& query) {
  DI_ASSIGN_OR_RETURN(json object, QueryObject(query));
  return Body(kCountQuery, {{"token", token}, {"query", std::move(object)}});
}

Result<std::string> BuildPageBody(const std::string& token, const DiamondQuery& query, int64_t offset, int limit,
                                  const Order& order, bool with_count) {
  if (offset < 0) return Status(Code::kInvalidArgument, "page offset is negative");
  if (limit < 1 || limit > kMaxPageLimit) {
    return Status(Code::kInvalidArgument,
                  "page limit " + std::to_string(limit) + " outside 1.." + std::to_string(kMaxPageLimit));
  }
  DI_RETURN_IF_ERROR(order.Validate());
  DI_ASSIGN_OR_RETURN(json object, QueryObject(query));
  json variables = {{"token", token},
                    {"query", std::move(object)},
                    {"offset", offset},
                    {"limit", limit},
                    {"order", {{"type", order.type}, {"direction", DirectionName(order.direction)}}}};
  return Body(with_count ? kPageCountQuery : kPageQuery, std::move(variables));
}

}  // namespace di::nivoda

#include "nivoda/diamond_query.h"

#include <array>
#include <string_view>

#include "common/clock.h"

namespace di::nivoda {
namespace {

Status CheckDollars(const char* name, const DollarRange& r) {
  if (r.from < 0) return Status(Code::kInvalidArgument, std::string(name) + ".from is negative");
  if (r.to && *r.to < r.from) {
    return Status(Code::kInvalidArgument, std::string(name) + " range is inverted: from " + std::to_string(r.from) +
                                              " > to " + std::to_string(*r.to));
  }
  return Status::Ok();
}

}  // namespace

Status DiamondQuery::Validate() const {
  if (dollar_value) DI_RETURN_IF_ERROR(CheckDollars("dollar_value", *dollar_value));
  if (dollar_per_carat) DI_RETURN_IF_ERROR(CheckDollars("dollar_per_carat", *dollar_per_carat));
  if (sizes) {
    if (!(sizes->from >= 0)) return Status(Code::kInvalidArgument, "sizes.from is negative");
    if (sizes->to && !(*sizes->to >= sizes->from)) {
      return Status(Code::kInvalidArgument, "sizes range is inverted");
    }
  }
  if (updated) {
    if (!updated->from && !updated->to) return Status(Code::kInvalidArgument, "updated has neither from nor to");
    WallTime from, to;
    if (updated->from && !ParseIso8601(*updated->from, &from)) {
      return Status(Code::kInvalidArgument, "updated.from is not ISO-8601: " + *updated->from);
    }
    if (updated->to && !ParseIso8601(*updated->to, &to)) {
      return Status(Code::kInvalidArgument, "updated.to is not ISO-8601: " + *updated->to);
    }
    if (updated->from && updated->to && to < from) {
      return Status(Code::kInvalidArgument, "updated range is inverted: " + *updated->from + " > " + *updated->to);
    }
  }
  return Status::Ok();
}

Status Order::Validate() const {
  static constexpr std::array<std::string_view, 11> kTypes = {
      "createdAt", "price", "discount", "color",           "clarity", "cut",
      "size",      "none",  "insert",   "price_per_carat", "popular"};
  for (std::string_view t : kTypes) {
    if (t == type) return Status::Ok();
  }
  return Status(Code::kInvalidArgument, "unknown DiamondOrder type: " + type);
}

const char* DirectionName(Direction direction) { return direction == Direction::kAsc ? "ASC" : "DESC"; }

}  // namespace di::nivoda

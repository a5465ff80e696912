#include "sim/diamond_query.h"

#include <cmath>

#include "common/clock.h"
#include "sim/catalog.h"

namespace di::sim {
namespace {

using gql::Value;

const char* const kQueryFields[] = {
    "dollar_value", "dollar_per_carat",    "updated",  "labgrown", "shapes", "sizes", "has_image", "has_v360",
    "availability", "excludeFairPoorCuts", "hide_memo"};

Status CheckObject(const Value& v, bool from_vars, const std::string& name, const std::string& type,
                   std::initializer_list<const char*> allowed) {
  if (v.kind != Value::Kind::kObject) return InvalidValue(name, type, v);
  for (const auto& [key, unused] : v.fields) {
    bool known = false;
    for (const char* a : allowed) known = known || key == a;
    if (!known) {
      return Status(Code::kInvalidArgument, "Field \"" + key + "\" is not defined by type \"" + type + "\"" +
                                                (from_vars ? " (in variables)." : "."));
    }
  }
  return Status::Ok();
}

Bounds MakeBounds(std::optional<int64_t> from, std::optional<int64_t> to) {
  Bounds b;
  if (from) b.lo = *from;
  if (to) b.hi = *to;
  b.ignored = from && to && *from > *to;
  return b;
}

// {from: Int, to: Int} in whole dollars, compared with the price as a decimal
// (NIVODA.md): from*100 <= cents <= to*100, so an offer at $1999.50 is in
// neither {to: 1999} nor {from: 2000}: adjacent ranges must share a dollar.
Result<std::optional<Bounds>> DollarRange(const Value* v, bool from_vars, const Inputs& in, const std::string& name) {
  if (v == nullptr) return std::optional<Bounds>();
  DI_ASSIGN_OR_RETURN(auto r, in.Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<Bounds>();
  DI_RETURN_IF_ERROR(CheckObject(*r.value, r.from_variables, name, "IntRange", {"from", "to"}));
  DI_ASSIGN_OR_RETURN(auto from, in.Int(r.value->Find("from"), r.from_variables, name + ".from"));
  DI_ASSIGN_OR_RETURN(auto to, in.Int(r.value->Find("to"), r.from_variables, name + ".to"));
  Bounds b = MakeBounds(from, to);
  if (from) b.lo = *from * 100;
  if (to) b.hi = *to * 100;
  return std::optional<Bounds>(b);
}

Result<std::optional<Bounds>> SizeRange(const Value* v, bool from_vars, const Inputs& in) {
  if (v == nullptr) return std::optional<Bounds>();
  DI_ASSIGN_OR_RETURN(auto r, in.Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<Bounds>();
  DI_RETURN_IF_ERROR(CheckObject(*r.value, r.from_variables, "query.sizes", "FloatRange", {"from", "to"}));
  DI_ASSIGN_OR_RETURN(auto from, in.Float(r.value->Find("from"), r.from_variables, "query.sizes.from"));
  DI_ASSIGN_OR_RETURN(auto to, in.Float(r.value->Find("to"), r.from_variables, "query.sizes.to"));
  std::optional<int64_t> lo, hi;
  if (from) lo = std::llround(*from * 100);
  if (to) hi = std::llround(*to * 100);
  return std::optional<Bounds>(MakeBounds(lo, hi));
}

Result<std::optional<Bounds>> TimeRange(const Value* v, bool from_vars, const Inputs& in) {
  if (v == nullptr) return std::optional<Bounds>();
  DI_ASSIGN_OR_RETURN(auto r, in.Resolve(*v, from_vars));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) return std::optional<Bounds>();
  DI_RETURN_IF_ERROR(CheckObject(*r.value, r.from_variables, "query.updated", "DateTimeRange", {"from", "to"}));
  std::optional<int64_t> ends[2];
  const char* names[2] = {"from", "to"};
  for (int i = 0; i < 2; ++i) {
    std::string name = std::string("query.updated.") + names[i];
    DI_ASSIGN_OR_RETURN(auto text, in.String(r.value->Find(names[i]), r.from_variables, name));
    if (!text) continue;
    WallTime t;
    if (!ParseIso8601(*text, &t)) {
      return Status(Code::kInvalidArgument,
                    "Argument \"" + name + "\" has invalid value \"" + *text + "\": expected an ISO-8601 date-time.");
    }
    ends[i] = std::chrono::duration_cast<Millis>(t.time_since_epoch()).count();
  }
  return std::optional<Bounds>(MakeBounds(ends[0], ends[1]));
}

template <size_t N>
std::vector<int> ToIndexes(const std::vector<std::string>& names, const catalog::Entry (&table)[N]) {
  std::vector<int> out;
  for (const auto& name : names) {
    auto idx = catalog::Find(table, N, name);
    out.push_back(idx ? *idx : -1);
  }
  return out;
}

bool InList(const std::vector<int>& list, int value) {
  for (int v : list) {
    if (v == value) return true;
  }
  return false;
}

}  // namespace

bool DiamondQuery::Matches(const Offer& o) const {
  if (labgrown && *labgrown != o.labgrown()) return false;
  if (price_cents && !price_cents->Contains(o.price_cents)) return false;
  if (ppc_cents && !ppc_cents->Contains(o.ppc_cents)) return false;
  if (updated_ms && !updated_ms->Contains(o.updated_at_ms)) return false;
  if (carat_hundredths && !carat_hundredths->Contains(o.carat_hundredths)) return false;
  if (has_image && *has_image != o.has_image()) return false;
  if (has_v360 && *has_v360 != o.has_v360()) return false;
  if (exclude_fair_poor_cuts && (o.cut == catalog::kCutFair || o.cut == catalog::kCutPoor)) return false;
  if (hide_memo && o.availability == catalog::kAvailabilityMemo) return false;
  if (has_shapes && !InList(shapes, o.shape)) return false;
  if (has_availability && !InList(availability, o.availability)) return false;
  return true;
}

bool DiamondQuery::PriceOnly() const {
  return !ppc_cents && !updated_ms && !carat_hundredths && !has_image && !has_v360 && !exclude_fair_poor_cuts &&
         !hide_memo && !has_shapes && !has_availability;
}

Result<DiamondQuery> CoerceDiamondQuery(const Value* value, const Inputs& in) {
  if (value == nullptr) {
    return Status(Code::kInvalidArgument,
                  "Field argument \"query\" of type \"DiamondQuery!\" is required, but it was not provided.");
  }
  DI_ASSIGN_OR_RETURN(auto r, in.Resolve(*value, false));
  if (r.value == nullptr || r.value->kind == Value::Kind::kNull) {
    return Status(Code::kInvalidArgument, "Argument \"query\" of non-null type \"DiamondQuery!\" must not be null.");
  }
  const Value& v = *r.value;
  bool fv = r.from_variables;
  if (v.kind != Value::Kind::kObject) return InvalidValue("query", "DiamondQuery", v);
  for (const auto& [key, unused] : v.fields) {
    bool known = false;
    for (const char* f : kQueryFields) known = known || key == f;
    if (!known) return Status(Code::kInvalidArgument, "Field \"" + key + "\" is not defined by type \"DiamondQuery\".");
  }
  DiamondQuery q;
  DI_ASSIGN_OR_RETURN(q.price_cents, DollarRange(v.Find("dollar_value"), fv, in, "query.dollar_value"));
  DI_ASSIGN_OR_RETURN(q.ppc_cents, DollarRange(v.Find("dollar_per_carat"), fv, in, "query.dollar_per_carat"));
  DI_ASSIGN_OR_RETURN(q.updated_ms, TimeRange(v.Find("updated"), fv, in));
  DI_ASSIGN_OR_RETURN(q.carat_hundredths, SizeRange(v.Find("sizes"), fv, in));
  DI_ASSIGN_OR_RETURN(q.labgrown, in.Bool(v.Find("labgrown"), fv, "query.labgrown"));
  DI_ASSIGN_OR_RETURN(q.has_image, in.Bool(v.Find("has_image"), fv, "query.has_image"));
  DI_ASSIGN_OR_RETURN(q.has_v360, in.Bool(v.Find("has_v360"), fv, "query.has_v360"));
  DI_ASSIGN_OR_RETURN(auto excl, in.Bool(v.Find("excludeFairPoorCuts"), fv, "query.excludeFairPoorCuts"));
  q.exclude_fair_poor_cuts = excl.value_or(false);
  DI_ASSIGN_OR_RETURN(auto memo, in.Bool(v.Find("hide_memo"), fv, "query.hide_memo"));
  q.hide_memo = memo.value_or(false);
  DI_ASSIGN_OR_RETURN(auto shapes, in.StringList(v.Find("shapes"), fv, "query.shapes"));
  if (shapes && !shapes->empty()) {
    q.has_shapes = true;
    q.shapes = ToIndexes(*shapes, catalog::kShapes);
  }
  DI_ASSIGN_OR_RETURN(auto avail, in.StringList(v.Find("availability"), fv, "query.availability"));
  if (avail && !avail->empty()) {
    q.has_availability = true;
    q.availability = ToIndexes(*avail, catalog::kAvailability);
  }
  return q;
}

}  // namespace di::sim

#include "sim/order.h"

namespace di::sim {

const std::vector<std::string>& OrderTypeNames() {
  static const std::vector<std::string> kNames = {"createdAt", "price", "discount", "color",           "clarity", "cut",
                                                  "size",      "none",  "insert",   "price_per_carat", "popular"};
  return kNames;
}

int64_t OrderKey(OrderType type, const Offer& o) {
  switch (type) {
    case OrderType::kCreatedAt:
      return o.created_at_ms / 1000;
    case OrderType::kPrice:
      return o.price_cents;
    case OrderType::kDiscount:
      return o.discount_bp;
    case OrderType::kColor:
      return o.color;
    case OrderType::kClarity:
      return o.clarity;
    case OrderType::kCut:
      return o.cut;
    case OrderType::kSize:
      return o.carat_hundredths;
    case OrderType::kNone:
      return 0;
    case OrderType::kInsert:
      return o.insert_seq;
    case OrderType::kPricePerCarat:
      return o.ppc_cents;
    case OrderType::kPopular:
      return o.popularity;
  }
  return 0;
}

bool ParseInsertOrder(const std::string& text, InsertOrder* out) {
  if (text == "unique")
    *out = InsertOrder::kUnique;
  else if (text == "ties")
    *out = InsertOrder::kTies;
  else if (text == "rejected")
    *out = InsertOrder::kRejected;
  else
    return false;
  return true;
}

Result<Order> CoerceOrder(const gql::Value* value, const Inputs& in, InsertOrder insert) {
  Order order;
  if (value == nullptr) return order;
  DI_ASSIGN_OR_RETURN(auto r, in.Resolve(*value, false));
  if (r.value == nullptr || r.value->kind == gql::Value::Kind::kNull) return order;
  const gql::Value& v = *r.value;
  if (v.kind != gql::Value::Kind::kObject) return InvalidValue("order", "DiamondOrder", v);
  for (const auto& [key, unused] : v.fields) {
    if (key != "type" && key != "direction") {
      return Status(Code::kInvalidArgument, "Field \"" + key + "\" is not defined by type \"DiamondOrder\".");
    }
  }
  std::vector<std::string> names = OrderTypeNames();
  if (insert == InsertOrder::kRejected) std::erase(names, std::string("insert"));
  DI_ASSIGN_OR_RETURN(auto type, in.Enum(v.Find("type"), r.from_variables, "order.type", names));
  DI_ASSIGN_OR_RETURN(auto dir, in.Enum(v.Find("direction"), r.from_variables, "order.direction", {"ASC", "DESC"}));
  if (type) {
    const auto& all = OrderTypeNames();
    for (size_t i = 0; i < all.size(); ++i) {
      if (all[i] == *type) order.type = static_cast<OrderType>(i);
    }
    if (order.type == OrderType::kInsert && insert == InsertOrder::kTies) order.type = OrderType::kCreatedAt;
  }
  order.descending = dir && *dir == "DESC";
  return order;
}

}  // namespace di::sim

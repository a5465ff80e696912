// DiamondOrder: the sort of a page request and the primary key it sorts on.
// Equal keys have no tiebreaker in the real service; the inventory breaks ties
// with a hash salted per call, so their order differs between calls. Pure.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "sim/inputs.h"
#include "sim/offer.h"

namespace di::sim {

enum class OrderType {
  kCreatedAt,
  kPrice,
  kDiscount,
  kColor,
  kClarity,
  kCut,
  kSize,
  kNone,
  kInsert,
  kPricePerCarat,
  kPopular
};

struct Order {
  OrderType type = OrderType::kNone;
  bool descending = false;
};

// What the `insert` order is (--insert-order): a unique insertion sequence; a
// key with ties like createdAt (whole seconds, reshuffled on every call); or an
// unknown enum value (a validation error, as a real API answers one).
enum class InsertOrder { kUnique, kTies, kRejected };
// "unique" / "ties" / "rejected" -> the mode; false for anything else.
bool ParseInsertOrder(const std::string& text, InsertOrder* out);

// GraphQL names of DiamondOrderType, in the enum's order.
const std::vector<std::string>& OrderTypeNames();

// The primary sort key of OFFER (ascending). createdAt sorts by whole seconds;
// color, clarity and cut by grade, best first (a missing cut sorts last).
int64_t OrderKey(OrderType type, const Offer& offer);

// Coerces `order: DiamondOrder` (absent or null: OrderType::kNone, ASC). With
// InsertOrder::kRejected, `insert` is not a value of the enum; with kTies it
// sorts as createdAt.
Result<Order> CoerceOrder(const gql::Value* value, const Inputs& inputs, InsertOrder insert = InsertOrder::kUnique);

}  // namespace di::sim

// Writes the JSON object of one offer for a compiled selection. The values of
// fields that are not stored in Offer are derived from (seed, stone, payload
// version), so the same offer always serialises to the same bytes. Stateless;
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/item_content.h"
#include "sim/item_fields.h"
#include "sim/offer.h"

namespace di::sim {

// One field of a selection set, resolved against the schema.
struct SelectedField {
  std::string key;  // response key: the alias, or the field name
  FieldId id;
  ObjType child;   // type of an object field, kNone for leaves
  ObjType parent;  // the type this field belongs to (for __typename)
  std::vector<SelectedField> children;
};

// Appends the JSON object `{...}` for OFFER with FIELDS (a selection on Item);
// CONTENT makes some stones bad or hostile (see item_content.h).
void WriteItem(std::string* out, const Offer& offer, uint64_t seed, const std::vector<SelectedField>& fields,
               const ItemContent& content = {});

// The stable stone id served as diamond.id (a UUID-shaped string).
std::string StoneId(uint64_t seed, uint32_t stone);
// The offer id served as item id.
std::string OfferId(uint64_t offer_key);
// ISO-8601 UTC with milliseconds, e.g. 2026-02-12T19:01:13.001Z (fast path).
void AppendIso8601(std::string* out, int64_t epoch_ms);

}  // namespace di::sim

// Mapping: one raw Nivoda item (the JSON text stored in
// raw_diamonds_nivoda.payload) to a typed DiamondRow. The rules, field by
// field, are in src/consolidate/README.md and each has a fixture in
// tests/fixtures/mapping/.
//
// Required: diamond.id (a non-empty string or an integer), price (a positive
// whole number of cents: an integer, an integral float or a string of digits),
// certificate.carats > 0 and certificate.shape. Anything else may be null or
// malformed: it maps to NULL (or `unavailable` for availability).
//
// Pure function; thread-safe (each thread parses with its own parser).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "consolidate/diamond_row.h"

namespace di::consolidate {

struct RawOffer {
  std::string_view feed;          // natural | labgrown: decides lab_grown
  std::string_view run_id;        // the last run that saw the stone
  std::string_view payload;       // the item's JSON text
  std::string_view payload_hash;  // SHA-256 of PAYLOAD, kept on the row
};

// The row, or kInvalidArgument whose message is the reason the offer cannot
// be mapped (fit for consolidation_failures.reason), e.g. "missing diamond.id",
// "price is not a whole number of cents: 1999.5", "carats must be > 0: 0".
Result<DiamondRow> MapOffer(const RawOffer& raw);

}  // namespace di::consolidate

// Offer: the compact stored form of one simulated offer (about 72 bytes).
// Only what filters, orders and the dump need is stored; every other field of
// the served JSON is derived deterministically from (seed, stone, payload
// version) when an item is written (see item_fields.h). Plain value type.
#pragma once

#include <cstdint>

namespace di::sim {

enum OfferFlag : uint8_t {
  kLabgrown = 1,
  kHasImage = 2,
  kHasV360 = 4,
  kRemoved = 8,  // tombstone: the offer was withdrawn by churn
};

struct Offer {
  uint64_t offer_key = 0;     // served as the offer id; new value on every change
  int64_t price_cents = 0;    // `price`; what dollar_value filters and price orders use
  int64_t ppc_cents = 0;      // floor(price_cents * 100 / carat_hundredths)
  int64_t updated_at_ms = 0;  // epoch ms; what the `updated` filter matches
  int64_t created_at_ms = 0;  // epoch ms; ORDER createdAt uses whole seconds
  uint32_t stone = 0;         // stable stone number (diamond.id is derived from it)
  uint32_t payload_version = 0;
  uint32_t insert_seq = 0;  // ORDER insert
  uint16_t carat_hundredths = 0;
  int16_t discount_bp = 0;  // `discount` in hundredths of a percent (-3550 = -35.5)
  uint16_t popularity = 0;  // ORDER popular (few distinct values: many ties)
  uint8_t shape = 0, color = 0, clarity = 0, cut = 0, availability = 0, lab = 0;
  uint8_t flags = 0;

  bool labgrown() const { return flags & kLabgrown; }
  bool removed() const { return flags & kRemoved; }
  bool has_image() const { return flags & kHasImage; }
  bool has_v360() const { return flags & kHasV360; }
};

// Price per carat in cents for a price and a weight. REQUIRES: carat_hundredths > 0.
inline int64_t PricePerCaratCents(int64_t price_cents, uint16_t carat_hundredths) {
  return price_cents * 100 / carat_hundredths;
}

}  // namespace di::sim

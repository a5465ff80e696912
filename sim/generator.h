// OfferGenerator: creates and mutates offers deterministically. A new stone's
// offer depends only on (seed, stone number, feed), so the same flags give the
// same inventory whatever the generation order. Mutations (reprice, payload
// change) draw from a caller-supplied Rng. Immutable; thread-safe.
#pragma once

#include <cstdint>

#include "sim/density.h"
#include "sim/item_content.h"
#include "sim/offer.h"
#include "sim/rng.h"

namespace di::sim {

struct GeneratorOptions {
  uint64_t seed = 1;
  int64_t as_of_ms = 0;                 // initial updated_at values lie in the year before this
  double labgrown_price_factor = 0.12;  // lab-grown total price = natural draw * factor (min $30)
  ItemContent content;                  // bad / hostile stones (tests)
};

class OfferGenerator {
 public:
  // REQUIRES: sampler outlives the generator.
  OfferGenerator(GeneratorOptions options, const PriceSampler* sampler);

  // The initial offer of STONE. insert_seq is the ORDER insert key.
  Offer Initial(uint32_t stone, bool labgrown, uint32_t insert_seq) const;
  // A stone listed by churn at NOW_MS (created and updated then).
  Offer Added(uint32_t stone, bool labgrown, uint32_t insert_seq, int64_t now_ms) const;
  // New price: half the time a small move (a few percent), otherwise a fresh
  // draw from the density (usually moving the offer to another price band).
  void Reprice(Offer* offer, Rng& rng, int64_t now_ms) const;
  // New payload: derived fields change (payload_version), sometimes availability
  // and the image flag too.
  void ChangePayload(Offer* offer, Rng& rng, int64_t now_ms) const;

  uint64_t seed() const { return options_.seed; }
  const ItemContent& content() const { return options_.content; }

 private:
  Offer Build(uint32_t stone, bool labgrown, uint32_t insert_seq, Rng& rng) const;
  int64_t DrawPrice(bool labgrown, Rng& rng) const;
  void SetPrice(Offer* offer, int64_t price_cents) const;

  GeneratorOptions options_;
  const PriceSampler* sampler_;
};

}  // namespace di::sim

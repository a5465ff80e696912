#include "sim/generator.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "sim/catalog.h"

namespace di::sim {
namespace {

constexpr int64_t kDayMs = 86'400'000;

template <size_t N>
uint8_t Pick(const catalog::Entry (&table)[N], Rng& rng) {
  double total = 0;
  for (const auto& e : table) total += e.weight;
  double x = rng.Uniform() * total;
  for (size_t i = 0; i < N; ++i) {
    x -= table[i].weight;
    if (x < 0) return static_cast<uint8_t>(i);
  }
  return static_cast<uint8_t>(N - 1);
}

uint16_t ClampCarats(double carats) { return static_cast<uint16_t>(std::clamp(std::lround(carats * 100), 18L, 3000L)); }

}  // namespace

OfferGenerator::OfferGenerator(GeneratorOptions options, const PriceSampler* sampler)
    : options_(options), sampler_(sampler) {}

int64_t OfferGenerator::DrawPrice(bool labgrown, Rng& rng) const {
  int64_t cents = sampler_->SampleCents(rng);
  if (!labgrown) return cents;
  int64_t scaled = static_cast<int64_t>(static_cast<double>(cents) * options_.labgrown_price_factor);
  return std::max<int64_t>(3000 + rng.Range(0, 99), scaled);
}

void OfferGenerator::SetPrice(Offer* offer, int64_t price_cents) const {
  offer->price_cents = price_cents;
  offer->ppc_cents = PricePerCaratCents(price_cents, offer->carat_hundredths);
}

Offer OfferGenerator::Build(uint32_t stone, bool labgrown, uint32_t insert_seq, Rng& rng) const {
  Offer o;
  o.stone = stone;
  o.insert_seq = insert_seq;
  o.offer_key = rng.Next() | 1;
  o.flags = static_cast<uint8_t>((labgrown ? kLabgrown : 0) | (rng.Chance(0.85) ? kHasImage : 0) |
                                 (rng.Chance(0.6) ? kHasV360 : 0));
  int64_t price = DrawPrice(labgrown, rng);
  double dollars = static_cast<double>(price) / 100.0;
  // Carats consistent with price: natural price grows roughly with carats^2;
  // lab-grown stones cost $100-$600 per carat.
  double carats = labgrown ? dollars / std::exp(std::log(100.0) + rng.Uniform() * std::log(6.0))
                           : std::sqrt(dollars / 4000.0) * std::exp(0.25 * rng.Normal());
  o.carat_hundredths = ClampCarats(carats);
  SetPrice(&o, price);
  o.shape = Pick(catalog::kShapes, rng);
  o.color = Pick(catalog::kColors, rng);
  o.clarity = Pick(catalog::kClarities, rng);
  o.cut = Pick(catalog::kCuts, rng);
  if (o.shape == 0 && o.cut == catalog::kCutNull) o.cut = 0;  // round stones always have a cut grade
  o.availability = Pick(catalog::kAvailability, rng);
  o.lab = labgrown ? (rng.Chance(0.75) ? 1 : rng.Chance(0.6) ? 0 : 3) : Pick(catalog::kLabs, rng);
  double discount = labgrown ? -80.0 + 6.0 * rng.Normal() : -35.0 + 12.0 * rng.Normal();
  o.discount_bp = static_cast<int16_t>(std::clamp(std::lround(discount * 100), -9900L, 3000L));
  int pop = 0;
  while (pop < 40 && rng.Chance(0.45)) ++pop;
  o.popularity = static_cast<uint16_t>(pop);
  return o;
}

Offer OfferGenerator::Initial(uint32_t stone, bool labgrown, uint32_t insert_seq) const {
  Rng rng(HashOf(options_.seed, stone, labgrown ? 0x1ab : 0x4a7));
  Offer o = Build(stone, labgrown, insert_seq, rng);
  // Suppliers upload in batches: created_at takes one of ~2,000 batch times in
  // the year before as_of, so createdAt has many ties.
  int64_t batch = rng.Range(0, 2000);
  o.created_at_ms = options_.as_of_ms - 365 * kDayMs + batch * (365 * kDayMs / 2000);
  int64_t span = options_.as_of_ms - o.created_at_ms;
  o.updated_at_ms = o.created_at_ms + (rng.Chance(0.3) ? 0 : rng.Range(0, std::max<int64_t>(span, 0)));
  return o;
}

Offer OfferGenerator::Added(uint32_t stone, bool labgrown, uint32_t insert_seq, int64_t now_ms) const {
  Rng rng(HashOf(options_.seed, stone, labgrown ? 0xadd1 : 0xadd0));
  Offer o = Build(stone, labgrown, insert_seq, rng);
  o.created_at_ms = now_ms;
  o.updated_at_ms = now_ms;
  return o;
}

void OfferGenerator::Reprice(Offer* offer, Rng& rng, int64_t now_ms) const {
  int64_t price;
  if (rng.Chance(0.5)) {
    double factor = std::clamp(1.0 + 0.04 * rng.Normal(), 0.8, 1.2);
    price = std::max<int64_t>(100, static_cast<int64_t>(static_cast<double>(offer->price_cents) * factor));
  } else {
    price = DrawPrice(offer->labgrown(), rng);
  }
  if (price == offer->price_cents) price += 1;
  SetPrice(offer, price);
  offer->discount_bp = static_cast<int16_t>(std::clamp<long>(offer->discount_bp + rng.Range(-300, 300), -9900L, 3000L));
  offer->offer_key = rng.Next() | 1;
  offer->updated_at_ms = std::max(now_ms, offer->updated_at_ms + 1);
}

void OfferGenerator::ChangePayload(Offer* offer, Rng& rng, int64_t now_ms) const {
  offer->payload_version += 1;
  if (rng.Chance(0.2)) offer->availability = Pick(catalog::kAvailability, rng);
  if (rng.Chance(0.1)) offer->flags ^= kHasImage;
  offer->offer_key = rng.Next() | 1;
  offer->updated_at_ms = std::max(now_ms, offer->updated_at_ms + 1);
}

}  // namespace di::sim

// FuzzMapOffer: MapOffer on one raw item (first byte: feed, rest: payload).
//
// Invariants when MapOffer succeeds (DiamondRow's contract):
// - stone id and shape non-empty and trimmed, shape upper-case;
// - price_cents > 0, carats > 0 and finite, price_per_carat_cents >= 0 and
//   within a cent of price / carats (carats rounded to 6 decimals, as
//   PricePerCaratCents computes it);
// - lab_grown from the feed; feed, run id and hash copied from the raw row;
// - optional prices >= 0, measurements > 0 and finite, ratio finite >= 0,
//   brown/green/milky 0..32767;
// - availability is NormalizeAvailability(availability_raw);
// - source_updated_at, when set, is normalised (normalising it is a no-op);
// - the same item served in a page: when the page parser takes it as an
//   offer, it has the same stone id (up to surrounding spaces) and price.
// A rejection is kInvalidArgument with a reason.
#include <cctype>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>

#include "consolidate/mapping.h"
#include "consolidate/value_rules.h"
#include "invariant.h"
#include "nivoda/response_parser.h"
#include "targets.h"

namespace di::fuzz {
namespace {

constexpr const char* kTarget = "map_offer";

bool Trimmed(const std::string& s) {
  return !s.empty() && !std::isspace(static_cast<unsigned char>(s.front())) &&
         !std::isspace(static_cast<unsigned char>(s.back()));
}

bool NonNegative(const std::optional<int64_t>& v) { return !v || *v >= 0; }
bool Positive(const std::optional<double>& v) { return !v || (*v > 0 && std::isfinite(*v)); }
bool SmallInt(const std::optional<int>& v) { return !v || (*v >= 0 && *v <= 32767); }

}  // namespace

int FuzzMapOffer(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view feed = (data[0] & 1) ? "labgrown" : "natural";
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  const consolidate::RawOffer raw{feed, "run-fuzz", payload, "hash-fuzz"};

  Result<consolidate::DiamondRow> mapped = consolidate::MapOffer(raw);
  if (!mapped.ok()) {
    DI_FUZZ_CHECK(kTarget, mapped.status().code() == Code::kInvalidArgument, "rejection is not kInvalidArgument");
    DI_FUZZ_CHECK(kTarget, !mapped.status().message().empty(), "rejection without a reason");
    return 0;
  }
  const consolidate::DiamondRow& r = *mapped;
  DI_FUZZ_CHECK(kTarget, Trimmed(r.supplier_stone_id), "stone id empty or untrimmed");
  DI_FUZZ_CHECK(kTarget, Trimmed(r.shape), "shape empty or untrimmed");
  for (char c : r.shape) {
    DI_FUZZ_CHECK(kTarget, !std::islower(static_cast<unsigned char>(c)), "shape not upper-case");
  }
  DI_FUZZ_CHECK(kTarget, r.price_cents > 0, "price_cents <= 0");
  DI_FUZZ_CHECK(kTarget, r.carats > 0 && std::isfinite(r.carats), "carats not > 0");
  DI_FUZZ_CHECK(kTarget, r.price_per_carat_cents >= 0,
                "negative price_per_carat_cents " + std::to_string(r.price_per_carat_cents));
  // PricePerCaratCents divides by the carats rounded to 6 decimals (exact decimal).
  const double micro = std::round(r.carats * 1e6);
  const double per_carat = static_cast<double>(r.price_cents) / (micro > 0 ? micro / 1e6 : r.carats);
  if (per_carat < 9.0e18) {
    DI_FUZZ_CHECK(kTarget,
                  std::fabs(static_cast<double>(r.price_per_carat_cents) - per_carat) <= 1.0 + per_carat * 1e-9,
                  "price_per_carat_cents " + std::to_string(r.price_per_carat_cents) + " is not price / carats " +
                      std::to_string(per_carat));
  }
  DI_FUZZ_CHECK(kTarget, r.lab_grown == (feed == "labgrown") && r.feed == feed, "feed not taken from the raw row");
  DI_FUZZ_CHECK(kTarget, r.last_run_id == "run-fuzz" && r.payload_hash == "hash-fuzz", "run id or hash not copied");
  DI_FUZZ_CHECK(kTarget, NonNegative(r.diamond_price_cents) && NonNegative(r.markup_price_cents),
                "negative optional price");
  // The ratio is rounded to 3 decimals: an absurd width can make it 0.000.
  DI_FUZZ_CHECK(kTarget, !r.ratio || (*r.ratio >= 0 && std::isfinite(*r.ratio)), "ratio negative or not finite");
  for (const auto* m : {&r.table_pct, &r.depth_pct, &r.length_mm, &r.width_mm, &r.depth_mm, &r.crown_angle,
                        &r.crown_height, &r.pavilion_angle, &r.pavilion_depth}) {
    DI_FUZZ_CHECK(kTarget, Positive(*m), "measurement not > 0");
  }
  DI_FUZZ_CHECK(kTarget, SmallInt(r.brown) && SmallInt(r.green) && SmallInt(r.milky), "brown/green/milky out of range");
  DI_FUZZ_CHECK(kTarget, r.availability == consolidate::NormalizeAvailability(r.availability_raw),
                "availability is not the normalised raw value");
  if (r.source_updated_at) {
    DI_FUZZ_CHECK(kTarget, consolidate::NormalizeTimestamp(*r.source_updated_at) == r.source_updated_at,
                  "source_updated_at not normalised: " + *r.source_updated_at);
  }

  const std::string page = R"({"data":{"as":{"diamonds_by_query":{"items":[)" + std::string(payload) + "]}}}}";
  Result<nivoda::Page> served = nivoda::ParsePageResponse(page);
  if (served.ok() && served->offers.size() == 1) {
    const nivoda::Offer& o = served->offers[0];
    DI_FUZZ_CHECK(kTarget, consolidate::CleanText(o.stone_id) == r.supplier_stone_id,
                  "page parser and mapping disagree on the stone id");
    DI_FUZZ_CHECK(kTarget, o.price_cents == r.price_cents, "page parser and mapping disagree on the price");
  }
  return 0;
}

}  // namespace di::fuzz

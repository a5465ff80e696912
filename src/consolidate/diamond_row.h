// DiamondRow: one typed row of `diamonds`, the canonical form of a Nivoda
// offer (sql/005_diamonds_columns.sql). A plain value; thread-compatible.
//
// Every optional member may be absent (NULL): the vendor may send null for any
// field. The required ones (stone id, price, carats, shape) are always set on a
// row that MapOffer returned.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace di::consolidate {

enum class Availability { kAvailable, kOnHold, kSold, kUnavailable };

// "available", "on_hold", "sold", "unavailable" (the column's values).
const char* AvailabilityName(Availability a);

struct DiamondRow {
  // --- identity ---
  std::string feed;               // natural | labgrown (the raw row's feed)
  std::string supplier_stone_id;  // diamond.id
  std::string offer_id;           // id (may be empty)

  // --- grading ---
  std::string shape;  // certificate.shape, upper-case
  std::optional<std::string> full_shape;
  double carats = 0;  // > 0
  std::optional<std::string> color, clarity, cut, polish, symmetry;
  std::optional<std::string> fluorescence_intensity, fluorescence_color;
  std::optional<std::string> fancy_color, fancy_intensity, fancy_overtone;
  bool lab_grown = false;  // from the feed, never certificate.labgrown
  std::optional<bool> treated;

  // --- prices (integer US cents) ---
  int64_t price_cents = 0;  // > 0
  std::optional<int64_t> diamond_price_cents, markup_price_cents;
  int64_t price_per_carat_cents = 0;  // round(price / carats)

  // --- availability ---
  Availability availability = Availability::kUnavailable;
  std::optional<std::string> availability_raw, hold_id, nivoda_stock_id, supplier_stock_id;

  // --- media and certificate ---
  std::optional<std::string> image_url, video_url, certificate_pdf_url, lab, certificate_number;

  // --- measurements ---
  std::optional<double> table_pct, depth_pct, length_mm, width_mm, depth_mm, ratio;
  std::optional<double> crown_angle, crown_height, pavilion_angle, pavilion_depth;
  std::optional<std::string> girdle, culet;

  // --- appearance ---
  std::optional<bool> eye_clean;  // tri-state from free text
  std::optional<std::string> eye_clean_raw;
  std::optional<int> brown, green, milky;

  // --- supplier and provenance ---
  std::optional<std::string> supplier_name, supplier_legal_name;
  std::optional<std::string> source_updated_at;  // ISO-8601 UTC, normalised
  std::string payload_hash;                      // of the raw payload mapped
  std::string last_run_id;                       // the run whose version is mapped (the raw row's run_id)
};

}  // namespace di::consolidate

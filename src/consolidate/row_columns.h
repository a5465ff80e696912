// The columns of `diamonds` that a DiamondRow fills, in one place: their
// names, order and values. Serialisers (COPY text for the upsert, JSON for
// fixtures and debugging) walk this list, so a new column is one line here
// plus one in sql/. Header-only; pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "consolidate/diamond_row.h"

namespace di::consolidate {

// Calls VISIT(name, value) for every mapped column in table order. VALUE is a
// std::string, const char*, double, int64_t, bool, or a std::optional of
// std::string, double, int64_t, int or bool (nullopt = NULL).
template <typename Visit>
void ForEachColumn(const DiamondRow& r, Visit&& visit) {
  visit("feed", r.feed);
  visit("supplier_stone_id", r.supplier_stone_id);
  visit("offer_id", r.offer_id);
  visit("shape", r.shape);
  visit("full_shape", r.full_shape);
  visit("carats", r.carats);
  visit("color", r.color);
  visit("clarity", r.clarity);
  visit("cut", r.cut);
  visit("polish", r.polish);
  visit("symmetry", r.symmetry);
  visit("fluorescence_intensity", r.fluorescence_intensity);
  visit("fluorescence_color", r.fluorescence_color);
  visit("fancy_color", r.fancy_color);
  visit("fancy_intensity", r.fancy_intensity);
  visit("fancy_overtone", r.fancy_overtone);
  visit("lab_grown", r.lab_grown);
  visit("treated", r.treated);
  visit("price_cents", r.price_cents);
  visit("diamond_price_cents", r.diamond_price_cents);
  visit("markup_price_cents", r.markup_price_cents);
  visit("price_per_carat_cents", r.price_per_carat_cents);
  visit("availability", AvailabilityName(r.availability));
  visit("availability_raw", r.availability_raw);
  visit("hold_id", r.hold_id);
  visit("nivoda_stock_id", r.nivoda_stock_id);
  visit("supplier_stock_id", r.supplier_stock_id);
  visit("image_url", r.image_url);
  visit("video_url", r.video_url);
  visit("certificate_pdf_url", r.certificate_pdf_url);
  visit("lab", r.lab);
  visit("certificate_number", r.certificate_number);
  visit("table_pct", r.table_pct);
  visit("depth_pct", r.depth_pct);
  visit("length_mm", r.length_mm);
  visit("width_mm", r.width_mm);
  visit("depth_mm", r.depth_mm);
  visit("ratio", r.ratio);
  visit("crown_angle", r.crown_angle);
  visit("crown_height", r.crown_height);
  visit("pavilion_angle", r.pavilion_angle);
  visit("pavilion_depth", r.pavilion_depth);
  visit("girdle", r.girdle);
  visit("culet", r.culet);
  visit("eye_clean", r.eye_clean);
  visit("eye_clean_raw", r.eye_clean_raw);
  visit("brown", r.brown);
  visit("green", r.green);
  visit("milky", r.milky);
  visit("supplier_name", r.supplier_name);
  visit("supplier_legal_name", r.supplier_legal_name);
  visit("source_updated_at", r.source_updated_at);
  visit("payload_hash", r.payload_hash);
  visit("last_run_id", r.last_run_id);
}

// "feed, supplier_stone_id, ..." in ForEachColumn order.
std::string ColumnList();

// Appends R as one line of COPY ... FROM STDIN text format (ForEachColumn order).
void AppendCopyLine(std::string* out, const DiamondRow& r);

// R as a JSON object keyed by column name (NULL as null), for fixtures and logs.
std::string RowToJson(const DiamondRow& r);

}  // namespace di::consolidate

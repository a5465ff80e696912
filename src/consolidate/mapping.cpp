#include "consolidate/mapping.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>

#include "consolidate/value_rules.h"

namespace di::consolidate {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

Status Bad(std::string reason) { return Status(Code::kInvalidArgument, std::move(reason)); }

// The member KEY of OBJ, or nullopt when OBJ is not an object, KEY is absent or null.
std::optional<element> Field(std::optional<element> obj, std::string_view key) {
  if (!obj || !obj->is_object()) return std::nullopt;
  element e;
  if (obj->get_object().at_key(key).get(e) != simdjson::SUCCESS || e.is_null()) return std::nullopt;
  return e;
}

std::string NumberText(element e) {
  char buf[32];
  switch (e.type()) {
    case element_type::INT64:
      return std::to_string(e.get_int64().value_unsafe());
    case element_type::UINT64:
      return std::to_string(e.get_uint64().value_unsafe());
    case element_type::DOUBLE: {
      auto [end, ec] = std::to_chars(buf, buf + sizeof buf, e.get_double().value_unsafe());
      return ec == std::errc() ? std::string(buf, end) : std::string();
    }
    default:
      return {};
  }
}

// A string's text, or a number's decimal text; nullopt for anything else.
std::optional<std::string> Text(std::optional<element> e) {
  if (!e) return std::nullopt;
  if (e->is_string()) return std::string(e->get_string().value_unsafe());
  if (e->is_number()) return NumberText(*e);
  return std::nullopt;
}

std::optional<std::string> CleanTextOf(std::optional<element> e) {
  auto t = Text(e);
  return t ? CleanText(*t) : std::nullopt;
}

std::optional<std::string> CleanCodeOf(std::optional<element> e) {
  auto t = Text(e);
  return t ? CleanCode(*t) : std::nullopt;
}

// A number, or a string holding one.
std::optional<double> Number(std::optional<element> e) {
  if (!e) return std::nullopt;
  double d;
  if (e->is_number() && e->get_double().get(d) == simdjson::SUCCESS && std::isfinite(d)) return d;
  if (e->is_string()) return ParseDecimal(e->get_string().value_unsafe());
  return std::nullopt;
}

// A measurement: a number > 0, else NULL (0 means "not measured").
std::optional<double> Positive(std::optional<element> e) {
  auto v = Number(e);
  if (!v || *v <= 0) return std::nullopt;
  return v;
}

// A true/false value: a JSON boolean, or the text "true"/"false".
std::optional<bool> Bool(std::optional<element> e) {
  if (!e) return std::nullopt;
  if (e->is_bool()) return e->get_bool().value_unsafe();
  if (e->is_string()) {
    auto t = CleanCode(e->get_string().value_unsafe());
    if (t == "TRUE") return true;
    if (t == "FALSE") return false;
  }
  return std::nullopt;
}

// A small whole number (0..32767), from an integer or its text.
std::optional<int> SmallInt(std::optional<element> e) {
  auto v = Number(e);
  if (!v || *v != std::floor(*v) || *v < 0 || *v > 32767) return std::nullopt;
  return static_cast<int>(*v);
}

// The required price: whole cents > 0.
Result<int64_t> RequiredPrice(std::optional<element> e) {
  if (!e) return Bad("missing price");
  if (e->is_int64() || e->is_uint64()) {
    int64_t v;
    if (e->get_int64().get(v) != simdjson::SUCCESS) return Bad("price out of range: " + NumberText(*e));
    if (v <= 0) return Bad("price must be positive: " + std::to_string(v));
    return v;
  }
  std::optional<double> d;
  std::string shown;
  if (e->is_double()) {
    d = e->get_double().value_unsafe();
    shown = NumberText(*e);
  } else if (e->is_string()) {
    shown = std::string(e->get_string().value_unsafe());
    d = ParseDecimal(shown);
    if (!d) return Bad("price is not a number: \"" + shown.substr(0, 40) + "\"");
  } else {
    return Bad("price is not a number");
  }
  if (*d != std::floor(*d)) return Bad("price is not a whole number of cents: " + shown.substr(0, 40));
  if (*d <= 0) return Bad("price must be positive: " + shown.substr(0, 40));
  if (*d > 9.0e15) return Bad("price out of range: " + shown.substr(0, 40));
  return static_cast<int64_t>(*d);
}

// An optional price: whole cents >= 0 (fractions rounded), else NULL.
std::optional<int64_t> OptionalPrice(std::optional<element> e) {
  auto v = Number(e);
  return v ? RoundCents(*v) : std::nullopt;
}

simdjson::dom::parser& Parser() {
  thread_local simdjson::dom::parser parser;
  return parser;
}

}  // namespace

Result<DiamondRow> MapOffer(const RawOffer& raw) {
  element root;
  if (Parser().parse(raw.payload.data(), raw.payload.size()).get(root) != simdjson::SUCCESS) {
    return Bad("payload is not valid JSON");
  }
  if (!root.is_object()) return Bad("payload is not a JSON object");
  const std::optional<element> item = root;
  const std::optional<element> diamond = Field(item, "diamond");
  const std::optional<element> cert = Field(diamond, "certificate");
  const std::optional<element> supplier = Field(diamond, "supplier");

  DiamondRow row;
  row.feed = std::string(raw.feed);
  row.lab_grown = raw.feed == "labgrown";
  row.last_run_id = std::string(raw.run_id);
  row.payload_hash = std::string(raw.payload_hash);

  auto stone = CleanTextOf(Field(diamond, "id"));
  if (!stone) return Bad("missing diamond.id");
  row.supplier_stone_id = std::move(*stone);
  row.offer_id = CleanTextOf(Field(item, "id")).value_or("");

  DI_ASSIGN_OR_RETURN(row.price_cents, RequiredPrice(Field(item, "price")));
  auto carats = Number(Field(cert, "carats"));
  if (!carats) return Bad("missing certificate.carats");
  if (*carats <= 0) return Bad("carats must be > 0: " + NumberText(*Field(cert, "carats")));
  row.carats = *carats;
  // price_per_carat_cents is a bigint: a tiny carat weight must not overflow it.
  if (static_cast<double>(row.price_cents) / row.carats > 9.0e15) {
    return Bad("price per carat out of range: carats " + std::to_string(row.carats));
  }
  auto shape = CleanCodeOf(Field(cert, "shape"));
  if (!shape) return Bad("missing certificate.shape");
  row.shape = std::move(*shape);

  row.full_shape = CleanTextOf(Field(cert, "fullShape"));
  row.color = CleanCodeOf(Field(cert, "color"));
  row.clarity = CleanCodeOf(Field(cert, "clarity"));
  row.cut = CleanCodeOf(Field(cert, "cut"));
  row.polish = CleanCodeOf(Field(cert, "polish"));
  row.symmetry = CleanCodeOf(Field(cert, "symmetry"));
  row.fluorescence_intensity = CleanCodeOf(Field(cert, "floInt"));
  row.fluorescence_color = CleanCodeOf(Field(cert, "floCol"));
  row.fancy_color = CleanTextOf(Field(cert, "f_color"));
  row.fancy_intensity = CleanTextOf(Field(cert, "f_intensity"));
  row.fancy_overtone = CleanTextOf(Field(cert, "f_overtone"));
  row.treated = Bool(Field(cert, "treated"));

  row.diamond_price_cents = OptionalPrice(Field(item, "diamond_price"));
  row.markup_price_cents = OptionalPrice(Field(item, "markup_price"));
  row.price_per_carat_cents = PricePerCaratCents(row.price_cents, row.carats);

  row.availability_raw = CleanTextOf(Field(diamond, "availability"));
  row.availability = NormalizeAvailability(row.availability_raw);
  row.hold_id = CleanTextOf(Field(diamond, "HoldId"));
  row.nivoda_stock_id = CleanTextOf(Field(diamond, "NivodaStockId"));
  row.supplier_stock_id = CleanTextOf(Field(diamond, "supplierStockId"));

  row.image_url = CleanTextOf(Field(diamond, "image"));
  row.video_url = CleanTextOf(Field(diamond, "video"));
  row.certificate_pdf_url = CleanTextOf(Field(cert, "pdfUrl"));
  row.lab = CleanCodeOf(Field(cert, "lab"));
  row.certificate_number = CleanTextOf(Field(cert, "certNumber"));

  row.table_pct = Positive(Field(cert, "table"));
  row.depth_pct = Positive(Field(cert, "depthPercentage"));
  row.length_mm = Positive(Field(cert, "length"));
  row.width_mm = Positive(Field(cert, "width"));
  row.depth_mm = Positive(Field(cert, "depth"));
  row.ratio = Ratio(row.length_mm, row.width_mm);
  row.crown_angle = Positive(Field(cert, "crownAngle"));
  row.crown_height = Positive(Field(cert, "crownHeight"));
  row.pavilion_angle = Positive(Field(cert, "pavAngle"));
  row.pavilion_depth = Positive(Field(cert, "pavDepth"));
  if (!row.pavilion_depth) row.pavilion_depth = Positive(Field(cert, "pavHeight"));
  row.girdle = CleanCodeOf(Field(cert, "girdle"));
  row.culet = CleanCodeOf(Field(cert, "culetSize"));

  row.eye_clean_raw = CleanTextOf(Field(diamond, "eyeClean"));
  if (row.eye_clean_raw) row.eye_clean = ParseEyeClean(*row.eye_clean_raw);
  if (auto b = Field(diamond, "eyeClean"); b && b->is_bool()) row.eye_clean = b->get_bool().value_unsafe();
  row.brown = SmallInt(Field(diamond, "brown"));
  row.green = SmallInt(Field(diamond, "green"));
  row.milky = SmallInt(Field(diamond, "milky"));

  row.supplier_name = CleanTextOf(Field(supplier, "name"));
  row.supplier_legal_name = CleanTextOf(Field(supplier, "legal_name"));
  if (auto t = Text(Field(item, "updated_at"))) row.source_updated_at = NormalizeTimestamp(*t);
  return row;
}

}  // namespace di::consolidate

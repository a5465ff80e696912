#include "sim/item_writer.h"

#include <cmath>
#include <initializer_list>

#include "sim/catalog.h"
#include "sim/json_writer.h"
#include "sim/rng.h"

namespace di::sim {
namespace {

using F = FieldId;

// Appends 8-4-4-4-12 lower-case hex from two 64-bit values.
void AppendUuid(std::string* out, uint64_t a, uint64_t b) {
  static const char* kHex = "0123456789abcdef";
  char buf[36];
  int pos = 0;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) buf[pos++] = '-';
    uint64_t word = i < 16 ? a : b;
    int shift = 60 - 4 * (i % 16);
    buf[pos++] = kHex[(word >> shift) & 0xf];
  }
  out->append(buf, 36);
}

void QuotedUuid(std::string* out, uint64_t a, uint64_t b) {
  out->push_back('"');
  AppendUuid(out, a, b);
  out->push_back('"');
}

void AppendDigits(std::string* out, uint64_t value, int digits) {
  char buf[20];
  for (int i = digits - 1; i >= 0; --i) {
    buf[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out->append(buf, static_cast<size_t>(digits));
}

void NameOrNull(std::string* out, std::string_view name) {
  if (name.empty())
    json::Null(out);
  else
    json::String(out, name);
}

// Per-item derivation context: hashes for stable (per stone) and volatile (per
// payload version) fields.
struct Ctx {
  const Offer& o;
  uint64_t seed;
  uint64_t stable;
  uint64_t vol;
  StoneContent kind = StoneContent::kNormal;
  uint64_t S(uint64_t k) const { return HashOf(stable, k); }
  uint64_t V(uint64_t k) const { return HashOf(vol, k); }
  int Markup() const { return 5 + static_cast<int>(S(1) % 11); }
  uint32_t SupplierIndex() const { return static_cast<uint32_t>(S(30) % 400); }
  // Measurements in hundredths of a millimetre / percent.
  int64_t DepthPct() const { return 5800 + static_cast<int64_t>(S(42) % 800); }
  double Ratio() const {
    static const double kRatios[10] = {1.0, 1.42, 1.12, 1.0, 1.45, 1.6, 1.25, 2.0, 1.0, 0.95};
    return kRatios[o.shape] + static_cast<double>(S(43) % 8) / 100.0;
  }
  int64_t Width() const {
    double carats = o.carat_hundredths / 100.0;
    double diameter = 6.43 * std::cbrt(carats);
    return std::lround(diameter / std::sqrt(Ratio()) * 100.0);
  }
  int64_t Length() const { return std::lround(static_cast<double>(Width()) * Ratio()); }
  int64_t Depth() const { return Width() * DepthPct() / 10000; }
  bool Fancy() const { return S(70) % 50 == 0; }
};

void AppendCertNumber(std::string* out, const Ctx& c) {
  uint64_t n = c.S(40);
  switch (c.o.lab) {
    case 0:
      AppendDigits(out, n, 10);
      break;  // GIA
    case 1:
      if (c.o.labgrown()) out->append("LG");
      AppendDigits(out, n, 9);
      break;  // IGI
    case 2:
      AppendDigits(out, n, 9);
      break;  // HRD
    default:
      AppendDigits(out, n, 10);
      break;  // GCAL
  }
}

void AppendStoneId(std::string* out, uint64_t seed, uint32_t stone) {
  AppendUuid(out, HashOf(seed, stone, 11), HashOf(seed, stone, 12));
}

void Pick(std::string* out, uint64_t h, std::initializer_list<std::string_view> values) {
  NameOrNull(out, *(values.begin() + h % values.size()));
}

void SmallInt(std::string* out, uint64_t h) {
  int v = static_cast<int>(h % 10);
  if (v == 9)
    json::Null(out);
  else
    json::Int(out, v < 6 ? 0 : v < 8 ? 1 : 2);
}

void WriteObject(std::string* out, const Ctx& c, const std::vector<SelectedField>& fields);

void WriteLeaf(std::string* out, const Ctx& c, const SelectedField& f) {
  const Offer& o = c.o;
  switch (f.id) {
    case F::kTypename:
      json::String(out, TypeName(f.parent));
      return;
    case F::kId:
      out->push_back('"');
      AppendUuid(out, Mix64(o.offer_key), Mix64(o.offer_key ^ 0x5bd1e995));
      out->push_back('"');
      return;
    case F::kPrice:
      json::Int(out, o.price_cents);
      return;
    case F::kDiamondPrice:
      json::Int(out, o.price_cents * 100 / (100 + c.Markup()));
      return;
    case F::kMarkupPrice:
      json::Int(out, o.price_cents);
      return;
    case F::kDiscount:
      json::Hundredths(out, o.discount_bp);
      return;
    case F::kMarkupDiscount:
      json::Hundredths(out, o.discount_bp + static_cast<int64_t>(c.S(2) % 400));
      return;
    case F::kUpdatedAt:
      out->push_back('"');
      AppendIso8601(out, o.updated_at_ms);
      out->push_back('"');
      return;
    case F::kDiamondId:
      out->push_back('"');
      AppendStoneId(out, c.seed, o.stone);
      out->push_back('"');
      return;
    case F::kAvailability:
      json::String(out, catalog::kAvailability[o.availability].name);
      return;
    case F::kHoldId:
      if (o.availability == 1 || o.availability == 2) {
        out->append("\"HLD-");
        AppendDigits(out, c.V(3), 7);
        out->push_back('"');
      } else {
        json::Null(out);
      }
      return;
    case F::kNivodaStockId:
      out->append("\"NIV-");
      json::Int(out, 10'000'000 + o.stone);
      out->push_back('"');
      return;
    case F::kSupplierStockId:
      if (c.S(4) % 10 == 0) {
        json::Null(out);
        return;
      }
      out->append("\"S");
      json::Int(out, c.SupplierIndex());
      out->push_back('-');
      AppendDigits(out, c.S(5), 6);
      out->push_back('"');
      return;
    case F::kImage:
      if (!o.has_image()) {
        json::Null(out);
        return;
      }
      out->append("\"https://img.nivoda-sim.test/stones/");
      AppendStoneId(out, c.seed, o.stone);
      out->append("/main.jpg\"");
      return;
    case F::kVideo:
      if (!o.has_v360()) {
        json::Null(out);
        return;
      }
      out->append("\"https://v360.nivoda-sim.test/vision/");
      AppendStoneId(out, c.seed, o.stone);
      out->append(".html\"");
      return;
    case F::kEyeClean:
      Pick(out, c.V(5), {"", "", "", "", "yes", "100%", "Yes", "no", "E1", "100% eye clean"});
      return;
    case F::kBrown:
      SmallInt(out, c.V(6));
      return;
    case F::kGreen:
      SmallInt(out, c.V(7));
      return;
    case F::kBlue:
      SmallInt(out, c.V(8));
      return;
    case F::kGray:
      SmallInt(out, c.V(9));
      return;
    case F::kMilky:
      SmallInt(out, c.V(10));
      return;
    case F::kBowtie:
      Pick(out, c.S(11), {"", "", "", "NONE", "NONE", "SLIGHT", "MEDIUM"});
      return;
    case F::kMineOfOrigin:
      if (o.labgrown() || c.S(12) % 5 != 0) {
        json::Null(out);
        return;
      }
      Pick(out, c.S(13), {"Botswana", "Canada", "Russia", "South Africa", "Namibia", "Australia"});
      return;
    case F::kSupplierVideoLink:
      if (!o.has_v360() || c.S(20) % 3 != 0) {
        json::Null(out);
        return;
      }
      out->append("\"https://supplier-");
      json::Int(out, c.SupplierIndex());
      out->append(".nivoda-sim.test/video?cert=");
      AppendCertNumber(out, c);
      out->push_back('"');
      return;
    case F::kApprovalType:
      Pick(out, c.V(21), {"AUTO_APPROVED", "MANUAL", ""});
      return;
    case F::kFinalPrice:
      json::Int(out, o.price_cents);
      return;
    case F::kReturnWindow: {
      static const int kDays[5] = {-1, 7, 14, 30, 0};
      int days = kDays[c.V(22) % 5];
      if (days < 0)
        json::Null(out);
      else
        json::Int(out, days);
      return;
    }
    case F::kCertificateType:
      json::String(out, o.labgrown() ? "LAB_GROWN" : "NATURAL");
      return;
    case F::kExpressTimeline:
      json::Bool(out, c.V(23) % 4 == 0);
      return;
    case F::kMinBusinessDays:
      json::Int(out, 1 + static_cast<int64_t>(c.V(24) % 5));
      return;
    case F::kMaxBusinessDays:
      json::Int(out, 3 + static_cast<int64_t>(c.V(24) % 5 + c.V(25) % 8));
      return;
    case F::kSupplierId:
      QuotedUuid(out, HashOf(c.seed, c.SupplierIndex(), 31), HashOf(c.seed, c.SupplierIndex(), 32));
      return;
    case F::kSupplierName:
      out->append("\"Supplier ");
      AppendDigits(out, c.SupplierIndex(), 3);
      out->append(" Diamonds\"");
      return;
    case F::kSupplierLegalName:
      if (HashOf(c.seed, c.SupplierIndex(), 33) % 10 < 3) {
        json::Null(out);
        return;
      }
      out->append("\"Supplier ");
      AppendDigits(out, c.SupplierIndex(), 3);
      out->append(" Diamonds Ltd.\"");
      return;
    case F::kCertId:
      QuotedUuid(out, HashOf(c.seed, o.stone, 13), HashOf(c.seed, o.stone, 14));
      return;
    case F::kLab:
      json::String(out, catalog::kLabs[o.lab].name);
      return;
    case F::kCertNumber:
      out->push_back('"');
      AppendCertNumber(out, c);
      out->push_back('"');
      return;
    case F::kPdfUrl:
      out->append("\"https://certs.nivoda-sim.test/");
      out->append(catalog::kLabs[o.lab].name);
      out->push_back('/');
      AppendCertNumber(out, c);
      out->append(".pdf\"");
      return;
    case F::kShape:
      json::String(out, catalog::kShapes[o.shape].name);
      return;
    case F::kFullShape:
      json::String(out, catalog::kFullShapes[o.shape]);
      return;
    case F::kCarats:
      json::Hundredths(out, o.carat_hundredths);
      return;
    case F::kClarity:
      json::String(out, catalog::kClarities[o.clarity].name);
      return;
    case F::kCut:
      NameOrNull(out, catalog::kCuts[o.cut].name);
      return;
    case F::kPolish:
      Pick(out, c.S(41), {"EX", "EX", "EX", "VG", "VG", "GD"});
      return;
    case F::kSymmetry:
      Pick(out, c.S(44), {"EX", "EX", "VG", "VG", "GD", "F"});
      return;
    case F::kColor:
      json::String(out, catalog::kColors[o.color].name);
      return;
    case F::kLength:
      json::Hundredths(out, c.Length());
      return;
    case F::kWidth:
      json::Hundredths(out, c.Width());
      return;
    case F::kDepth:
      json::Hundredths(out, c.Depth());
      return;
    case F::kDepthPercentage:
      json::Hundredths(out, c.DepthPct() / 10 * 10);
      return;
    case F::kTable:
      json::Int(out, 53 + static_cast<int64_t>(c.S(45) % 13));
      return;
    case F::kCrownAngle:
      json::Hundredths(out, 3300 + static_cast<int64_t>(c.S(46) % 35) * 10);
      return;
    case F::kCrownHeight:
      json::Hundredths(out, 1350 + static_cast<int64_t>(c.S(47) % 30) * 10);
      return;
    case F::kPavAngle:
      json::Hundredths(out, 4060 + static_cast<int64_t>(c.S(48) % 7) * 10);
      return;
    case F::kPavHeight:
      json::Hundredths(out, 4250 + static_cast<int64_t>(c.S(49) % 15) * 10);
      return;
    case F::kPavDepth:
      if (c.S(50) % 4 == 0)
        json::Null(out);
      else
        json::Hundredths(out, 4250 + static_cast<int64_t>(c.S(49) % 15) * 10);
      return;
    case F::kFloInt:
      Pick(out, c.S(51),
           {"NONE", "NONE", "NONE", "NONE", "NONE", "NONE", "FAINT", "FAINT", "MEDIUM", "STRONG", "VERY STRONG", ""});
      return;
    case F::kFloCol:
      Pick(out, c.S(51), {"", "", "", "", "", "", "BLUE", "BLUE", "BLUE", "BLUE", "YELLOW", ""});
      return;
    case F::kVerified:
      json::Bool(out, c.V(52) % 5 != 0);
      return;
    case F::kCertLabgrown: {
      uint64_t h = c.S(53) % 20;
      if (h == 0)
        json::Null(out);
      else
        json::Bool(out, o.labgrown() ? h != 1 : false);
      return;
    }
    case F::kLabgrownType:
      if (!o.labgrown())
        json::Null(out);
      else
        json::String(out, c.S(54) % 10 < 7 ? "CVD" : "HPHT");
      return;
    case F::kTreated:
      json::Bool(out, c.S(55) % 33 == 0);
      return;
    case F::kGirdle:
      Pick(out, c.S(56), {"MEDIUM", "THIN TO MEDIUM", "MEDIUM TO SLIGHTLY THICK", "THIN TO SLIGHTLY THICK", ""});
      return;
    case F::kCuletSize:
      Pick(out, c.S(57), {"NONE", "NONE", "POINTED", "VERY SMALL", "SMALL", ""});
      return;
    case F::kGirdleCondition:
      Pick(out, c.S(58), {"FACETED", "POLISHED", "BRUTED", ""});
      return;
    case F::kCuletCondition:
      Pick(out, c.S(59), {"", "", "", "ABRADED"});
      return;
    case F::kCutStyle:
      json::String(out, o.shape == 4 || o.shape == 8 ? "STEP" : o.shape == 2 || o.shape == 6 ? "MIXED" : "BRILLIANT");
      return;
    case F::kKeyToSymbols:
      Pick(out, c.S(60), {"Crystal, Feather", "Cloud, Needle, Pinpoint", "Feather", "Crystal, Indented Natural", ""});
      return;
    case F::kComments:
      Pick(out, c.V(61),
           {"", "", "", "Additional pinpoints are not shown.",
            "Clouds are not shown. \"Surface graining\" is not shown.\nMinor details of polish are not shown.",
            "Carr\xc3\xa9 cut \xe2\x80\x94 inscription: \"NIV\\SIM\"", "", "Additional clouds are not shown."});
      return;
    case F::kFColor:
      if (!c.Fancy())
        json::Null(out);
      else
        Pick(out, c.S(71), {"Yellow", "Pink", "Blue", "Brown", "Green"});
      return;
    case F::kFIntensity:
      if (!c.Fancy())
        json::Null(out);
      else
        Pick(out, c.S(72), {"Fancy Light", "Fancy", "Fancy Intense", "Fancy Vivid"});
      return;
    case F::kFOvertone:
      if (!c.Fancy())
        json::Null(out);
      else
        Pick(out, c.S(73), {"", "Orangy", "Greenish", "Brownish"});
      return;
    case F::kDiamond:
    case F::kDeliveryTime:
    case F::kSupplier:
    case F::kCertificate:
      WriteObject(out, c, f.children);
      return;
  }
}

// The text leaves a hostile stone serves as kHostileText: every string field
// except the ids (id, diamond.id) and updated_at.
bool IsHostileText(FieldId id) {
  switch (id) {
    case F::kAvailability:
    case F::kHoldId:
    case F::kNivodaStockId:
    case F::kSupplierStockId:
    case F::kImage:
    case F::kVideo:
    case F::kEyeClean:
    case F::kBowtie:
    case F::kMineOfOrigin:
    case F::kSupplierVideoLink:
    case F::kApprovalType:
    case F::kCertificateType:
    case F::kSupplierId:
    case F::kSupplierName:
    case F::kSupplierLegalName:
    case F::kCertId:
    case F::kLab:
    case F::kCertNumber:
    case F::kPdfUrl:
    case F::kShape:
    case F::kFullShape:
    case F::kClarity:
    case F::kCut:
    case F::kPolish:
    case F::kSymmetry:
    case F::kColor:
    case F::kFloInt:
    case F::kFloCol:
    case F::kLabgrownType:
    case F::kGirdle:
    case F::kCuletSize:
    case F::kGirdleCondition:
    case F::kCuletCondition:
    case F::kCutStyle:
    case F::kKeyToSymbols:
    case F::kComments:
    case F::kFColor:
    case F::kFIntensity:
    case F::kFOvertone:
      return true;
    default:
      return false;
  }
}

void WriteObject(std::string* out, const Ctx& c, const std::vector<SelectedField>& fields) {
  out->push_back('{');
  bool first = true;
  for (const auto& f : fields) {
    if (c.kind == StoneContent::kNoPrice && f.id == F::kPrice) continue;
    if (c.kind == StoneContent::kNoStoneId && f.id == F::kDiamondId) continue;
    if (!first) out->push_back(',');
    first = false;
    json::Key(out, f.key);
    if (c.kind == StoneContent::kHostile && IsHostileText(f.id)) {
      json::String(out, kHostileText);
      continue;
    }
    WriteLeaf(out, c, f);
  }
  out->push_back('}');
}

}  // namespace

void WriteItem(std::string* out, const Offer& offer, uint64_t seed, const std::vector<SelectedField>& fields,
               const ItemContent& content) {
  Ctx c{offer, seed, HashOf(seed, offer.stone, 0x57ab1e), HashOf(seed, offer.stone, 0x10000u + offer.payload_version),
        ContentOf(seed, offer.stone, content)};
  WriteObject(out, c, fields);
}

StoneContent ContentOf(uint64_t seed, uint32_t stone, const ItemContent& content) {
  if (content.bad_offer_fraction <= 0 && content.hostile_text_fraction <= 0) return StoneContent::kNormal;
  uint64_t h = HashOf(seed, stone, 0xbadc0de);
  double u = static_cast<double>(h >> 11) * 0x1.0p-53;  // uniform in [0, 1)
  if (u < content.bad_offer_fraction) return (h & 1) ? StoneContent::kNoStoneId : StoneContent::kNoPrice;
  if (u < content.bad_offer_fraction + content.hostile_text_fraction) return StoneContent::kHostile;
  return StoneContent::kNormal;
}

std::string StoneId(uint64_t seed, uint32_t stone) {
  std::string out;
  AppendStoneId(&out, seed, stone);
  return out;
}

std::string OfferId(uint64_t offer_key) {
  std::string out;
  AppendUuid(&out, Mix64(offer_key), Mix64(offer_key ^ 0x5bd1e995));
  return out;
}

void AppendIso8601(std::string* out, int64_t epoch_ms) {
  int64_t days = epoch_ms >= 0 ? epoch_ms / 86'400'000 : (epoch_ms - 86'399'999) / 86'400'000;
  int64_t ms_of_day = epoch_ms - days * 86'400'000;
  // civil_from_days (H. Hinnant).
  int64_t z = days + 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int64_t d = doy - (153 * mp + 2) / 5 + 1;
  int64_t m = mp < 10 ? mp + 3 : mp - 9;
  if (m <= 2) ++y;
  AppendDigits(out, static_cast<uint64_t>(y), 4);
  out->push_back('-');
  AppendDigits(out, static_cast<uint64_t>(m), 2);
  out->push_back('-');
  AppendDigits(out, static_cast<uint64_t>(d), 2);
  out->push_back('T');
  AppendDigits(out, static_cast<uint64_t>(ms_of_day / 3'600'000), 2);
  out->push_back(':');
  AppendDigits(out, static_cast<uint64_t>(ms_of_day / 60'000 % 60), 2);
  out->push_back(':');
  AppendDigits(out, static_cast<uint64_t>(ms_of_day / 1000 % 60), 2);
  out->push_back('.');
  AppendDigits(out, static_cast<uint64_t>(ms_of_day % 1000), 3);
  out->push_back('Z');
}

}  // namespace di::sim

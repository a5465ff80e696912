#include "sim/item_fields.h"

#include <initializer_list>

namespace di::sim {
namespace {

using F = FieldId;
using T = ObjType;

constexpr FieldDef kItemFields[] = {
    {"id", F::kId, T::kNone},
    {"price", F::kPrice, T::kNone},
    {"diamond_price", F::kDiamondPrice, T::kNone},
    {"markup_price", F::kMarkupPrice, T::kNone},
    {"discount", F::kDiscount, T::kNone},
    {"markup_discount", F::kMarkupDiscount, T::kNone},
    {"updated_at", F::kUpdatedAt, T::kNone},
    {"diamond", F::kDiamond, T::kDiamond},
};

constexpr FieldDef kDiamondFields[] = {
    {"id", F::kDiamondId, T::kNone},
    {"availability", F::kAvailability, T::kNone},
    {"HoldId", F::kHoldId, T::kNone},
    {"NivodaStockId", F::kNivodaStockId, T::kNone},
    {"supplierStockId", F::kSupplierStockId, T::kNone},
    {"image", F::kImage, T::kNone},
    {"video", F::kVideo, T::kNone},
    {"eyeClean", F::kEyeClean, T::kNone},
    {"brown", F::kBrown, T::kNone},
    {"green", F::kGreen, T::kNone},
    {"blue", F::kBlue, T::kNone},
    {"gray", F::kGray, T::kNone},
    {"milky", F::kMilky, T::kNone},
    {"bowtie", F::kBowtie, T::kNone},
    {"mine_of_origin", F::kMineOfOrigin, T::kNone},
    {"supplier_video_link", F::kSupplierVideoLink, T::kNone},
    {"approval_type", F::kApprovalType, T::kNone},
    {"final_price", F::kFinalPrice, T::kNone},
    {"return_window", F::kReturnWindow, T::kNone},
    {"CertificateType", F::kCertificateType, T::kNone},
    {"delivery_time", F::kDeliveryTime, T::kDeliveryTime},
    {"supplier", F::kSupplier, T::kSupplier},
    {"certificate", F::kCertificate, T::kCertificate},
};

constexpr FieldDef kDeliveryFields[] = {
    {"express_timeline_applicable", F::kExpressTimeline, T::kNone},
    {"min_business_days", F::kMinBusinessDays, T::kNone},
    {"max_business_days", F::kMaxBusinessDays, T::kNone},
};

constexpr FieldDef kSupplierFields[] = {
    {"id", F::kSupplierId, T::kNone},
    {"name", F::kSupplierName, T::kNone},
    {"legal_name", F::kSupplierLegalName, T::kNone},
};

constexpr FieldDef kCertificateFields[] = {
    {"id", F::kCertId, T::kNone},
    {"lab", F::kLab, T::kNone},
    {"certNumber", F::kCertNumber, T::kNone},
    {"pdfUrl", F::kPdfUrl, T::kNone},
    {"shape", F::kShape, T::kNone},
    {"fullShape", F::kFullShape, T::kNone},
    {"carats", F::kCarats, T::kNone},
    {"clarity", F::kClarity, T::kNone},
    {"cut", F::kCut, T::kNone},
    {"polish", F::kPolish, T::kNone},
    {"symmetry", F::kSymmetry, T::kNone},
    {"color", F::kColor, T::kNone},
    {"length", F::kLength, T::kNone},
    {"width", F::kWidth, T::kNone},
    {"depth", F::kDepth, T::kNone},
    {"depthPercentage", F::kDepthPercentage, T::kNone},
    {"table", F::kTable, T::kNone},
    {"crownAngle", F::kCrownAngle, T::kNone},
    {"crownHeight", F::kCrownHeight, T::kNone},
    {"pavAngle", F::kPavAngle, T::kNone},
    {"pavHeight", F::kPavHeight, T::kNone},
    {"pavDepth", F::kPavDepth, T::kNone},
    {"floInt", F::kFloInt, T::kNone},
    {"floCol", F::kFloCol, T::kNone},
    {"verified", F::kVerified, T::kNone},
    {"labgrown", F::kCertLabgrown, T::kNone},
    {"labgrown_type", F::kLabgrownType, T::kNone},
    {"treated", F::kTreated, T::kNone},
    {"girdle", F::kGirdle, T::kNone},
    {"culetSize", F::kCuletSize, T::kNone},
    {"girdleCondition", F::kGirdleCondition, T::kNone},
    {"culet_condition", F::kCuletCondition, T::kNone},
    {"cut_style", F::kCutStyle, T::kNone},
    {"keyToSymbols", F::kKeyToSymbols, T::kNone},
    {"comments", F::kComments, T::kNone},
    {"f_color", F::kFColor, T::kNone},
    {"f_intensity", F::kFIntensity, T::kNone},
    {"f_overtone", F::kFOvertone, T::kNone},
};

template <size_t N>
const FieldDef* Lookup(const FieldDef (&table)[N], std::string_view name) {
  for (const auto& def : table) {
    if (def.name == name) return &def;
  }
  return nullptr;
}

constexpr FieldDef kTypenameField = {"__typename", F::kTypename, T::kNone};

}  // namespace

const FieldDef* FindField(ObjType type, std::string_view name) {
  if (name == "__typename") return &kTypenameField;
  switch (type) {
    case T::kItem:
      return Lookup(kItemFields, name);
    case T::kDiamond:
      return Lookup(kDiamondFields, name);
    case T::kDeliveryTime:
      return Lookup(kDeliveryFields, name);
    case T::kSupplier:
      return Lookup(kSupplierFields, name);
    case T::kCertificate:
      return Lookup(kCertificateFields, name);
    case T::kNone:
      return nullptr;
  }
  return nullptr;
}

std::string_view TypeName(ObjType type) {
  switch (type) {
    case T::kItem:
      return "Item";
    case T::kDiamond:
      return "Diamond";
    case T::kDeliveryTime:
      return "DeliveryTime";
    case T::kSupplier:
      return "Supplier";
    case T::kCertificate:
      return "Certificate";
    case T::kNone:
      return "";
  }
  return "";
}

}  // namespace di::sim

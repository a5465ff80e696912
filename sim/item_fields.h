// The item schema as simulated: object types and their fields, each with a
// FieldId the item writer switches on. Constant tables; thread-safe. The SDL in
// schema/nivoda.graphql lists the same fields with their GraphQL types.
#pragma once

#include <cstdint>
#include <string_view>

namespace di::sim {

enum class ObjType : uint8_t { kNone, kItem, kDiamond, kDeliveryTime, kSupplier, kCertificate };

enum class FieldId : uint16_t {
  kTypename,
  // Item
  kId,
  kPrice,
  kDiamondPrice,
  kMarkupPrice,
  kDiscount,
  kMarkupDiscount,
  kUpdatedAt,
  kDiamond,
  // Diamond
  kDiamondId,
  kAvailability,
  kHoldId,
  kNivodaStockId,
  kSupplierStockId,
  kImage,
  kVideo,
  kEyeClean,
  kBrown,
  kGreen,
  kBlue,
  kGray,
  kMilky,
  kBowtie,
  kMineOfOrigin,
  kSupplierVideoLink,
  kApprovalType,
  kFinalPrice,
  kReturnWindow,
  kCertificateType,
  kDeliveryTime,
  kSupplier,
  kCertificate,
  // DeliveryTime
  kExpressTimeline,
  kMinBusinessDays,
  kMaxBusinessDays,
  // Supplier
  kSupplierId,
  kSupplierName,
  kSupplierLegalName,
  // Certificate
  kCertId,
  kLab,
  kCertNumber,
  kPdfUrl,
  kShape,
  kFullShape,
  kCarats,
  kClarity,
  kCut,
  kPolish,
  kSymmetry,
  kColor,
  kLength,
  kWidth,
  kDepth,
  kDepthPercentage,
  kTable,
  kCrownAngle,
  kCrownHeight,
  kPavAngle,
  kPavHeight,
  kPavDepth,
  kFloInt,
  kFloCol,
  kVerified,
  kCertLabgrown,
  kLabgrownType,
  kTreated,
  kGirdle,
  kCuletSize,
  kGirdleCondition,
  kCuletCondition,
  kCutStyle,
  kKeyToSymbols,
  kComments,
  kFColor,
  kFIntensity,
  kFOvertone,
};

struct FieldDef {
  std::string_view name;
  FieldId id;
  ObjType child;  // kNone for a leaf (scalar) field
};

// The field NAME of TYPE, or nullptr if TYPE has no such field. `__typename`
// is a field of every type.
const FieldDef* FindField(ObjType type, std::string_view name);
// GraphQL type name (Item, Diamond, DeliveryTime, Supplier, Certificate).
std::string_view TypeName(ObjType type);

}  // namespace di::sim

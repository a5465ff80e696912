// Value rules one by one (the fixtures cover them through whole items).
#include "consolidate/value_rules.h"

#include <gtest/gtest.h>

namespace di::consolidate {
namespace {

TEST(Availability, ExactMatchesOnly) {
  EXPECT_EQ(NormalizeAvailability("AVAILABLE"), Availability::kAvailable);
  EXPECT_EQ(NormalizeAvailability(" Available\t"), Availability::kAvailable);
  EXPECT_EQ(NormalizeAvailability("UNAVAILABLE"), Availability::kUnavailable);
  EXPECT_EQ(NormalizeAvailability("AVAILABLE SOON"), Availability::kUnavailable);
  EXPECT_EQ(NormalizeAvailability("ON HOLD"), Availability::kOnHold);
  EXPECT_EQ(NormalizeAvailability("on_hold"), Availability::kOnHold);
  EXPECT_EQ(NormalizeAvailability("HOLD"), Availability::kOnHold);
  EXPECT_EQ(NormalizeAvailability("MEMO"), Availability::kOnHold);
  EXPECT_EQ(NormalizeAvailability("SOLD"), Availability::kSold);
  EXPECT_EQ(NormalizeAvailability("SOLD OUT"), Availability::kUnavailable);
  EXPECT_EQ(NormalizeAvailability(std::nullopt), Availability::kUnavailable);
  EXPECT_STREQ(AvailabilityName(Availability::kOnHold), "on_hold");
}

TEST(EyeClean, TriState) {
  for (const char* yes : {"yes", "YES", "y", "true", "Eye Clean", "EC", "100%", "100 %", "100% eye clean"}) {
    EXPECT_EQ(ParseEyeClean(yes), std::optional<bool>(true)) << yes;
  }
  for (const char* no : {"no", "N", "false", "not eye clean", "90%", "0%"}) {
    EXPECT_EQ(ParseEyeClean(no), std::optional<bool>(false)) << no;
  }
  for (const char* unknown : {"", "  ", "N/A", "na", "E1", "unknown", "100", "1000%"}) {
    EXPECT_EQ(ParseEyeClean(unknown), std::nullopt) << unknown;
  }
}

TEST(Prices, RoundingAndPerCarat) {
  EXPECT_EQ(RoundCents(199.5), std::optional<int64_t>(200));
  EXPECT_EQ(RoundCents(199.49), std::optional<int64_t>(199));
  EXPECT_EQ(RoundCents(-1), std::nullopt);
  EXPECT_EQ(RoundCents(std::numeric_limits<double>::infinity()), std::nullopt);
  EXPECT_EQ(PricePerCaratCents(100001, 3), 33334);
  EXPECT_EQ(PricePerCaratCents(3078, 0.18), 17100);
  EXPECT_EQ(PricePerCaratCents(7, 0.56), 13);  // 12.5 exactly; 7 / 0.56 in binary is 12.4999...
  EXPECT_EQ(PricePerCaratCents(1001, 2), 501);
  EXPECT_EQ(PricePerCaratCents(900000000000000, 0.01), 90000000000000000);
}

TEST(Decimals, ParseAndRatio) {
  EXPECT_EQ(ParseDecimal(" 61.5 "), std::optional<double>(61.5));
  EXPECT_EQ(ParseDecimal("+3"), std::optional<double>(3));
  EXPECT_EQ(ParseDecimal("6.5mm"), std::nullopt);
  EXPECT_EQ(ParseDecimal("nan"), std::nullopt);
  EXPECT_EQ(ParseDecimal(""), std::nullopt);
  EXPECT_EQ(Ratio(6.65, 6.46), std::optional<double>(1.029));
  EXPECT_EQ(Ratio(6.65, std::nullopt), std::nullopt);
  EXPECT_EQ(Ratio(6.65, 0), std::nullopt);
}

TEST(Text, CleanAndCode) {
  EXPECT_EQ(CleanText("  Round Brilliant "), std::optional<std::string>("Round Brilliant"));
  EXPECT_EQ(CleanText(" \t"), std::nullopt);
  EXPECT_EQ(CleanCode(" vs1"), std::optional<std::string>("VS1"));
}

TEST(Timestamps, NormalisedOrNull) {
  EXPECT_EQ(NormalizeTimestamp("2026-02-12T19:01:13.001Z"), std::optional<std::string>("2026-02-12T19:01:13.001Z"));
  EXPECT_EQ(NormalizeTimestamp("2026-02-12T19:01:13+00:00"), std::optional<std::string>("2026-02-12T19:01:13.000Z"));
  EXPECT_EQ(NormalizeTimestamp("2026-02-30T99:00:00Z"), std::nullopt);
  EXPECT_EQ(NormalizeTimestamp("yesterday"), std::nullopt);
}

}  // namespace
}  // namespace di::consolidate

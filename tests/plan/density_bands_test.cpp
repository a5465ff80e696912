#include "density_bands.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "synthetic_inventory.h"

namespace di::plan::testing {
namespace {

TEST(DensityBandsTest, EmbeddedBandsMatchTheSharedScan) {
  const char* source = std::getenv("DI_SOURCE_DIR");
  const std::filesystem::path path =
      std::filesystem::path(source ? source : ".") / ".." / "shared" / "data" / "nivoda-density-2026-02.json";
  ASSERT_TRUE(std::filesystem::exists(path)) << "no " << path << " (../shared must sit beside the repository)";
  std::ifstream in(path);
  const auto json = nlohmann::json::parse(in);
  const auto& bands = Nivoda2026DollarValueBands();
  ASSERT_EQ(json["dollar_value"].size(), bands.size());
  for (size_t i = 0; i < bands.size(); ++i) {
    EXPECT_EQ(json["dollar_value"][i]["from"].get<int64_t>(), bands[i].from);
    EXPECT_EQ(json["dollar_value"][i]["to"].get<int64_t>(), bands[i].to);
    EXPECT_EQ(json["dollar_value"][i]["count"].get<int64_t>(), bands[i].count);
  }
  EXPECT_EQ(json["baseline"].get<int64_t>(), kNivoda2026Baseline);
}

TEST(DensityBandsTest, SyntheticInventoryFollowsTheBands) {
  const auto inv = SyntheticInventory::Nivoda2026(1);
  EXPECT_EQ(inv.size(), kNivoda2026Baseline);
  for (const auto& b : Nivoda2026DollarValueBands()) {
    // Offers priced from b.from to b.to + 0.99: a difference of two open-ended counts.
    EXPECT_EQ(inv.Count({b.from, std::nullopt}) - inv.Count({b.to + 1, std::nullopt}), b.count) << b.from;
  }
  EXPECT_EQ(inv.Count({250000, std::nullopt}), kNivoda2026Baseline - 428771);
}

TEST(DensityBandsTest, CountsUseInclusiveWholeDollarBounds) {
  const SyntheticInventory inv({199900, 199950, 200000, 200050});  // 1999.00 .. 2000.50
  EXPECT_EQ(inv.Count({0, 1999}), 1);
  EXPECT_EQ(inv.Count({1999, 2000}), 3);
  EXPECT_EQ(inv.Count({2000, std::nullopt}), 2);
  EXPECT_EQ(inv.Count({2001, 2000}), 0);
}

}  // namespace
}  // namespace di::plan::testing

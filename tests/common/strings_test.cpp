// Trim, case mapping and the thousands-grouped number formats.
#include "common/strings.h"

#include <gtest/gtest.h>

#include <limits>

namespace di {
namespace {

TEST(StringsTest, Trim) {
  EXPECT_EQ(Trim(""), "");
  EXPECT_EQ(Trim(" \t\r\n\v\f"), "");
  EXPECT_EQ(Trim("  a b \n"), "a b");
  EXPECT_EQ(Trim("x"), "x");
  EXPECT_EQ(Trim("\xc2\xa0x"), "\xc2\xa0x");  // only ASCII whitespace
}

TEST(StringsTest, CaseMappingIsAscii) {
  EXPECT_EQ(Lower("Content-Type: ÄB"), "content-type: Äb");
  EXPECT_EQ(Upper("vs1 éx"), "VS1 éX");
  EXPECT_TRUE(EqualsIgnoreCase("AccountKey", "accountkey"));
  EXPECT_FALSE(EqualsIgnoreCase("AccountKey", "AccountKeys"));
  EXPECT_FALSE(EqualsIgnoreCase("a", "b"));
}

TEST(StringsTest, FormatCount) {
  const std::pair<int64_t, const char*> table[] = {
      {0, "0"},
      {999, "999"},
      {1000, "1,000"},
      {1234567, "1,234,567"},
      {-1234, "-1,234"},
      {-999, "-999"},
      {std::numeric_limits<int64_t>::max(), "9,223,372,036,854,775,807"},
      {std::numeric_limits<int64_t>::min(), "-9,223,372,036,854,775,808"},
  };
  for (const auto& [n, text] : table) EXPECT_EQ(FormatCount(n), text) << n;
}

TEST(StringsTest, FormatDollars) {
  EXPECT_EQ(FormatDollars(250000), "$250,000");
  EXPECT_EQ(FormatDollars(0), "$0");
  EXPECT_EQ(FormatDollars(-5), "-$5");
  EXPECT_EQ(FormatDollars(std::numeric_limits<int64_t>::min()), "-$9,223,372,036,854,775,808");
}

}  // namespace
}  // namespace di

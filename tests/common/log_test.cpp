#include "common/log.h"

#include <gtest/gtest.h>

namespace di::log {
namespace {

TEST(LogTest, JsonLineHasFieldsAndEscapes) {
  std::string line = FormatLine(Level::kWarn, Format::kJson, "he said \"hi\"\n",
                                {{"run_id", "r1"}, {"pages", int64_t{3}}, {"ok", true}});
  EXPECT_NE(line.find("\"level\":\"warn\""), std::string::npos);
  EXPECT_NE(line.find("\"msg\":\"he said \\\"hi\\\"\\n\""), std::string::npos);
  EXPECT_NE(line.find("\"run_id\":\"r1\""), std::string::npos);
  EXPECT_NE(line.find("\"pages\":3"), std::string::npos);
  EXPECT_NE(line.find("\"ok\":true"), std::string::npos);
  EXPECT_EQ(line.front(), '{');
  EXPECT_EQ(line.back(), '}');
}

TEST(LogTest, SecretsAreRedactedEverywhere) {
  AddSecret("hunter2-password");
  std::string line = FormatLine(Level::kError, Format::kJson, "login failed for hunter2-password",
                                {{"url", "postgres://u:hunter2-password@h/db"}});
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_NE(line.find("***"), std::string::npos);
  EXPECT_EQ(Redact("x hunter2-password y hunter2-password"), "x *** y ***");
}

TEST(LogTest, ShortSecretsIgnored) {
  AddSecret("ab");
  EXPECT_EQ(Redact("abc"), "abc");
}

}  // namespace
}  // namespace di::log

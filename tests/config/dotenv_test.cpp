#include "config/dotenv.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>

namespace di {
namespace {

std::map<std::string, std::string> Parse(std::string_view text) {
  auto entries = ParseDotenv(text);
  EXPECT_TRUE(entries.ok()) << entries.status().ToString();
  std::map<std::string, std::string> out;
  if (entries.ok()) {
    for (const auto& e : entries.value()) out[e.key] = e.value;
  }
  return out;
}

TEST(DotenvTest, CommentsBlanksAndPlainValues) {
  auto env = Parse(
      "# a comment\n"
      "\n"
      "   # indented comment\n"
      "PAGE_SIZE=30\n"
      "  FEED = labgrown  \n"
      "EMPTY=\n");
  EXPECT_EQ(env.size(), 3u);
  EXPECT_EQ(env["PAGE_SIZE"], "30");
  EXPECT_EQ(env["FEED"], "labgrown");
  EXPECT_EQ(env["EMPTY"], "");
}

TEST(DotenvTest, ExportPrefix) {
  auto env = Parse("export NIVODA_USERNAME=alice\nexport\tLOG_LEVEL=debug\nexport_X=1\n");
  EXPECT_EQ(env["NIVODA_USERNAME"], "alice");
  EXPECT_EQ(env["LOG_LEVEL"], "debug");
  EXPECT_EQ(env["export_X"], "1");
}

TEST(DotenvTest, InlineCommentsOnlyAfterBlank) {
  auto env = Parse("A=value # comment\nB=pass#word\nC=#notcomment\nD= # only comment\n");
  EXPECT_EQ(env["A"], "value");
  EXPECT_EQ(env["B"], "pass#word");
  EXPECT_EQ(env["C"], "");  // '#' right after '=' (after blanks) starts a comment
  EXPECT_EQ(env["D"], "");
}

TEST(DotenvTest, SingleQuotesAreLiteral) {
  auto env = Parse("A='x # y \\n $HOME'   # trailing\nB='' \n");
  EXPECT_EQ(env["A"], "x # y \\n $HOME");
  EXPECT_EQ(env["B"], "");
}

TEST(DotenvTest, DoubleQuotesHaveEscapes) {
  auto env = Parse("A=\"line1\\nline2\\t\\\"q\\\" \\\\ \\$x \\z\" # c\nB=\"semi;colon=equals\"\n");
  EXPECT_EQ(env["A"], "line1\nline2\t\"q\" \\ $x \\z");
  EXPECT_EQ(env["B"], "semi;colon=equals");
}

TEST(DotenvTest, ValueKeepsEqualsSigns) {
  auto env = Parse("AZURE_SERVICE_BUS_CONNECTION_STRING=Endpoint=sb://ns/;SharedAccessKey=abc=\n");
  EXPECT_EQ(env["AZURE_SERVICE_BUS_CONNECTION_STRING"], "Endpoint=sb://ns/;SharedAccessKey=abc=");
}

TEST(DotenvTest, CrlfBomAndNoFinalNewline) {
  auto env = Parse(
      "\xEF\xBB\xBF"
      "A=1\r\nB=2\r\nC=3");
  EXPECT_EQ(env["A"], "1");
  EXPECT_EQ(env["B"], "2");
  EXPECT_EQ(env["C"], "3");
}

TEST(DotenvTest, DuplicatesKeptInOrderWithLineNumbers) {
  auto entries = ParseDotenv("A=1\n\nA=2\n");
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].line, 1);
  EXPECT_EQ((*entries)[1].value, "2");
  EXPECT_EQ((*entries)[1].line, 3);
}

TEST(DotenvTest, ErrorsNameTheLineNotItsText) {
  const std::pair<const char*, const char*> cases[] = {
      {"OK=1\nhunter2-secret\n", "line 2: expected '='"},
      {"1ABC=hunter2-secret\n", "line 1: expected a variable name"},
      {"A='hunter2-secret\n", "line 1: unterminated single quote"},
      {"A=\"hunter2-secret\n", "line 1: unterminated double quote"},
      {"A='x' hunter2-secret\n", "line 1: unexpected text after the closing quote"},
      {"\n\nA B=hunter2-secret\n", "line 3: expected '='"},
  };
  for (const auto& [text, expected] : cases) {
    auto entries = ParseDotenv(text);
    ASSERT_FALSE(entries.ok()) << text;
    EXPECT_EQ(entries.status().message().rfind(expected, 0), 0u) << entries.status().message();
    EXPECT_EQ(entries.status().message().find("hunter2"), std::string::npos);
  }
}

TEST(DotenvTest, ReadFileReportsMissingAndParseErrors) {
  auto missing = ReadDotenvFile("/nonexistent/dir/.env");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);

  char path[] = "/tmp/di_dotenv_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  ::close(fd);
  std::ofstream(path) << "A=1\nbroken\n";
  auto bad = ReadDotenvFile(path);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), std::string(path) + ": line 2: expected '=' after the variable name");
  std::ofstream(path) << "A=1\nB='two'\n";
  auto good = ReadDotenvFile(path);
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->size(), 2u);
  std::remove(path);
}

}  // namespace
}  // namespace di

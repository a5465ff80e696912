// Mapping fixtures: every tests/fixtures/mapping/*.json holds a raw item and
// the row (or the failure reason) it must map to, side by side:
//   {"description": ..., "feed": "natural"|"labgrown",
//    "raw": {...item...} | "raw_text": "unparsable text",
//    "expected": {column: value, ...} [, "complete": true] | "expected_failure": "reason"}
// Every column listed in "expected" is compared; "complete" fixtures must list
// every column. The row is mapped with run id "run-fixture" and payload hash
// "fixture-hash". The folder is found through $DI_SOURCE_DIR.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "consolidate/mapping.h"
#include "consolidate/row_columns.h"

namespace di::consolidate {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path FixtureDir() {
  const char* src = std::getenv("DI_SOURCE_DIR");
  return fs::path(src ? src : ".") / "tests" / "fixtures" / "mapping";
}

std::vector<std::string> FixtureNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(FixtureDir(), ec)) {
    if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

json Load(const std::string& name) {
  std::ifstream in(FixtureDir() / (name + ".json"));
  std::stringstream text;
  text << in.rdbuf();
  return json::parse(text.str());
}

class MappingFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(MappingFixture, MapsAsExpected) {
  const json f = Load(GetParam());
  SCOPED_TRACE(f.value("description", ""));
  const std::string feed = f.value("feed", "natural");
  const std::string payload = f.contains("raw_text") ? f["raw_text"].get<std::string>() : f.at("raw").dump();
  Result<DiamondRow> row = MapOffer({feed, "run-fixture", payload, "fixture-hash"});

  if (f.contains("expected_failure")) {
    ASSERT_FALSE(row.ok()) << "mapped although a failure was expected: " << RowToJson(*row);
    EXPECT_EQ(row.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(row.status().message(), f["expected_failure"].get<std::string>());
    return;
  }
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  const json actual = json::parse(RowToJson(*row));
  const json& expected = f.at("expected");
  ASSERT_FALSE(expected.empty());
  for (const auto& [column, value] : expected.items()) {
    ASSERT_TRUE(actual.contains(column)) << "no column " << column;
    EXPECT_EQ(actual[column], value) << "column " << column;
  }
  if (f.value("complete", false)) {
    for (const auto& [column, value] : actual.items()) {
      EXPECT_TRUE(expected.contains(column))
          << "complete fixture does not list column " << column << " (mapped to " << value.dump() << ")";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, MappingFixture, ::testing::ValuesIn(FixtureNames()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Guards against a wrong DI_SOURCE_DIR silently running no fixture at all.
TEST(MappingFixtures, FolderHoldsTheFixtures) {
  auto names = FixtureNames();
  EXPECT_GE(names.size(), 50u) << "fixtures read from " << FixtureDir();
  for (const char* needed : {"natural_sim_item", "labgrown_sim_item", "availability_unavailable",
                             "eye_clean_100_percent", "price_fractional", "stone_id_missing"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), needed), names.end()) << needed;
  }
}

// The COPY line carries the same values, tab-separated, NULL as \N.
TEST(RowColumns, CopyLineMatchesColumnList) {
  auto row =
      MapOffer({"natural", "r1",
                R"({"id":"o\t1","price":5,"diamond":{"id":"s","certificate":{"shape":"ROUND","carats":0.5}}})", "h"});
  ASSERT_TRUE(row.ok());
  std::string line;
  AppendCopyLine(&line, *row);
  ASSERT_EQ(line.back(), '\n');
  size_t fields = std::count(line.begin(), line.end(), '\t') + 1;
  const std::string list = ColumnList();
  size_t columns = std::count(list.begin(), list.end(), ',') + 1;
  EXPECT_EQ(fields, columns);
  EXPECT_EQ(line.rfind("natural\ts\to\\t1\tROUND\t\\N\t0.5\t", 0), 0u) << line;
  EXPECT_NE(line.find("\t10\t"), std::string::npos) << "price per carat 5 / 0.5 = 10: " << line;
}

}  // namespace
}  // namespace di::consolidate
